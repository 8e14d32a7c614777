"""Fixtures the report tests share."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factories import write_profile, write_rule, write_snapshot

LONG_SCHOOL = "The Blessed Cardinal John Henry Newman Catholic Voluntary Academy and Sixth Form Centre (Upper Site)"


@pytest.fixture
def long_names(tmp_path: Path) -> list[str]:
    """Accounts and a school whose names are longer than a line, and one value a single word longer than one."""
    rules = tmp_path / "rules"
    write_rule(
        rules,
        "test-password-required-for-every-enabled-account-in-the-directory",
        title="Every enabled account in the directory needs a password, whatever its organisational unit says",
        facts="directory.users",
        parameters={},
        scope={"attr": "enabled", "op": "eq", "value": True},
        condition={"attr": "uac", "op": "bits_clear", "value": 0x20},
        context=["display_name"],
    )
    users = [
        {
            "id": f"user{n}",
            "enabled": True,
            "uac": 0x220,
            "display_name": f"Maximilian Alexander Fitzgerald-Montgomery-Worthington the {n}th (Supply, Maths)",
        }
        for n in range(4, 9)
    ]
    users.append({"id": "x" * 150, "enabled": True, "uac": 0x220, "display_name": "One very long identifier"})
    snapshot = write_snapshot(tmp_path / "s.json", {"directory.users": users})
    document = json.loads(snapshot.read_text(encoding="utf-8"))
    snapshot.write_text(json.dumps({**document, "site": LONG_SCHOOL}), encoding="utf-8")
    profile = write_profile(tmp_path / "p.yaml")
    return ["scan", "--rules", str(rules), "--profile", str(profile), "--snapshot", str(snapshot), "--no-history"]
