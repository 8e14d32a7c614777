"""``directory.auth: kerberos`` against the real Samba DC, through the CLI, with no password anywhere.

With svc-audit's ticket (kinit) the domain is read over LDAPS by a SASL GSSAPI bind and nothing is written; with
no ticket, a wrong service principal or no gssapi package, the scan says what to do instead of reading anything.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from expected import EXPECTED
from samba_dc import KerberosFiles, SambaDC
from seed import write_config

DOMAIN_RULE = "password-minimum-length"
DIRECTORY_RULES = sorted(EXPECTED)


@pytest.fixture
def kerberos_config(samba_dc: SambaDC, tmp_path: Path) -> Path:
    """The DC by address (its certificate names 127.0.0.1); Kerberos knows it as ldap/dc1.holywell.test."""
    return write_config(
        samba_dc,
        tmp_path / "kerberos.yaml",
        auth="kerberos",
        bind_user=None,
        kerberos_host=f"dc1.{samba_dc.dns_domain}",
    )


def scan(run_cli, config: Path, *rule_ids: str):
    args = ["scan", "--config", str(config), "--format", "json"]
    for rule_id in rule_ids:
        args += ["--only", rule_id]
    result = run_cli(*args)
    return result, json.loads(result.out) if result.out else None


def service_tickets(files: KerberosFiles) -> list[str]:
    """The principals of the tickets in the credential cache (klist's last column)."""
    klist = shutil.which("klist") or "klist"
    listing = subprocess.run([klist, "-c", f"FILE:{files.ccache}"], capture_output=True, text=True, check=True)
    return [line.split()[-1] for line in listing.stdout.splitlines() if "@" in line and line[:1].isdigit()]


def test_with_a_ticket_the_scan_binds_by_kerberos_and_reads_the_domain(run_cli, kerberos_config, kerberos_ticket):
    result, report = scan(run_cli, kerberos_config, DOMAIN_RULE)
    assert result.code == 0, result.err
    [finding] = report["findings"]
    assert finding["status"] == "PASS"
    assert {o["id"]: o["status"] for o in finding["objects"]} == {
        object_id: status.value for object_id, status in EXPECTED[DOMAIN_RULE].items()
    }
    # The bind used svc-audit's ticket: a service ticket for the DC's LDAP service joined the cache.
    assert service_tickets(kerberos_ticket) == [
        "krbtgt/HOLYWELL.TEST@HOLYWELL.TEST",
        "ldap/dc1.holywell.test@HOLYWELL.TEST",
    ]


def test_without_a_ticket_every_directory_rule_is_error_and_the_message_says_run_kinit(
    run_cli, kerberos_config, kerberos_env
):
    result, report = scan(run_cli, kerberos_config, *DIRECTORY_RULES)
    assert result.code == 4, result.err
    assert {f["status"] for f in report["findings"]} == {"ERROR"}
    message = next(f["message"] for f in report["findings"] if f["rule_id"] == DOMAIN_RULE)
    assert "no valid Kerberos ticket" in message
    assert "run kinit" in message
    assert "\n" not in message
    assert result.err.count("warning:") == 1
    assert "run kinit" in result.err.replace("\n", " ")
    assert "Traceback" not in result.err


def test_a_kerberos_scan_writes_nothing_to_the_directory(samba_dc, run_cli, kerberos_config, kerberos_ticket):
    before = samba_dc.highest_committed_usn()
    result = run_cli("scan", "--config", str(kerberos_config), "--format", "json")
    assert result.code == 1, result.err
    assert samba_dc.highest_committed_usn() == before


def test_the_dc_named_by_address_alone_is_not_its_kerberos_name(run_cli, samba_dc, tmp_path, kerberos_ticket):
    """Without kerberos_host the ticket asked for is ldap/127.0.0.1, which the KDC does not know."""
    config = write_config(samba_dc, tmp_path / "by-address.yaml", auth="kerberos", bind_user=None)
    result, report = scan(run_cli, config, DOMAIN_RULE)
    assert result.code == 4, result.err
    [finding] = report["findings"]
    assert finding["status"] == "ERROR"
    assert "Server not found in Kerberos database" in finding["message"]
    assert "(asked for ldap/127.0.0.1; set directory.kerberos_host to" in finding["message"]


def test_without_the_gssapi_package_the_scan_exits_3_saying_what_to_install(
    run_cli, kerberos_config, kerberos_ticket, monkeypatch
):
    monkeypatch.setitem(sys.modules, "gssapi", None)  # `import gssapi` now fails as if it were not installed
    result = run_cli("scan", "--config", str(kerberos_config), "--only", DOMAIN_RULE)
    assert result.code == 3
    assert "directory.auth: kerberos needs the gssapi package: install holyaudit[kerberos]" in result.err
    assert "Traceback" not in result.err
    # Refused before the DC was contacted: no ticket for its LDAP service was asked for.
    assert service_tickets(kerberos_ticket) == ["krbtgt/HOLYWELL.TEST@HOLYWELL.TEST"]
