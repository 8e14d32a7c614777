"""``directory.read_path: paged`` reads the suite's estate through ldap3's own paged searches, and a scan and a
snapshot of it come out exactly as on the default fast path (the times its fact sets were collected at aside)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from estate import AUDIT_PASSWORD, AUDIT_USER, group_dn
from seed import write_config

from holyaudit.collectors.credentials import Secret
from holyaudit.collectors.ldap.connection import DirectoryError, TlsPolicy, close, open_connection, paged_pages
from holyaudit.collectors.ldap.source import DirectorySettings

READ_PATHS = ("fast", "paged")
_RUN_TIMES = frozenset({"collected_at"})


@pytest.fixture
def audit_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)


def without_run_times(document: Any) -> Any:
    """The document without the times each fact set was collected at: the only values two runs differ in."""
    if isinstance(document, dict):
        return {k: without_run_times(v) for k, v in document.items() if k not in _RUN_TIMES}
    if isinstance(document, list):
        return [without_run_times(v) for v in document]
    return document


def test_both_read_paths_give_the_same_report(run_cli, samba_dc, tmp_path, audit_env, seeded_at):
    reports = {}
    for read_path in READ_PATHS:
        config = write_config(samba_dc, tmp_path / f"{read_path}.yaml", read_path=read_path)
        result = run_cli("scan", "--config", str(config), "--format", "json", "--as-of", seeded_at.isoformat())
        assert result.code == 1, result.err
        reports[read_path] = json.loads(result.out)
    assert without_run_times(reports["paged"]) == without_run_times(reports["fast"])
    assert len(reports["fast"]["findings"]) > 10  # every rule of the profile was checked


def test_both_read_paths_give_the_same_snapshot(run_cli, samba_dc, tmp_path, audit_env):
    snapshots = {}
    for read_path in READ_PATHS:
        config = write_config(samba_dc, tmp_path / f"{read_path}.yaml", read_path=read_path)
        snapshot = tmp_path / f"{read_path}.json"
        result = run_cli("collect", "--config", str(config), "--output", str(snapshot))
        assert result.code == 0, result.err
        snapshots[read_path] = json.loads(snapshot.read_text(encoding="utf-8"))
    assert without_run_times(snapshots["paged"]) == without_run_times(snapshots["fast"])


USERS = "(&(objectCategory=person)(objectClass=user))"
USER_ATTRIBUTES = ["memberOf", "pwdLastSet", "sAMAccountName", "userAccountControl", "whenCreated"]


@pytest.fixture
def connections(samba_dc):
    """A connection on each read path, by path."""
    opened = {}
    for read_path in READ_PATHS:
        settings = DirectorySettings(
            server=samba_dc.host,
            port=samba_dc.port,
            ca_file=samba_dc.ca_file,
            bind_user=f"{AUDIT_USER}@{samba_dc.dns_domain}",
            read_path=read_path,
        )
        opened[read_path] = open_connection(settings, Secret(AUDIT_PASSWORD), TlsPolicy())
    yield opened
    for connection in opened.values():
        close(connection)


def test_the_paged_path_reads_every_page_as_the_fast_path_does(samba_dc, connections) -> None:
    pages = {
        read_path: list(paged_pages(connection, samba_dc.base_dn, USERS, USER_ATTRIBUTES, 3))
        for read_path, connection in connections.items()
    }
    assert len(pages["fast"]) > 3  # several pages, each page's cookie followed
    assert pages["paged"] == pages["fast"]  # same entries, values and pages, in the same order


def test_the_paged_path_reads_a_ranged_attribute_whole(samba_dc, connections) -> None:
    group = group_dn(samba_dc, "Staff")
    admin = samba_dc.admin_connection()
    admin.search(group, "(objectClass=*)", search_scope="BASE", attributes=["member"])
    members = sorted(str(m).casefold() for m in admin.entries[0].member.values)
    admin.unbind()
    assert len(members) > 2
    pages = paged_pages(connections["paged"], group, "(objectClass=group)", ["member;range=0-1"], 10)
    [(_, raw)] = [entry for page in pages for entry in page]
    assert "member;range=0-1" not in raw
    assert sorted(v.decode().casefold() for v in raw["member"]) == members


def test_a_failed_search_fails_alike_on_both_paths(connections) -> None:
    failures = {}
    for read_path, connection in connections.items():
        with pytest.raises(DirectoryError) as failed:
            list(paged_pages(connection, "not a DN", "(objectClass=*)", ["cn"], 10))
        failures[read_path] = str(failed.value)
    # The DC refuses the base on the fast path; ldap3 refuses it before sending on the paged path.
    assert failures == {
        "fast": "search of not a DN for (objectClass=*) failed: invalidDNSyntax: 00002032: ldb_search: invalid "
        "basedn '(null)'",
        "paged": "search of not a DN for (objectClass=*) failed: LDAPInvalidDnError: attribute type not present",
    }
