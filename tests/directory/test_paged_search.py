"""Paged searches against the live DC: the next page is asked for while this one is handed on, every entry
arrives exactly once (also when read in parts over several connections), ranged attributes are read whole, and
the connection cannot be misused or left with an answer unread."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import threading
import time

import ldap3
import pytest
from estate import AUDIT_PASSWORD, AUDIT_USER, group_dn

from holyaudit.collectors.credentials import Secret
from holyaudit.collectors.ldap import connection as connection_module
from holyaudit.collectors.ldap.collector import naming_context
from holyaudit.collectors.ldap.connection import (
    DirectoryError,
    TlsPolicy,
    close,
    open_connection,
    paged_pages,
    paged_search,
    read_base,
)
from holyaudit.collectors.ldap.partitions import PAGES_AHEAD, PartitionedSearch
from holyaudit.collectors.ldap.source import DirectorySettings

USERS = "(&(objectCategory=person)(objectClass=user))"


@pytest.fixture
def settings(samba_dc) -> DirectorySettings:
    return DirectorySettings(
        server=samba_dc.host,
        port=samba_dc.port,
        ca_file=samba_dc.ca_file,
        bind_user=f"{AUDIT_USER}@{samba_dc.dns_domain}",
    )


@pytest.fixture
def connection(settings):
    connection = open_connection(settings, Secret(AUDIT_PASSWORD), TlsPolicy())
    yield connection
    connection.unbind()


@pytest.mark.parametrize("transport", ["ldaps", "starttls"])
def test_a_connection_sends_each_request_at_once(samba_dc, settings, transport) -> None:
    # Nagle's algorithm off (TCP_NODELAY), set before the first request: with it on, the bind waited about 40 ms
    # for the DC's delayed acknowledgement of the TLS handshake, on every connection.
    port = None if transport == "starttls" else settings.port  # 389 for StartTLS
    chosen = settings.model_copy(update={"transport": transport, "port": port})
    connection = open_connection(chosen, Secret(AUDIT_PASSWORD), TlsPolicy())
    try:
        assert connection.bound
        assert connection.tls_started == (transport == "starttls")
        assert connection.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        connection.unbind()


def test_a_one_level_search_gives_the_children_of_its_base_only(samba_dc, connection) -> None:
    # As the password policies are read: (objectClass=*) under their container, one level down.
    admin = samba_dc.admin_connection()
    admin.search(samba_dc.base_dn, "(objectClass=*)", ldap3.LEVEL, attributes=["1.1"])
    children = sorted(e.entry_dn.lower() for e in admin.entries)
    admin.unbind()
    found = sorted(
        dn.lower()
        for dn, _ in paged_search(connection, samba_dc.base_dn, "(objectClass=*)", ["1.1"], 5, scope=ldap3.LEVEL)
    )
    assert found == children
    assert f"cn=users,{samba_dc.base_dn.lower()}" in found
    assert samba_dc.base_dn.lower() not in found  # the base itself is not its own child
    assert len(found) > 5  # several pages
    assert not any(dn.count(",") > samba_dc.base_dn.count(",") + 1 for dn in found)  # nothing deeper


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


def _names(pages) -> list[str]:
    return [raw["samaccountname"][0].decode() for _, page in pages for _, raw in page]


def _all_users(samba_dc) -> list[str]:
    admin = samba_dc.admin_connection()
    admin.search(samba_dc.base_dn, USERS, attributes=["sAMAccountName"])
    names = sorted(str(e.sAMAccountName) for e in admin.entries)
    admin.unbind()
    return names


@pytest.mark.parametrize("parts", [1, 2, 3, 5])
def test_a_partitioned_search_gives_every_entry_exactly_once(samba_dc, settings, parts) -> None:
    opened = []

    def open_more():
        opened.append(open_connection(settings, Secret(AUDIT_PASSWORD), TlsPolicy()))
        return opened[-1]

    with PartitionedSearch(open_more, samba_dc.base_dn, USERS, ["sAMAccountName"], 3, parts) as search:
        pages = list(search)
    assert sorted(_names(pages)) == _all_users(samba_dc)  # none lost, none twice
    assert {part for part, _ in pages} == set(range(parts))
    assert len(opened) == parts  # one connection per part
    assert all(c.closed for c in opened)  # each unbound when its part was read


def test_each_part_can_find_the_base_on_its_own_connection(samba_dc, settings) -> None:
    # The collector starts the users' search before its own connection is open, so each part reads the
    # directory's naming context from the rootDSE itself, on its own connection.
    found = []

    def base_of(connection):
        found.append(naming_context(connection))
        return found[-1]

    def open_more():
        return open_connection(settings, Secret(AUDIT_PASSWORD), TlsPolicy())

    with PartitionedSearch(open_more, base_of, USERS, ["sAMAccountName"], 50, 2) as search:
        pages = list(search)
    assert sorted(_names(pages)) == _all_users(samba_dc)
    assert found == [samba_dc.base_dn, samba_dc.base_dn]


def test_the_parts_are_searched_from_the_moment_the_block_is_entered(samba_dc, settings, connection) -> None:
    """While the DC answers the parts, the caller reads something else on its own connection."""
    opened = []

    def open_more():
        opened.append(open_connection(settings, Secret(AUDIT_PASSWORD), TlsPolicy()))
        return opened[-1]

    with PartitionedSearch(open_more, samba_dc.base_dn, USERS, ["sAMAccountName"], 2, 2) as search:
        deadline = time.monotonic() + 10
        while len(opened) < 2 and time.monotonic() < deadline:  # opened by the readers, before any iteration
            time.sleep(0.01)
        assert len(opened) == 2
        assert read_base(connection, "", ["defaultNamingContext"])  # the caller's connection is free meanwhile
        pages = list(search)
    assert sorted(_names(pages)) == _all_users(samba_dc)


def test_each_part_connects_once_the_part_before_has_sent_its_search(samba_dc, settings, monkeypatch) -> None:
    # So that a DC whose LDAP server is a few single-threaded processes gives each part a process of its own.
    events: list[str] = []
    send = connection_module._request_page

    def request_page(connection, *args):
        message_id = send(connection, *args)
        events.append(f"sent {id(connection)}")
        return message_id

    monkeypatch.setattr(connection_module, "_request_page", request_page)

    def open_more():
        opened = open_connection(settings, Secret(AUDIT_PASSWORD), TlsPolicy())
        events.append(f"opened {id(opened)}")
        return opened

    with PartitionedSearch(open_more, samba_dc.base_dn, USERS, ["sAMAccountName"], 1000, 3) as search:
        search.wait_sent()
        first_three = events[:6]
        pages = list(search)
    assert sorted(_names(pages)) == _all_users(samba_dc)
    connections = [event.split()[1] for event in first_three[::2]]
    assert first_three == [f"{what} {c}" for c in connections for what in ("opened", "sent")]
    assert len(set(connections)) == 3


def test_a_part_that_cannot_connect_fails_the_search_and_stops_the_others(samba_dc, settings) -> None:
    opened, calls = [], itertools.count()

    def open_more():
        if next(calls):  # every reader but the first to ask
            raise DirectoryError("no more connections")
        opened.append(open_connection(settings, Secret(AUDIT_PASSWORD), TlsPolicy()))
        return opened[-1]

    with (
        pytest.raises(DirectoryError, match="no more connections"),
        PartitionedSearch(open_more, samba_dc.base_dn, USERS, ["sAMAccountName"], 2, 3) as search,
    ):
        list(search)
    assert len(opened) == 1
    assert opened[0].closed  # the part that did connect stopped after its page and unbound


def test_an_abandoned_partitioned_search_stops_every_reader(samba_dc, settings) -> None:
    opened = []

    def open_more():
        opened.append(open_connection(settings, Secret(AUDIT_PASSWORD), TlsPolicy()))
        return opened[-1]

    with PartitionedSearch(open_more, samba_dc.base_dn, USERS, ["sAMAccountName"], 2, 2) as search:
        next(iter(search))
    assert len(opened) == 2
    assert all(c.closed for c in opened)
    assert not [t for t in threading.enumerate() if t.name.startswith("holyaudit-ldap-part-")]


def test_a_part_reads_no_more_than_its_pages_ahead_of_the_caller(samba_dc, settings) -> None:
    """A caller slower than the DC holds at most PAGES_AHEAD pages a part: the readers wait, not pile pages up."""

    def open_more():
        return open_connection(settings, Secret(AUDIT_PASSWORD), TlsPolicy())

    with PartitionedSearch(open_more, samba_dc.base_dn, USERS, ["sAMAccountName"], 1, 2) as search:
        waiting = search._arrived  # the pages read and not yet taken
        deadline = time.monotonic() + 60
        while waiting.qsize() < PAGES_AHEAD * 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # time enough for readers that would not wait to read on
        held = waiting.qsize()
        pages = list(search)
    assert held == PAGES_AHEAD * 2
    assert sorted(_names(pages)) == _all_users(samba_dc)  # then every entry, once


def test_a_ranged_attribute_is_read_whole(samba_dc, connection) -> None:
    """Active Directory sends a long multi-valued attribute in ranges (``member;range=0-1499``); Samba does when
    asked for one, which is how this test gets one back."""
    group = group_dn(samba_dc, "Staff")
    admin = samba_dc.admin_connection()
    admin.search(group, "(objectClass=*)", search_scope="BASE", attributes=["member"])
    members = sorted(str(m).casefold() for m in admin.entries[0].member.values)
    admin.unbind()
    assert len(members) > 2
    entries = [
        e for page in paged_pages(connection, group, "(objectClass=group)", ["member;range=0-1"], 10) for e in page
    ]
    [(_, raw)] = entries
    assert "member;range=0-1" not in raw
    assert sorted(v.decode().casefold() for v in raw["member"]) == members


@pytest.mark.parametrize("read_path", ["fast", "paged"])
def test_a_dc_that_stops_answering_mid_search_is_an_error_within_the_timeout(samba_dc, settings, read_path) -> None:
    """The DC's processes are stopped (SIGSTOP) between two pages: the read gives up after timeout_seconds, on
    either read path."""
    quick = settings.model_copy(update={"timeout_seconds": 1, "read_path": read_path})
    connection = open_connection(quick, Secret(AUDIT_PASSWORD), TlsPolicy())
    pages = paged_pages(connection, samba_dc.base_dn, USERS, ["sAMAccountName"], 2)
    next(pages)
    os.killpg(samba_dc.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        with pytest.raises(
            DirectoryError, match=r"^ldaps://127\.0\.0\.1:\d+: no answer within 1 s \(directory\.timeout_seconds\)$"
        ):
            for _ in pages:
                pass
        assert time.monotonic() - started < 4
    finally:
        os.killpg(samba_dc.pid, signal.SIGCONT)
        close(connection)  # shut down when it timed out


def test_a_failed_part_is_reported_as_the_whole_search(samba_dc, settings) -> None:
    def open_more():
        return open_connection(settings, Secret(AUDIT_PASSWORD), TlsPolicy())

    with (
        pytest.raises(DirectoryError) as failed,
        PartitionedSearch(open_more, "not a DN", USERS, ["cn"], 2, 2) as search,
    ):
        list(search)
    assert f"search of not a DN for {USERS} (part " in str(failed.value)
    assert "sAMAccountName=*" not in str(failed.value)


def test_ctrl_c_ends_a_partitioned_search_without_waiting_for_the_dc(samba_dc, settings) -> None:
    """The DC stops answering (SIGSTOP) and the user presses Ctrl-C: the scan ends at once, not after the
    10 s timeout that its readers, blocked on the network, would wait."""
    patient = settings.model_copy(update={"timeout_seconds": 10})
    opened = []

    def open_more():
        opened.append(open_connection(patient, Secret(AUDIT_PASSWORD), TlsPolicy()))
        return opened[-1]

    main = threading.main_thread().ident
    assert main is not None
    started = []

    def read_until_interrupted() -> None:
        with PartitionedSearch(open_more, samba_dc.base_dn, USERS, ["sAMAccountName"], 2, 2) as search:
            pages = iter(search)
            next(pages)
            os.killpg(samba_dc.pid, signal.SIGSTOP)
            threading.Timer(0.5, signal.pthread_kill, (main, signal.SIGINT)).start()
            started.append(time.monotonic())
            for _ in pages:
                pass

    try:
        with pytest.raises(KeyboardInterrupt):
            read_until_interrupted()
        assert time.monotonic() - started[0] < 3
    finally:
        os.killpg(samba_dc.pid, signal.SIGCONT)
        for reader in threading.enumerate():
            if reader.name.startswith("holyaudit-ldap-part-"):
                reader.join(timeout=15)
        for connection in opened:
            connection.unbind()
