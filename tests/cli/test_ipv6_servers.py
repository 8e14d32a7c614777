"""A directory server given as an IPv6 address is printed as a URL gives it, in brackets (``ldaps://[::1]:636``), so
its colons are not read as the port's: in `config check`, in a scan's sources, its warnings and its JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOBODY_LISTENS = 1  # a port no test server uses: the connection is refused at once
REFUSED = (
    f"ldaps://[::1]:{NOBODY_LISTENS}: connection refused (is the domain controller running and listening on this port?)"
)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", "not-checked-here")
    path = tmp_path / "holyaudit.yaml"
    path.write_text(
        "site: {name: V6 School}\n"
        f"directory: {{server: '::1', port: {NOBODY_LISTENS}, bind_user: svc@example.local}}\n"
    )
    return path


def test_config_check_names_an_ipv6_server_in_brackets(run_cli, config: Path) -> None:
    result = run_cli("config", "check", "--config", str(config))
    assert result.code == 4
    assert result.out.splitlines()[1:3] == [f"FAILED directory: {REFUSED}", f"FAILED gpo: {REFUSED}"]


def test_a_scan_names_an_ipv6_server_in_brackets_in_its_warnings_and_its_json_sources(run_cli, config: Path) -> None:
    result = run_cli("scan", "--config", str(config), "--no-history", "--format", "json")
    assert result.code == 4
    assert result.err.splitlines() == [f"warning: directory: {REFUSED}", f"warning: gpo: {REFUSED}"]
    sources = {s["name"]: (s["source"], s["error"]) for s in json.loads(result.out)["sources"]}
    assert sources["directory.users"] == (f"ldaps://[::1]:{NOBODY_LISTENS}", REFUSED)
    assert sources["gpo.ous"] == (f"ldaps://[::1]:{NOBODY_LISTENS} + \\\\::1\\SYSVOL", REFUSED)
