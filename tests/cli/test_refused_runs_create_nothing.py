"""A scan refused for its inputs or its options (exit 3 or 2) creates and opens nothing: no history database, no
folder for it, and no lock file."""

from __future__ import annotations

from pathlib import Path

import pytest

from factories import write_profile, write_rule, write_snapshot


@pytest.fixture
def site(tmp_path: Path) -> dict[str, Path]:
    rules = tmp_path / "rules"
    write_rule(rules, "test-min-length")
    return {
        "rules": rules,
        "profile": write_profile(tmp_path / "profile.yaml"),
        "snapshot": write_snapshot(tmp_path / "estate.json", {"directory.domain": [{"id": "d", "min_pwd_length": 4}]}),
        "state": tmp_path / "state",
    }


def broken(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def live_config(tmp_path: Path) -> Path:
    text = "site: {name: Test School}\ndirectory: {server: dc1.example.invalid, bind_user: svc@example}\n"
    return broken(tmp_path / "live.yaml", text)


SNAPSHOT = "snapshot"
LIVE = "live"

CASES = {
    # exit 3: an input that cannot be used
    "a broken rule file": (
        3, SNAPSHOT, lambda s, t: ["--rules", str(broken(s["rules"] / "x.yaml", "id: [unclosed\n"))], "x.yaml:1:5"
    ),
    "a broken profile": (3, SNAPSHOT, lambda s, t: ["--profile", str(broken(t / "p.yaml", "rules: {\n"))], "p.yaml:"),
    "a broken waivers file": (
        3, SNAPSHOT, lambda s, t: ["--waivers", str(broken(t / "w.yaml", "- rule: [\n"))], "w.yaml:"
    ),
    "a broken config": (
        3, SNAPSHOT, lambda s, t: ["--config", str(broken(t / "c.yaml", "site: {colour: red}\n"))], "c.yaml:1:"
    ),
    "a broken snapshot": (3, LIVE, lambda s, t: ["--snapshot", str(broken(t / "s.json", '{"format": '))], "s.json:1:"),
    "no password for the directory": (
        3, LIVE, lambda s, t: ["--config", str(live_config(t))], "no password for the directory bind user"
    ),
    # exit 2: options that cannot be met
    "an unknown --only rule": (2, SNAPSHOT, lambda s, t: ["--only", "no-such-rule"], "--only: no rule"),
    "a bad --as-of": (2, SNAPSHOT, lambda s, t: ["--as-of", "last tuesday"], "--as-of: 'last tuesday'"),
    "an --as-of at the edge of the calendar": (
        2, SNAPSHOT, lambda s, t: ["--as-of", "9999-12-31T23:59:59"], "is out of range"
    ),
    "no live source configured": (2, LIVE, lambda s, t: [], "no live source is configured"),
    "a lock file that is not a file": (
        2, SNAPSHOT, lambda s, t: ["--lock-file", "/dev/null"], "cannot write /dev/null: not a regular file"
    ),
    "an --output that is a folder": (2, SNAPSHOT, lambda s, t: ["--output", str(t)], "Is a directory"),
    "an --output under a file": (
        2, SNAPSHOT, lambda s, t: ["--output", str(s["snapshot"] / "report.json")], "estate.json is not a folder"
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_refused_scan_creates_no_history_and_no_lock(run_cli, site, tmp_path, monkeypatch, case):
    monkeypatch.delenv("HOLYAUDIT_LDAP_PASSWORD", raising=False)
    code, source, extra, message = CASES[case]
    args = ["--rules", str(site["rules"]), "--profile", str(site["profile"])]
    args += ["--snapshot", str(site["snapshot"])] if source == SNAPSHOT else []
    args += extra(site, tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run_cli("scan", *args, "--history", str(site["state"] / "history.sqlite3"))
    assert result.code == code
    assert message in " ".join(result.err.split())
    assert not site["state"].exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # not the default history either, nor a lock
