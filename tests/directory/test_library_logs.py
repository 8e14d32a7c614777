"""No library's log record or traceback reaches the user: with SYSVOL refusing the audit account, smbprotocol logs
``Failed to close connection`` and a traceback when its connections are closed; holyaudit says it in one line of
its own, and shows the library's words only with HOLYAUDIT_DEBUG=1.

Run as a separate process, as a user runs it: under pytest a handler of pytest's own takes every record.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from estate import AUDIT_PASSWORD
from seed import write_config

REFUSED = "GPT.INI could not be read: access denied (STATUS_ACCESS_DENIED): the audit account may not read it"
LIBRARY_WORDS = ("Traceback", "Failed to close connection", "smbprotocol", "smbclient", "spnego", "urllib3", "ldap3")


@pytest.fixture
def sysvol_refused(samba_dc) -> Iterator[None]:
    """SYSVOL's folder closed to every account but the one Samba runs as: the share refuses the audit account."""
    mode = samba_dc.sysvol.stat().st_mode
    samba_dc.sysvol.chmod(0o700)
    try:
        yield
    finally:
        samba_dc.sysvol.chmod(mode)


def holyaudit(*args: str, debug: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOLYAUDIT_LDAP_PASSWORD": AUDIT_PASSWORD, "COLUMNS": "400", "NO_COLOR": "1"}
    env["HOLYAUDIT_DEBUG"] = "1" if debug else ""
    command = [sys.executable, "-m", "holyaudit", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)


def commands(config: Path, folder: Path) -> dict[str, list[str]]:
    return {
        "config check": ["config", "check", "--config", str(config)],
        "collect": ["collect", "--config", str(config), "--output", str(folder / "snapshot.json")],
        "scan": ["scan", "--config", str(config), "--no-history", "--only", "gpo-screensaver-locking"],
    }


@pytest.mark.parametrize("command", ["config check", "collect", "scan"])
def test_a_share_that_refuses_access_is_one_line_of_holyaudit_s_and_no_library_traceback(
    samba_dc, sysvol_refused, tmp_path: Path, command: str
) -> None:
    config = write_config(samba_dc, tmp_path / "site.yaml")
    result = holyaudit(*commands(config, tmp_path)[command])
    for words in LIBRARY_WORDS:
        assert words not in result.stderr
    if command == "config check":
        assert result.returncode == 4
        assert result.stderr == ""
        (gpo,) = [line for line in result.stdout.splitlines() if line.startswith("FAILED gpo: ")]
        assert f"GPO 'Default Domain Controllers Policy': {REFUSED}" in gpo
    elif command == "collect":
        assert result.returncode == 0
        assert result.stderr.startswith(f"snapshot written to {tmp_path / 'snapshot.json'} (")
        assert result.stderr.count("\n") == 1
        assert REFUSED in (tmp_path / "snapshot.json").read_text()
    else:
        assert result.returncode == 4
        assert result.stderr == ""
        assert REFUSED in result.stdout


def test_with_holyaudit_debug_the_library_s_own_report_shows(samba_dc, sysvol_refused, tmp_path: Path) -> None:
    config = write_config(samba_dc, tmp_path / "site.yaml")
    result = holyaudit("config", "check", "--config", str(config), debug=True)
    assert result.returncode == 4
    assert "Failed to close connection" in result.stderr
    assert "Traceback (most recent call last):" in result.stderr
