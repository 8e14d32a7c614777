"""``scan --endpoint-facts`` and ``endpoints.facts_dir``: machines audited from the facts files they wrote.

Through the real CLI, with the JSON report: each machine's exact status for every endpoint rule, and the reason
an unusable file gives, naming it. The merged scan asks real machines over real pywinrm (the simulator) and reads
files for the machine it cannot reach.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
from pathlib import Path

import pytest
import yaml
from endpoint_support import ACCOUNT, AS_OF, machine, statuses, write_config
from facts_files_support import write_facts

from holyaudit.winrm_sim import Fleet, SimHost

ENDPOINT_RULES = [
    "antivirus-up-to-date",
    "autologon-no-stored-password",
    "laptop-encryption",
    "logoff-task-scheduled",
    "screensaver-locking",
]
ONLY = [arg for rule in ENDPOINT_RULES for arg in ("--only", rule)]


def written(ago: dt.timedelta) -> tuple[str, str]:
    """A producedAt that long before now, as the script writes it, and as the report shows it.

    A file's age is counted when the scan reads it (the rules' --as-of judges the facts, not the file)."""
    when = dt.datetime.now(dt.UTC) - ago
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f0Z"), when.isoformat()


FRESH, _ = written(dt.timedelta(hours=20))


def files_only_config(folder: Path, names: list[str], **endpoints: object) -> Path:
    """A site whose inventory lists ``names`` and whose endpoints are read only from files."""
    (folder / "machines.yaml").write_text(yaml.safe_dump({"hosts": [{"name": n} for n in names]}), encoding="utf-8")
    section = {"winrm": False, "from_directory": False, "inventory": "machines.yaml"} | endpoints
    settings = {"site": {"name": "Holywell test", "timezone": "Europe/London"}, "endpoints": section}
    config = folder / "holyaudit.yaml"
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return config


def every_rule(host: str, status: str) -> dict[tuple[str, str], str]:
    return {(rule, host): status for rule in ENDPOINT_RULES}


def reasons(report: str) -> dict[str, str]:
    """Host id -> the reason its ERROR gives (the same for every rule)."""
    found: dict[str, set[str]] = {}
    for finding in json.loads(report)["findings"]:
        for result in finding["objects"]:
            if result["status"] == "ERROR":
                found.setdefault(result["id"], set()).add(result["reason"])
    assert all(len(texts) == 1 for texts in found.values()), found
    return {host: texts.pop() for host, texts in found.items()}


def test_each_kind_of_file_gives_its_own_status_and_only_its_machine_errs(run_cli, tmp_path: Path) -> None:
    facts = tmp_path / "facts"
    facts.mkdir()
    write_facts(facts, "HW-LT-01", computer="HW-LT-01", produced_at=FRESH)
    nine_days_old, shown = written(dt.timedelta(days=9, hours=6))
    write_facts(facts, "HW-LT-02", computer="HW-LT-02", produced_at=nine_days_old)
    write_facts(facts, "HW-LT-03", computer="HW-LT-09", produced_at=FRESH)  # copied from another machine
    corrupt = write_facts(facts, "HW-LT-05", computer="HW-LT-05", produced_at=FRESH)
    corrupt.write_bytes(corrupt.read_bytes()[:200])  # cut off mid-write
    (facts / "HW-LT-06.json").symlink_to(facts / "HW-LT-01.json")
    (facts / "HW-LT-07.json").write_bytes(b" " * (1024 * 1024 + 1))
    names = [f"HW-LT-0{n}" for n in range(1, 8)]  # HW-LT-04 wrote no file
    config = files_only_config(tmp_path, names)

    result = run_cli(
        "scan", "--config", str(config), "--endpoint-facts", str(facts), "--as-of", AS_OF, "--format", "json", *ONLY
    )

    assert result.code == 4, result.err  # incomplete: errors, and nothing that was checked failed
    assert statuses(result.out) == every_rule("HW-LT-01", "PASS") | {
        key: status for n in range(2, 8) for key, status in every_rule(f"HW-LT-0{n}", "ERROR").items()
    }
    assert reasons(result.out) == {
        "HW-LT-02": f"could not be read: {facts}/HW-LT-02.json: facts are 9 days old (produced {shown}; "
        "endpoints.facts_max_age_days is 7)",
        "HW-LT-03": f"could not be read: {facts}/HW-LT-03.json: produced on 'HW-LT-09', not 'HW-LT-03': refused",
        "HW-LT-04": f"could not be read: no facts: no HW-LT-04.json in {facts}",
        "HW-LT-05": f"could not be read: {facts}/HW-LT-05.json: not a facts file: not UTF-8 JSON "
        "(Expecting value: line 1 column 201 (char 200))",
        "HW-LT-06": f"could not be read: {facts}/HW-LT-06.json: a link, not a regular file: refused",
        "HW-LT-07": f"could not be read: {facts}/HW-LT-07.json: larger than 1048576 bytes: refused",
    }
    [source] = json.loads(result.out)["sources"]
    assert source["source"] == f"facts files in {facts}: 1 of 7 facts files read"
