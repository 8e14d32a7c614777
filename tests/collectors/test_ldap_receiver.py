"""What the paged-search receiver does with answers a real DC rarely sends: a scripted LDAP peer on loopback
answers ldap3's real bind and search requests over a real socket with chosen bytes, and every odd answer ends
in a DirectoryError that says what happened, never in entries taken for a complete result."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from ldap3.protocol.rfc4511 import LDAPDN, BindResponse, ExtendedResponse, LDAPString, ResponseName, ResultCode
from test_ldap_ber import ldap3_done, ldap3_entry, ldap3_message

from holyaudit.collectors.credentials import Secret
from holyaudit.collectors.interface import TlsPolicy
from holyaudit.collectors.ldap import connection as ldap_connection
from holyaudit.collectors.ldap.ber import NOTICE_OF_DISCONNECTION
from holyaudit.collectors.ldap.connection import DirectoryError, close, open_connection, paged_pages
from holyaudit.collectors.ldap.source import DirectorySettings

USERS = "(&(objectCategory=person)(objectClass=user))"
Answer = Callable[[int], list[bytes]]
"""The search request's message id -> the chunks to send (an empty chunk closes the connection)."""


def _read_message(peer: socket.socket) -> bytes | None:
    header = peer.recv(2, socket.MSG_WAITALL)
    if len(header) < 2:
        return None
    length = header[1]
    if length & 0x80:
        octets = peer.recv(length & 0x7F, socket.MSG_WAITALL)
        header += octets
        length = int.from_bytes(octets, "big")
    return header + peer.recv(length, socket.MSG_WAITALL)


def _message_id(message: bytes) -> int:
    """The messageID of an LDAPMessage (ldap3's fast decoder reads responses only)."""
    at = 2 + (message[1] & 0x7F if message[1] & 0x80 else 0)
    assert message[at] == 0x02  # INTEGER
    return int.from_bytes(message[at + 2 : at + 2 + message[at + 1]], "big")


@contextmanager
def scripted_directory(answer: Answer) -> Iterator[DirectorySettings]:
    """A one-connection LDAP peer: accepts ldap3's simple bind, then answers the first search with ``answer``."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        peer, _ = listener.accept()
        with peer:
            bind = _read_message(peer)
            assert bind is not None
            response = BindResponse()
            response["resultCode"] = ResultCode(0)
            response["matchedDN"] = LDAPDN("")
            response["diagnosticMessage"] = LDAPString("")
            peer.sendall(ldap3_message(_message_id(bind), "bindResponse", response))
            search = _read_message(peer)
            if search is None:
                return
            for chunk in answer(_message_id(search)):
                if not chunk:
                    return
                peer.sendall(chunk)
            while _read_message(peer) is not None:  # until the client unbinds or goes away
                pass

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    try:
        yield DirectorySettings(
            server="127.0.0.1",
            port=port,
            transport="plain",
            allow_insecure_plaintext=True,
            bind_user="CN=reader,DC=test",
            timeout_seconds=2,
        )
    finally:
        listener.close()
        server.join(timeout=5)


def search_through(answer: Answer) -> list[list[tuple[str, dict[str, list[bytes]]]]]:
    with scripted_directory(answer) as settings:
        connection = open_connection(settings, Secret("not-a-real-password"), TlsPolicy())
        try:
            return list(paged_pages(connection, "DC=test", USERS, ["sAMAccountName"], 1000))
        finally:
            close(connection)  # a connection that timed out is already shut down


def entry(message_id: int, name: str) -> bytes:
    return ldap3_entry(message_id, f"CN={name},DC=test", {"sAMAccountName": [name.encode()]})


def test_a_plain_answer_is_read():
    pages = search_through(lambda mid: [entry(mid, "a"), entry(mid, "b"), ldap3_done(mid, 0, "", "")])
    assert pages == [[("CN=a,DC=test", {"samaccountname": [b"a"]}), ("CN=b,DC=test", {"samaccountname": [b"b"]})]]


def test_a_notice_of_disconnection_says_why_the_server_ended_the_session():
    notice = ExtendedResponse()
    notice["resultCode"] = ResultCode(52)
    notice["matchedDN"] = LDAPDN("")
    notice["diagnosticMessage"] = LDAPString("shutting down")
    notice["responseName"] = ResponseName(NOTICE_OF_DISCONNECTION)
    with pytest.raises(DirectoryError, match=r"^ldap://127\.0\.0\.1:\d+: the server ended the session: shutting down$"):
        search_through(lambda mid: [entry(mid, "a"), ldap3_message(0, "extendedResp", notice)])


def test_a_connection_closed_mid_answer_is_an_error_not_a_short_result():
    with pytest.raises(DirectoryError, match=r"the connection was closed by the server$"):
        search_through(lambda mid: [entry(mid, "a"), b""])


def test_an_answer_that_is_not_ber_is_an_error_naming_the_offset():
    with pytest.raises(DirectoryError, match=r"the server's answer cannot be read: .*offset \d+"):
        search_through(lambda mid: [entry(mid, "a"), b"\x30\x80\x02\x01\x01"])


def test_an_answer_to_a_request_never_made_is_an_error():
    with pytest.raises(DirectoryError, match=r"an answer to a request it was not asked \(message 99\)"):
        search_through(lambda mid: [entry(99, "a"), ldap3_done(mid, 0, "", "")])


def test_a_failed_search_gives_the_servers_result_and_words():
    with pytest.raises(DirectoryError, match=r"search of DC=test for .* failed: unwillingToPerform: not today$"):
        search_through(lambda mid: [ldap3_done(mid, 53, "", "not today\x00")])


def test_an_answer_larger_than_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(ldap_connection, "MAX_MESSAGE_BYTES", 4096)
    huge = b"\x30\x84\x00\x10\x00\x00" + b"\x02\x01\x02" + b"\x00" * 20000  # declares 1 MB, sends 20 KB
    with pytest.raises(DirectoryError, match=r"an answer larger than 4096 bytes"):
        search_through(lambda mid: [huge])


def test_a_server_that_stops_mid_answer_is_an_error_within_the_timeout():
    with pytest.raises(DirectoryError, match=r"no answer within 2 s \(directory\.timeout_seconds\)"):
        search_through(lambda mid: [entry(mid, "a")])  # then silence, the connection left open
