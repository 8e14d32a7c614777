"""A wrong directory password never shows, however short or common: what config check and a scan show, log and
store is the same whatever the password, against the real DC."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from seed import write_config

from holyaudit.history.store import HistoryStore

LONG_WRONG = "Wrong-Guess-99!"


def everything_shown(run_cli, samba_dc, folder: Path, password: str, monkeypatch) -> dict[str, str]:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", password)
    folder.mkdir()
    config = write_config(samba_dc, folder / "site.yaml")
    log, history = folder / "scan.log", folder / "history.sqlite3"
    check = run_cli("config", "check", "--config", str(config))
    scan = run_cli("scan", "--config", str(config), "--format", "json", "--log-file", str(log),
                   "--history", str(history), "--only", "password-minimum-length")  # fmt: skip
    assert (check.code, scan.code) == (4, 4), check.out + check.err + scan.err
    with HistoryStore.open(history, read_only=True) as store:
        stored = [result for run in store.runs() for result in store.results(run)]
    shown = {
        "check": check.out + check.err,
        "scan": scan.out + scan.err,
        "log": log.read_text(),
        "history": repr(stored),
    }
    if password == LONG_WRONG:
        assert password.encode() not in history.read_bytes()
        for name, text in shown.items():
            assert password not in text, name
    return {name: _constant(text.replace(str(folder), "FOLDER")) for name, text in shown.items()}


def _constant(text: str) -> str:
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?", "TIME", text)
    return re.sub(r"\b[0-9a-f]{32}\b|\b[0-9a-f]{12}\b", "RUN", text)


@pytest.mark.parametrize("password", ["e", "l", "svc-audit", "ldaps", "invalid credentials"])
def test_a_short_or_common_wrong_password_changes_nothing_shown(
    run_cli, samba_dc, tmp_path: Path, monkeypatch, password: str
) -> None:
    shown = everything_shown(run_cli, samba_dc, tmp_path / "short", password, monkeypatch)
    assert shown == everything_shown(run_cli, samba_dc, tmp_path / "long", LONG_WRONG, monkeypatch)
    failed = f"ldaps://{samba_dc.host}:{samba_dc.port}: bind as svc-audit@{samba_dc.dns_domain} failed: invalid "
    assert f"FAILED directory: {failed}credentials (check the user and the password source)" in shown["check"]
