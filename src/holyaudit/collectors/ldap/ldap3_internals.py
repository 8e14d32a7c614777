"""Every use holyaudit makes of ldap3's internals, in one module: what the fast read path needs beyond ldap3's API.

``pyproject.toml`` pins ldap3 to the release these are proven on (2.9.1); ``missing()`` says which of them an
installed ldap3 lacks, ``tests/collectors/test_ldap3_internals.py`` fails naming each, and a scan on the fast
path refuses to start without them (``require``), pointing at ``directory.read_path: paged``, which reads
through ldap3's public paged search instead and needs none of them. The internals, and why each is used:

1. ``SyncStrategy.decode_response_fast`` overridden (``RawEntryStrategy``), reading the nested
   ``[class, constructed, tag, value]`` lists ldap3's fast decoder hands it (``protocolOp``, ``controls``,
   ``payload``): a search entry is decoded to its DN and raw values only, where ldap3 builds two
   case-insensitive dictionaries per entry, one with every value formatted (``read_base``'s answers).
2. A connection's strategy replaced after ``Connection.__init__`` (``install_raw_entries``): ``strategy`` and
   the strategy methods ``__init__`` copies onto the connection (``send``, ``open``, ``get_response``,
   ``post_send_single_response``, ``post_send_search``).
3. ``Connection.send(message_type, request, controls)``, which returns the message id without waiting, with the
   request built by ``ldap3.operation.search.search_operation`` and ``ldap3.protocol.rfc2696
   .paged_search_control`` (``send_paged_search``): the next page is asked for before this one is decoded.
4. ``strategy._outstanding``, the requests ldap3 still expects answers to (``forget``): a page read from the
   socket by holyaudit is dropped from it, or ldap3 would wait for it.
5. ``Connection.socket`` (``socket_of``): the answers are read from it raw (``ber.split_messages`` decodes
   them), Nagle's algorithm is turned off on it, and it is shut down to wake a read blocked on a silent DC
   (``deadline.py``). The paged read path uses it only for the last two, and goes on without them if it is gone.
"""

from __future__ import annotations

import functools
import inspect
import socket
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import ldap3
from ldap3.operation.search import search_operation
from ldap3.protocol.rfc2696 import paged_search_control
from ldap3.strategy.base import BaseStrategy
from ldap3.strategy.sync import SyncStrategy
from ldap3.utils.asn1 import decode_message_fast
from ldap3.utils.conv import to_unicode

from holyaudit.collectors.ldap.errors import DirectoryError

PROVEN_ON = "2.9.1"
"""The ldap3 release these internals are proven on (pinned in pyproject.toml)."""
SEARCH_RESULT_ENTRY = 4
"""LDAP protocolOp number of a SearchResultEntry (RFC 4511 section 4.5.2)."""
STRATEGY_METHODS = ("send", "open", "get_response", "post_send_single_response", "post_send_search")
"""The strategy's methods ``Connection.__init__`` copies onto the connection."""
_SEARCH_OPERATION_PARAMETERS = (
    "search_base", "search_filter", "search_scope", "dereference_aliases", "attributes", "size_limit",
    "time_limit", "types_only", "auto_escape", "auto_encode", "schema", "validator", "check_names",
)  # fmt: skip


class RawEntryStrategy(SyncStrategy):
    """ldap3's synchronous strategy, but a search entry is decoded to its DN and raw values only, keyed by
    lower-case attribute name. An entry with a ranged attribute (``member;range=0-1499``) or with controls is
    left to ldap3, which fetches the rest of the range."""

    def decode_response_fast(self, ldap_message: dict[str, Any]) -> dict[str, Any]:
        if ldap_message["protocolOp"] != SEARCH_RESULT_ENTRY or ldap_message["controls"]:
            return super().decode_response_fast(ldap_message)  # type: ignore[no-untyped-call,no-any-return]
        dn, attributes = ldap_message["payload"]
        raw = {
            to_unicode(attribute[3][0][3], from_server=True).lower(): [bytes(value[3]) for value in attribute[3][1][3]]
            for attribute in attributes[3]
        }
        if any(";range=" in name for name in raw):
            return super().decode_response_fast(ldap_message)  # type: ignore[no-untyped-call,no-any-return]
        return {"type": "searchResEntry", "dn": to_unicode(dn[3], from_server=True), "raw_attributes": raw}


def install_raw_entries(connection: ldap3.Connection) -> None:
    """Give a new, unopened connection the lean entry decoding (ldap3 binds its strategy's methods in __init__)."""
    strategy = RawEntryStrategy(connection)
    connection.strategy = strategy
    for name in STRATEGY_METHODS:
        setattr(connection, name, getattr(strategy, name))


def send_paged_search(
    connection: ldap3.Connection,
    base: str,
    search_filter: str,
    scope: str,
    attributes: list[str],
    page_size: int,
    cookie: bytes | None,
) -> int:
    """Send one page's search request (aliases always dereferenced, as ldap3's ``search`` does) without waiting
    for its answer; its message id."""
    request = search_operation(
        base,
        search_filter,
        scope,
        ldap3.DEREF_ALWAYS,
        attributes,
        0,
        0,
        False,
        connection.auto_escape,
        connection.auto_encode,
        None,
        check_names=connection.check_names,
    )
    message_id: int = connection.send("searchRequest", request, [paged_search_control(False, page_size, cookie)])
    return message_id


def forget(connection: ldap3.Connection, message_id: int) -> None:
    """Tell ldap3 the answer to ``message_id`` has been read (by holyaudit, from the socket)."""
    connection.strategy._outstanding.pop(message_id, None)


def receive_into(connection: ldap3.Connection, buffer: memoryview) -> int:
    """Bytes the server sent, read into ``buffer`` (as many as it holds, at most), from the connection's (TLS)
    socket; how many (OSError once it is closed). No new bytes object for each read: a search's answer comes
    as thousands of small TLS records, one read each."""
    sock = socket_of(connection)
    if sock is None:
        raise OSError("the connection is closed")
    return sock.recv_into(buffer)


def socket_of(connection: ldap3.Connection) -> socket.socket | None:
    """The connection's (TLS) socket, None while it is closed, or if this ldap3 no longer exposes it."""
    sock: socket.socket | None = getattr(connection, "socket", None)
    return sock


def missing() -> list[str]:
    """Each internal (as the module's docstring numbers them) this ldap3 lacks or has changed, with what is wrong."""
    problems: list[str] = []
    for what, probe in _PROBES:
        try:
            wrong = probe()
        except Exception as exc:  # a probe of a changed library may fail in any way; that is the finding
            wrong = f"{type(exc).__name__}: {exc}"
        if wrong:
            problems.append(f"{what}: {wrong}")
    return problems


@functools.cache
def _missing_once() -> tuple[str, ...]:
    return tuple(missing())


def require() -> None:
    """A ``DirectoryError`` naming what is missing if this ldap3 lacks an internal the fast read path uses."""
    if problems := _missing_once():
        raise DirectoryError(
            f"ldap3 {version('ldap3')} lacks what directory.read_path: fast relies on (proven on ldap3 "
            f"{PROVEN_ON}): {'; '.join(problems)}. Set directory.read_path: paged, or install ldap3=={PROVEN_ON}"
        )


def _unopened() -> ldap3.Connection:
    return ldap3.Connection(ldap3.Server("localhost", get_info=ldap3.NONE), auto_bind=ldap3.AUTO_BIND_NONE)


def _tlv(tag: int, *contents: bytes) -> bytes:
    body = b"".join(contents)
    return bytes([tag, len(body)]) + body


_ENTRY = _tlv(
    0x30,
    _tlv(0x02, b"\x07"),
    _tlv(0x64, _tlv(0x04, b"cn=a"), _tlv(0x30, _tlv(0x30, _tlv(0x04, b"CN"), _tlv(0x31, _tlv(0x04, b"x"))))),
)
"""A SearchResultEntry: message 7, DN ``cn=a``, attribute ``CN`` with the one value ``x``."""


def _decode_response_fast() -> str | None:
    if not callable(getattr(SyncStrategy, "decode_response_fast", None)):
        return "ldap3.strategy.sync.SyncStrategy.decode_response_fast is gone"
    connection = _unopened()
    install_raw_entries(connection)
    decoded = connection.strategy.decode_response_fast(decode_message_fast(_ENTRY))  # type: ignore[no-untyped-call]
    if decoded != {"type": "searchResEntry", "dn": "cn=a", "raw_attributes": {"cn": [b"x"]}}:
        return f"the message ldap3's fast decoder hands it has changed: a test entry came out as {decoded!r}"
    return None


def _strategy_methods() -> str | None:
    connection = _unopened()
    lacking = [name for name in STRATEGY_METHODS if not callable(getattr(connection, name, None))]
    lacking += [f"strategy.{name}" for name in STRATEGY_METHODS if not callable(getattr(SyncStrategy, name, None))]
    if not isinstance(connection.strategy, SyncStrategy):
        return f"a synchronous connection's strategy is a {type(connection.strategy).__name__}, not a SyncStrategy"
    return f"Connection lacks {', '.join(lacking)}" if lacking else None


def _send_and_request() -> str | None:
    parameters = tuple(inspect.signature(search_operation).parameters)
    if parameters != _SEARCH_OPERATION_PARAMETERS:
        return f"ldap3.operation.search.search_operation's parameters are now {', '.join(parameters)}"
    send = inspect.signature(SyncStrategy.send)
    if tuple(send.parameters)[1:4] != ("message_type", "request", "controls"):
        return f"Connection.send's parameters are now {', '.join(tuple(send.parameters)[1:])}"
    if not callable(paged_search_control):
        return "ldap3.protocol.rfc2696.paged_search_control is gone"
    return None


def _outstanding() -> str | None:
    if not hasattr(_unopened().strategy, "_outstanding"):
        return "a connection's strategy has no _outstanding"
    if "_outstanding" not in BaseStrategy.open.__code__.co_names:
        return "opening a connection no longer sets strategy._outstanding"
    return None


def _socket() -> str | None:
    return None if hasattr(_unopened(), "socket") else "Connection has no socket attribute"


_PROBES: tuple[tuple[str, Callable[[], str | None]], ...] = (
    ("1. decode_response_fast", _decode_response_fast),
    ("2. the strategy's methods on the connection", _strategy_methods),
    ("3. Connection.send and search_operation", _send_and_request),
    ("4. strategy._outstanding", _outstanding),
    ("5. Connection.socket", _socket),
)
