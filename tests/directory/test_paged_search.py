"""Paged searches against the live DC: the next page is asked for while this one is handed on, every entry
arrives exactly once, and the connection cannot be misused or left with an answer unread."""

from __future__ import annotations

import pytest
from estate import AUDIT_PASSWORD, AUDIT_USER

from holyaudit.collectors.credentials import Secret
from holyaudit.collectors.ldap.connection import TlsPolicy, open_connection, paged_search, read_base
from holyaudit.config import DirectorySettings

USERS = "(&(objectCategory=person)(objectClass=user))"


@pytest.fixture
def connection(samba_dc):
    settings = DirectorySettings(
        server=samba_dc.host,
        port=samba_dc.port,
        ca_file=samba_dc.ca_file,
        bind_user=f"{AUDIT_USER}@{samba_dc.dns_domain}",
    )
    connection = open_connection(settings, Secret(AUDIT_PASSWORD), TlsPolicy())
    yield connection
    connection.unbind()


def test_small_pages_give_every_entry_exactly_once(samba_dc, connection) -> None:
    admin = samba_dc.admin_connection()
    admin.search(samba_dc.base_dn, USERS, attributes=["sAMAccountName"])
    expected = sorted(str(e.sAMAccountName) for e in admin.entries)
    admin.unbind()
    paged = [
        raw["samaccountname"][0].decode()
        for _, raw in paged_search(connection, samba_dc.base_dn, USERS, ["sAMAccountName"], 3)
    ]
    assert sorted(paged) == expected
    assert len(expected) > 3 * 4  # several pages, so several were asked for ahead


def test_another_operation_during_a_paged_search_is_refused_not_interleaved(samba_dc, connection) -> None:
    pages = paged_search(connection, samba_dc.base_dn, USERS, ["sAMAccountName"], 2)
    next(pages)
    with pytest.raises(RuntimeError, match="a paged search is still running on this connection"):
        read_base(connection, "", ["defaultNamingContext"])
    pages.close()  # abandoning the search reads the page it asked for
    root = read_base(connection, "", ["defaultNamingContext"])
    assert root["defaultnamingcontext"] == [samba_dc.base_dn.encode()]
