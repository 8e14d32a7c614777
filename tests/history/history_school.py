"""A small school whose estate changes between scans, scanned into a history database through the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factories import write_profile, write_rule, write_snapshot

USER_RULE = "test-password-required"
HOST_RULE = "test-no-autologon"


@dataclass(frozen=True)
class School:
    folder: Path
    rules: Path
    profile: Path
    history: Path

    def snapshot(self, name: str, users: dict[str, int], hosts: dict[str, str | None]) -> Path:
        """Users by userAccountControl (0x20: no password required, a failure); hosts by error (None: reached)."""
        records: dict[str, list[dict[str, Any]]] = {
            "directory.users": [{"id": user, "enabled": True, "uac": uac} for user, uac in users.items()],
            "endpoints.hosts": [
                {"id": host, "error": error} if error else {"id": host, "autologon_enabled": False}
                for host, error in hosts.items()
            ],
        }
        return write_snapshot(self.folder / f"{name}.json", records)

    def scan(self, snapshot: Path, *extra: str) -> list[str]:
        return ["scan", "--rules", str(self.rules), "--profile", str(self.profile), "--snapshot", str(snapshot),
                "--history", str(self.history), *extra]  # fmt: skip


def make_school(tmp_path: Path) -> School:
    rules = tmp_path / "rules"
    write_rule(
        rules,
        USER_RULE,
        facts="directory.users",
        parameters={},
        scope={"attr": "enabled", "op": "eq", "value": True},
        condition={"attr": "uac", "op": "bits_clear", "value": 0x20},
    )
    write_rule(
        rules,
        HOST_RULE,
        severity="medium",
        facts="endpoints.hosts",
        parameters={},
        condition={"attr": "autologon_enabled", "op": "eq", "value": False},
    )
    profile = write_profile(tmp_path / "profile.yaml")
    return School(tmp_path, rules, profile, tmp_path / "history.sqlite3")
