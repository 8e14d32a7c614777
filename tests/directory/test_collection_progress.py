"""The collection progress display against the real DC, through the CLI: a line per collector on a terminal,
with the DC's own counts; nothing at all on a pipe, in a scheduled run or with --quiet."""

from __future__ import annotations

from pathlib import Path

import pytest
from estate import AUDIT_PASSWORD, COMPUTERS, OUS, PEOPLE, PSOS
from gpo_estate import GPOS, LINKS, NETLOGON_FILES
from samba_dc import SambaDC
from seed import write_config

from terminal import last_frame

PROVISIONED_USERS = ("Administrator", "Guest", "krbtgt", "dns-dc1")
PROVISIONED_GPOS = ("Default Domain Policy", "Default Domain Controllers Policy")
"""Both linked: to the domain and to OU=Domain Controllers, the one OU provisioning makes."""


@pytest.fixture
def config(samba_dc: SambaDC, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)
    for name in ("TTY_COMPATIBLE", "TTY_INTERACTIVE", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    return write_config(samba_dc, tmp_path / "site.yaml")


@pytest.fixture
def on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stderr counts as an interactive terminal for rich (its own switches), though pytest captures it."""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("TTY_INTERACTIVE", "1")


def groups_in(dc: SambaDC) -> int:
    with dc.admin_connection() as conn:
        found = conn.extend.standard.paged_search(dc.base_dn, "(objectClass=group)", attributes=["1.1"])
        return sum(1 for entry in found if entry["type"] == "searchResEntry")


def scan_to_file(run_cli, config: Path, report: Path, *extra: str):
    return run_cli("scan", "--config", str(config), "--format", "json", "--output", str(report), *extra)


def test_on_a_terminal_each_collector_that_ran_has_a_line_with_the_dc_s_counts(
    run_cli, samba_dc: SambaDC, config: Path, tmp_path: Path, on_a_terminal: None
) -> None:
    report = tmp_path / "report.json"
    result = scan_to_file(run_cli, config, report)
    assert result.code == 1
    display, written = result.err.rsplit("\x1b[2K", 1)
    assert written == f"report written to {report}; exit 1: non-compliant\n"
    users, computers = len(PROVISIONED_USERS) + len(PEOPLE), len(COMPUTERS) + 1  # and the DC itself
    applied = {link.gpo for link in LINKS if not link.disabled} | set(PROVISIONED_GPOS)
    searched = len(NETLOGON_FILES) + sum(len(gpo.files) for gpo in GPOS)  # every GPP file and script, linked or not
    assert last_frame(display) == [
        # the computers are read while the DC works out the users' pages, so they are counted first
        f"directory {groups_in(samba_dc)} groups, {computers} computers, {users} users, "
        f"{len(PSOS)} password policies T",
        f"gpo {len(GPOS) + len(PROVISIONED_GPOS)} GPOs, {len(OUS) + 1} OUs, {len(applied)} read from SYSVOL, "
        f"{searched} files searched for passwords T",
    ]


def test_quiet_shows_no_progress_even_on_a_terminal(run_cli, config: Path, tmp_path: Path, on_a_terminal: None):
    result = scan_to_file(run_cli, config, tmp_path / "report.json", "--quiet")
    assert (result.code, result.out, result.err) == (1, "", "")


def test_without_a_terminal_stderr_holds_only_where_the_report_went(run_cli, config: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = scan_to_file(run_cli, config, report)
    assert (result.code, result.out) == (1, "")
    assert result.err == f"report written to {report}; exit 1: non-compliant\n"
