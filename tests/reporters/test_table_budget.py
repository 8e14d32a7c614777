"""The table's object budget: the most pressing rules list their first objects before any rule lists a second, and
once the budget is spent a rule keeps its title and counts while its objects are counted in the closing line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from factories import write_profile, write_rule, write_snapshot
from holyaudit.reporters.table import OBJECT_BUDGET

HEAD = re.compile(r"^(FAIL|PASS|ERROR|WAIVED|N/A) ")
ID_LINE = re.compile(r"^  ([a-z0-9-]+): ")


def rule_blocks(table: str) -> dict[str, list[str]]:
    """Each rule's lines by rule id: its head line and the indented lines under it (wrapped title, id and counts,
    objects)."""
    blocks: list[list[str]] = []
    for line in table.splitlines():
        if HEAD.match(line):
            blocks.append([line])
        elif blocks and blocks[-1] and line.startswith(" "):
            blocks[-1].append(line)
        else:
            blocks.append([])  # a heading, a blank line or the closing line ends the rule above it
    found = {}
    for block in filter(None, blocks):
        ids = [match[1] for line in block if (match := ID_LINE.match(line))]
        found[ids[0] if ids else block[0].split()[2].rstrip(":")] = block  # else a one-line rule: "PASS high id: …"
    return found


@pytest.fixture
def many_rules(tmp_path: Path) -> list[str]:
    """More failing rules than the budget has objects: 32 high ones, then 2 low ones, each failing the same two."""
    rules = tmp_path / "rules"
    severities = {f"test-high-{n:02}": "high" for n in range(1, OBJECT_BUDGET + 1)}
    severities.update({"test-low-1": "low", "test-low-2": "low"})
    for rule_id, severity in severities.items():
        write_rule(
            rules,
            rule_id,
            title=f"Every enabled account needs a password ({rule_id})",
            severity=severity,
            facts="directory.users",
            parameters={},
            condition={"attr": "uac", "op": "bits_clear", "value": 0x20},
        )
    users = [{"id": name, "enabled": True, "uac": 0x220} for name in ("a.one", "b.two")]
    snapshot = write_snapshot(tmp_path / "s.json", {"directory.users": users})
    profile = write_profile(tmp_path / "p.yaml")
    return ["scan", "--rules", str(rules), "--profile", str(profile), "--snapshot", str(snapshot), "--no-history"]


def test_once_the_budget_is_spent_the_least_pressing_rules_keep_their_counts_and_list_no_object(run_cli, many_rules):
    result = run_cli(*many_rules)
    assert result.code == 1
    blocks = rule_blocks(result.out)
    assert len(blocks) == OBJECT_BUDGET + 2
    for rule_id, block in blocks.items():
        severity = "low" if rule_id.startswith("test-low") else "high"
        assert block[:2] == [
            f"FAIL {severity} Every enabled account needs a password ({rule_id})",
            f"  {rule_id}: 2 of 2 users fail",
        ]
        first = "  • a.one FAIL: uac is 0x220; expected uac has all bits clear of 0x20"
        assert block[2:] == ([] if severity == "low" else [first])
    assert "… and 36 more not listed (36 FAIL): --details lists all" in result.out.splitlines()


def test_with_details_every_rule_lists_every_object(run_cli, many_rules):
    out = run_cli(*many_rules, "--details").out
    assert [len(block) for block in rule_blocks(out).values()] == [4] * (OBJECT_BUDGET + 2)  # head, id, two objects
    assert "more not listed" not in out
