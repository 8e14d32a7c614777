"""``holyaudit config check`` against the real Samba DC: the directory, and Group Policy over LDAP and SYSVOL.

Proves that the check reads Group Policy as a scan does (the GPO list and links over LDAP, the applied GPOs' files
over SMB), and that SYSVOL out of reach, or one GPO's files out of reach, fails the gpo line (exit 4) while the
directory line still shows as reached.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml
from estate import AUDIT_PASSWORD
from gpo_estate import EXPECTED_APPLIED, PUPIL_RELAXED, SeededGpos
from seed import write_config


@pytest.fixture
def audit_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)


def lines_by_source(out: str) -> dict[str, str]:
    """'ok' or 'FAILED' plus the detail, by source, from config check's one line per source."""
    found = {}
    for line in out.splitlines()[1:]:
        verdict, _, rest = line.partition(" ")
        source, _, detail = rest.strip().partition(": ")
        found[source] = f"{verdict} {detail}"
    return found


def gpo_source(samba_dc) -> str:
    return f"ldaps://{samba_dc.host}:{samba_dc.port} + \\\\{samba_dc.host}\\SYSVOL"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_config_check_reads_group_policy_links_over_ldap_and_the_applied_gpos_from_sysvol(
    samba_dc, run_cli, tmp_path: Path, audit_env
) -> None:
    config = write_config(samba_dc, tmp_path / "site.yaml")
    result = run_cli("config", "check", "--config", str(config))
    assert result.code == 0, result.out + result.err
    applied = {name for names in EXPECTED_APPLIED.values() for name in names}
    found = lines_by_source(result.out)
    assert list(found) == ["directory", "gpo", "mis"]
    assert found["directory"].startswith("ok ")
    assert found["gpo"] == (
        f"ok {gpo_source(samba_dc)}: read the links of {len(EXPECTED_APPLIED)} containers and the files of "
        f"{len(applied)} applied GPOs"
    )
    assert AUDIT_PASSWORD not in result.out + result.err


def test_a_blocked_smb_port_fails_the_gpo_line_and_exits_4_while_the_directory_is_reached(
    samba_dc, run_cli, tmp_path: Path, audit_env
) -> None:
    closed = _free_port()
    config = write_config(samba_dc, tmp_path / "site.yaml")
    settings = yaml.safe_load(config.read_text())
    settings["gpo"] = {"port": closed, "timeout_seconds": 2}
    config.write_text(yaml.safe_dump(settings))
    result = run_cli("config", "check", "--config", str(config))
    assert result.code == 4, result.out + result.err
    found = lines_by_source(result.out)
    assert found["directory"].startswith("ok ")
    assert found["gpo"].startswith("FAILED ")
    assert f"SYSVOL over SMB: cannot connect to port {closed}" in found["gpo"]
    assert found["mis"].startswith("ok ")
    assert AUDIT_PASSWORD not in result.out + result.err


def test_a_gpo_whose_gpt_ini_is_missing_fails_the_gpo_line(
    samba_dc, seeded_gpos: SeededGpos, run_cli, tmp_path: Path, audit_env
) -> None:
    """SYSVOL answers, but one applied GPO's folder has lost GPT.INI: a scan would give ERROR, so the check fails."""
    config = write_config(samba_dc, tmp_path / "site.yaml")
    guid = seeded_gpos.guids[PUPIL_RELAXED]
    (gpt_ini,) = samba_dc.workdir.glob(f"state/sysvol/*/Policies/{guid}/GPT.INI")
    hidden = gpt_ini.with_name("GPT.INI.hidden-by-test")
    gpt_ini.rename(hidden)
    try:
        result = run_cli("config", "check", "--config", str(config))
    finally:
        hidden.rename(gpt_ini)
    assert gpt_ini.is_file()
    assert result.code == 4, result.out + result.err
    found = lines_by_source(result.out)
    assert found["directory"].startswith("ok ")
    assert found["gpo"].startswith(f"FAILED {gpo_source(samba_dc)}: GPO '{PUPIL_RELAXED}': ")
    assert "has no GPT.INI" in found["gpo"]


def test_a_wrong_password_fails_the_directory_and_gpo_lines_without_showing_it(
    samba_dc, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", "Wrong-Guess-99!")
    config = write_config(samba_dc, tmp_path / "site.yaml")
    result = run_cli("config", "check", "--config", str(config))
    assert result.code == 4
    found = lines_by_source(result.out)
    assert found["directory"].startswith("FAILED ")
    assert found["gpo"].startswith("FAILED ")
    assert "invalid credentials" in found["gpo"]
    assert "Wrong-Guess-99!" not in result.out + result.err
