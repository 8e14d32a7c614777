"""A domain controller that stops answering costs a scan one timeout, not one per connection or collector.

The suite's DC is frozen (SIGSTOP to every Samba process) for the length of one scan and resumed afterwards,
so the other tests find it as it was.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from estate import AUDIT_PASSWORD, AUDIT_USER
from expected import EXPECTED
from samba_dc import SambaDC
from seed import write_config

from holyaudit.collectors.credentials import Secret
from holyaudit.collectors.gpo.sysvol import Sysvol
from holyaudit.collectors.ldap.connection import Deadline, TlsPolicy, open_connection
from holyaudit.collectors.ldap.errors import DcSilent
from holyaudit.collectors.ldap.partitions import PartitionedSearch
from holyaudit.collectors.ldap.source import DirectorySettings

GPO_RULES = ["gpo-bitlocker-laptops", "gpo-force-logoff", "gpo-password-settings-agree", "gpo-screensaver-locking"]
RULES = sorted([*EXPECTED, *GPO_RULES])
DEFAULT_DOMAIN_POLICY = "{31B2F340-016D-11D2-945F-00C04FB984F9}"
TIMEOUT_SECONDS = 3
BUDGET_SECONDS = TIMEOUT_SECONDS + 5
"""The issue's budget: one timeout and a small constant, however many connections the scan opens."""


@pytest.fixture
def frozen_dc(samba_dc: SambaDC) -> Iterator[SambaDC]:
    """The DC with every one of its processes stopped; resumed (and answering again) when the test ends."""
    samba_dc.pause()
    try:
        yield samba_dc
    finally:
        samba_dc.resume()
        samba_dc.highest_committed_usn()  # answers again before the next test uses it


@pytest.mark.parametrize("connections", [1, 4])
def test_a_frozen_dc_ends_the_scan_within_one_timeout_with_every_rule_error(
    frozen_dc: SambaDC, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, connections: int
) -> None:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)
    config = write_config(
        frozen_dc, tmp_path / "site.yaml", timeout_seconds=TIMEOUT_SECONDS, search_connections=connections
    )
    args = ["scan", "--config", str(config), "--format", "json", "--no-history"]
    for rule_id in RULES:
        args += ["--only", rule_id]
    started = time.monotonic()
    result = run_cli(*args)
    took = time.monotonic() - started
    assert result.code == 4, result.err
    assert took < BUDGET_SECONDS, f"the scan took {took:.1f} s"
    report = json.loads(result.out)
    assert {f["rule_id"]: f["status"] for f in report["findings"]} == dict.fromkeys(RULES, "ERROR")
    silent = (
        f"ldaps://{frozen_dc.host}:{frozen_dc.port}: no answer within {TIMEOUT_SECONDS} s (directory.timeout_seconds)"
    )
    sets = ["directory.computers", "directory.domain", "directory.password_policies", "directory.users", "gpo.ous"]
    sets.append("directory.account_policies")
    assert {source["name"]: source["error"] for source in report["sources"]} == dict.fromkeys(sets, silent)
    assert result.err.splitlines() == [f"warning: directory: {silent}", f"warning: gpo: {silent}"]


def test_search_parts_and_new_connections_waiting_on_a_dc_gone_silent_mid_search_end_with_the_first_timeout(
    samba_dc: SambaDC,
) -> None:
    settings = DirectorySettings(
        server=samba_dc.host,
        port=samba_dc.port,
        ca_file=samba_dc.ca_file,
        bind_user=f"{AUDIT_USER}@{samba_dc.dns_domain}",
        timeout_seconds=TIMEOUT_SECONDS,
    )
    deadline = Deadline()

    def open_part():
        return open_connection(settings, Secret(AUDIT_PASSWORD), TlsPolicy(), deadline)

    users = "(&(objectCategory=person)(objectClass=user))"
    search = PartitionedSearch(open_part, samba_dc.base_dn, users, ["sAMAccountName"], 2, 4)
    started = time.monotonic()
    try:
        with pytest.raises(DcSilent) as silent, search:  # noqa: PT012 - the DC goes silent between two pages
            pages = iter(search)
            next(pages)
            samba_dc.pause()
            started = time.monotonic()
            for _ in pages:
                pass
        assert time.monotonic() - started < BUDGET_SECONDS
        reason = (
            f"ldaps://{samba_dc.host}:{samba_dc.port}: no answer within {TIMEOUT_SECONDS} s (directory.timeout_seconds)"
        )
        assert str(silent.value) == reason == deadline.reason
        started = time.monotonic()
        with pytest.raises(DcSilent, match="no answer within"):
            open_part()  # the Group Policy collector's connection, say: not waited for again
        assert time.monotonic() - started < 1
    finally:
        samba_dc.resume()


def test_a_certificate_that_does_not_name_the_server_is_said_so(
    samba_dc: SambaDC, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)
    config = write_config(samba_dc, tmp_path / "site.yaml", server="::1")
    result = run_cli("config", "check", "--config", str(config))
    assert result.code == 4
    assert result.err == ""
    misnamed = (
        "ldaps://[::1]:636: the domain controller's certificate names 127.0.0.1, localhost, dc1.holywell.test, not "
        "::1; set directory.server to a name it holds, or have the certificate reissued to name the server"
    )
    assert result.out.splitlines()[1:3] == [f"FAILED directory: {misnamed}", f"FAILED gpo: {misnamed}"]


def test_sysvol_going_silent_mid_read_costs_one_timeout_and_is_not_waited_for_again(samba_dc: SambaDC) -> None:
    gpt_ini = f"\\\\{samba_dc.host}\\sysvol\\{samba_dc.dns_domain}\\Policies\\{DEFAULT_DOMAIN_POLICY}\\GPT.INI"
    secret = Secret(AUDIT_PASSWORD)
    user = f"{AUDIT_USER}@{samba_dc.dns_domain}"
    sysvol = Sysvol(samba_dc.host, user, secret, auth_protocol="ntlm", encrypt=False, timeout_seconds=2)
    with sysvol:
        assert (sysvol.read(gpt_ini) or b"").startswith(b"[General]")
        samba_dc.pause()
        try:
            started = time.monotonic()
            with pytest.raises(DcSilent) as silent:
                sysvol.read(gpt_ini)
            assert time.monotonic() - started < 2 + 5
            assert (
                str(silent.value) == f"\\\\{samba_dc.host}\\SYSVOL over SMB: no answer within 2 s (gpo.timeout_seconds)"
            )
            started = time.monotonic()
            with pytest.raises(DcSilent):
                sysvol.read(gpt_ini)
            assert time.monotonic() - started < 1
        finally:
            samba_dc.resume()
