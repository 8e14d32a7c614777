"""Opening a read-only LDAP connection to a domain controller, and paged searches over it.

TLS certificates are validated (CA file from the config, else the system's CAs) unless the user passes
``--insecure-skip-tls-verify``, which the CLI warns about on every run. A password is never sent over
unencrypted LDAP unless the config says ``allow_insecure_plaintext: true``. ``auth: kerberos`` binds with the
current Kerberos ticket through the optional ``gssapi`` package. Every failure becomes a ``DirectoryError``
whose message says what to do, and never contains the password. Every connection to one DC shares its
``Deadline``: once one wait for the DC runs out, the others end at once (``deadline.py``).
"""

from __future__ import annotations

import contextlib
import math
import re
import socket
import ssl
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import ldap3
from ldap3.core import exceptions as ldap_errors
from ldap3.core.results import RESULT_CODES

from holyaudit.collectors.credentials import CredentialError, Secret, guarded
from holyaudit.collectors.interface import TlsPolicy as TlsPolicy  # part of open_connection's signature
from holyaudit.collectors.ldap import ber, ldap3_internals
from holyaudit.collectors.ldap.deadline import Deadline as Deadline
from holyaudit.collectors.ldap.errors import DcSilent as DcSilent
from holyaudit.collectors.ldap.errors import DirectoryError as DirectoryError
from holyaudit.collectors.ldap.source import DirectorySettings

if TYPE_CHECKING:
    from gssapi.raw.misc import GSSError

Entry = tuple[str, dict[str, list[bytes]]]


def endpoint(settings: DirectorySettings) -> str:
    scheme = "ldaps" if settings.transport == "ldaps" else "ldap"
    return f"{scheme}://{_url_host(settings.server)}:{_port(settings)}"


def _url_host(host: str) -> str:
    """``host`` as a URL gives it: an IPv6 address in brackets (RFC 3986), so its colons are not read as a port's."""
    return f"[{host}]" if ":" in host else host


def _port(settings: DirectorySettings) -> int:
    return settings.port or (636 if settings.transport == "ldaps" else 389)


def open_connection(
    settings: DirectorySettings, password: Secret | None, tls: TlsPolicy, deadline: Deadline | None = None
) -> ldap3.Connection:
    """A bound, read-only connection (ldap3 refuses every write operation on it), sharing ``deadline`` with the
    other connections to the DC (``DcSilent`` at once if the DC has already been given up on)."""
    if settings.transport == "plain" and settings.auth != "kerberos" and not settings.allow_insecure_plaintext:
        raise CredentialError(
            "refusing to send the directory password unencrypted (directory.transport: plain); use ldaps or "
            "starttls, or set directory.allow_insecure_plaintext: true on an isolated test network"
        )
    tls_config = None
    if settings.transport != "plain":
        tls_config = ldap3.Tls(
            validate=ssl.CERT_REQUIRED if tls.verify else ssl.CERT_NONE,
            ca_certs_file=str(settings.ca_file) if settings.ca_file else None,
        )
    server = ldap3.Server(
        settings.server,
        port=_port(settings),
        use_ssl=settings.transport == "ldaps",
        tls=tls_config,
        get_info=ldap3.NONE,  # no schema download: values are decoded by holyaudit itself
        connect_timeout=settings.timeout_seconds,
    )
    options: dict[str, Any] = {}
    if settings.auth == "kerberos":
        _require_gssapi()
        options = {
            "authentication": ldap3.SASL,
            "sasl_mechanism": ldap3.KERBEROS,
            # ldap3 asks for the ticket of ldap/<this host>: a DC reached by address is still named in Kerberos.
            "sasl_credentials": (settings.kerberos_host or settings.server,),
        }
    else:
        if not settings.bind_user or password is None:
            raise CredentialError("directory.bind_user and a password are needed for simple and ntlm binds")
        options = {
            "user": settings.bind_user,
            "password": password.reveal(),
            "authentication": ldap3.NTLM if settings.auth == "ntlm" else ldap3.SIMPLE,
        }
    connection = ldap3.Connection(
        server,
        read_only=True,
        auto_referrals=False,
        return_empty_attributes=False,  # an attribute the entry lacks is absent, not an empty list
        receive_timeout=math.ceil(settings.timeout_seconds),  # ldap3 packs it into SO_RCVTIMEO as an integer
        raise_exceptions=False,
        **options,
    )
    if settings.read_path == "fast":
        ldap3_internals.require()
        ldap3_internals.install_raw_entries(connection)
    else:
        _stock_reads.add(connection)
    deadline = deadline or Deadline()
    deadline.watch(connection)
    _deadlines[connection] = deadline
    try:
        _connect(connection, settings, password)
    except BaseException:
        close(connection)  # a failed connection keeps no socket open
        raise
    return connection


def _connect(connection: ldap3.Connection, settings: DirectorySettings, password: Secret | None) -> None:
    """Open and bind ``connection``; every failure a ``DirectoryError`` that says what to do."""
    where = endpoint(settings)
    try:
        connection.open()
        _send_at_once(connection)
        if settings.transport == "starttls" and not connection.start_tls():
            raise DirectoryError(f"{where}: the server refused StartTLS ({_result(connection)})")
        if not _bind(connection, settings, where):
            raise DirectoryError(_bind_failure(connection, settings, where))
    except ldap_errors.LDAPSocketOpenError as exc:
        raise _failed(connection, _socket_failure(exc, settings, where, password), timed_out=_timed_out(exc)) from None
    except ldap_errors.LDAPCertificateError as exc:
        raise _failed(connection, _misnamed(settings, where, str(exc))) from None
    except (ldap_errors.LDAPSocketReceiveError, ldap_errors.LDAPSessionTerminatedByServerError) as exc:
        timed_out = _timed_out(exc)
        reason = _silent(where, settings.timeout_seconds) if timed_out else _dropped(settings, where, exc)
        raise _failed(connection, reason, timed_out=timed_out) from None
    except ldap_errors.LDAPException as exc:
        raise _failed(connection, f"{where}: {type(exc).__name__}: {guarded(str(exc), password)}") from None


_deadlines: weakref.WeakKeyDictionary[ldap3.Connection, Deadline] = weakref.WeakKeyDictionary()
"""The deadline each open connection shares with the others to its DC."""


def close(connection: ldap3.Connection) -> None:
    """Unbind and close, quietly: the connection may already be broken (and its failure is being reported)."""
    with contextlib.suppress(ldap_errors.LDAPException, OSError):
        connection.unbind()


def _failed(connection: ldap3.Connection, reason: str, *, timed_out: bool = False) -> DirectoryError:
    """The error to raise for a connection that failed for ``reason``: the DC's silence if a wait on it (this one,
    when ``timed_out``, or another connection's) has run out, which ends every other wait on it too."""
    deadline = _deadlines.get(connection)
    if deadline is None:
        return DirectoryError(reason)
    if timed_out:
        deadline.give_up(reason)
    return DcSilent(deadline.reason) if deadline.reason is not None else DirectoryError(reason)


def _timed_out(exc: BaseException) -> bool:
    # ldap3 raises its own type mixed with the socket's (TimeoutError, or EAGAIN from SO_RCVTIMEO under TLS).
    return isinstance(exc, TimeoutError | BlockingIOError | ssl.SSLWantReadError) or "timed out" in str(exc)


def _silent(where: str, seconds: float) -> str:
    return f"{where}: no answer within {seconds:g} s (directory.timeout_seconds)"


def _where(connection: ldap3.Connection) -> str:
    server = connection.server
    return f"{'ldaps' if server.ssl else 'ldap'}://{_url_host(server.host)}:{server.port}"


_CERTIFICATE_NAMES = re.compile(r"\('(?:DNS|IP Address)', '([^']*)'\)")
_COMMON_NAME = re.compile(r"\('commonName', '([^']*)'\)")


def _misnamed(settings: DirectorySettings, where: str, text: str) -> str:
    """The certificate does not name the server: which names it holds (from the certificate ldap3 quotes)."""
    names = _CERTIFICATE_NAMES.findall(text) or _COMMON_NAME.findall(text)
    held = f"names {', '.join(names)}, not" if names else "does not name"
    return (
        f"{where}: the domain controller's certificate {held} {settings.server}; set directory.server to a name it "
        "holds, or have the certificate reissued to name the server"
    )


def _send_at_once(connection: ldap3.Connection) -> None:
    """Turn Nagle's algorithm off on the connection's socket (TCP_NODELAY), as OpenLDAP's client library does.

    LDAP is request and answer: with Nagle on, the first request after the TLS handshake (the bind) waited for
    the server's delayed acknowledgement of the handshake's last message on every connection (CHANGELOG.md has
    the figures). A socket that refuses the option still works, only slower, so that is no error."""
    sock = ldap3_internals.socket_of(connection)
    with contextlib.suppress(OSError):
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _require_gssapi() -> None:
    try:
        import gssapi  # noqa: F401 - ldap3 imports it only once the bind has begun
    except ImportError:
        raise CredentialError(
            "directory.auth: kerberos needs the gssapi package: install holyaudit[kerberos] "
            "(pip install 'holyaudit[kerberos]'; building it needs the Kerberos headers, e.g. Debian's libkrb5-dev)"
        ) from None


def _bind(connection: ldap3.Connection, settings: DirectorySettings, where: str) -> bool:
    """Bind; GSSAPI's own errors from a Kerberos bind (no ticket, unknown service) become DirectoryErrors."""
    if settings.auth != "kerberos":
        return bool(connection.bind())
    from gssapi.raw.exceptions import ExpiredCredentialsError, MissingCredentialsError
    from gssapi.raw.misc import GSSError

    try:
        return bool(connection.bind())
    except (MissingCredentialsError, ExpiredCredentialsError) as exc:
        raise DirectoryError(
            f"{where}: no valid Kerberos ticket ({_gss_reason(exc)}); run kinit as the audit account first"
        ) from None
    except GSSError as exc:
        reason = _gss_reason(exc)
        if "not found in Kerberos database" in reason:
            reason += (
                f" (asked for ldap/{settings.kerberos_host or settings.server}; set directory.kerberos_host to "
                "the domain controller's host name)"
            )
        raise DirectoryError(f"{where}: Kerberos bind failed: {reason}") from None


def _gss_reason(exc: GSSError) -> str:
    """The Kerberos library's own words (the minor status), on one line."""
    return "; ".join(exc.get_all_statuses(exc.min_code, False)) or str(exc)


def _result(connection: ldap3.Connection) -> str:
    result = connection.result or {}
    return f"{result.get('description', 'no answer')}: {result.get('message', '')}".rstrip(": ")


def _bind_failure(connection: ldap3.Connection, settings: DirectorySettings, where: str) -> str:
    result = connection.result or {}
    code = result.get("result")
    who = settings.bind_user or "the Kerberos principal"
    if code == 49:
        return f"{where}: bind as {who} failed: invalid credentials (check the user and the password source)"
    if code == 8 and settings.auth == "kerberos":
        fix = (
            "use ldaps or starttls"
            if settings.transport == "plain"
            else "on Samba, set 'ldap server require strong auth = allow_sasl_over_tls'"
        )
        return (
            f"{where}: Kerberos bind refused: the server wants a SASL security layer (signing or sealing), which "
            f"ldap3 does not offer; {fix}"
        )
    if code == 8:
        return f"{where}: bind as {who} refused: the server requires a stronger authentication (use ldaps or starttls)"
    if settings.auth == "ntlm" and code is None:
        return _ntlm_dropped(where)
    return f"{where}: bind as {who} failed: {_result(connection)}"


def _socket_failure(exc: Exception, settings: DirectorySettings, where: str, password: Secret | None) -> str:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        trusted = f"the CA in {settings.ca_file}" if settings.ca_file else "the system's trusted CAs"
        return f"{where}: the domain controller's TLS certificate is not trusted by {trusted} (set directory.ca_file)"
    if "doesn't match any name" in text or "hostname mismatch" in text.lower():
        return _misnamed(settings, where, text)
    if "timed out" in text:
        return _silent(where, settings.timeout_seconds)
    if "refused" in text.lower():
        return f"{where}: connection refused (is the domain controller running and listening on this port?)"
    return f"{where}: cannot connect: {guarded(text, password)}"


def _ntlm_dropped(where: str) -> str:
    return (
        f"{where}: the server dropped the NTLM bind. Windows domain controllers accept ldap3's NTLM bind; "
        "Samba does not: use simple over ldaps, or kerberos"
    )


def _dropped(settings: DirectorySettings, where: str, exc: Exception) -> str:
    if settings.auth == "ntlm":
        return _ntlm_dropped(where)
    return f"{where}: the connection was closed by the server ({type(exc).__name__})"


def _raw_attributes(entry: dict[str, Any]) -> dict[str, list[bytes]]:
    raw: dict[str, list[bytes]] = entry["raw_attributes"]
    if "attributes" in entry:  # decoded by ldap3 itself (a ranged attribute): names in the server's case
        raw = {name.lower(): values for name, values in raw.items()}
    return raw


def _stock_entry(entry: dict[str, Any]) -> Entry:
    """A search entry as ldap3 decodes it: a ranged name's values are under its plain name too, read whole by
    ldap3 (its auto-range), so the ranged name is dropped."""
    raw = entry["raw_attributes"]
    return entry["dn"], {name.lower(): list(values) for name, values in raw.items() if ";range=" not in name}


def paged_search(
    connection: ldap3.Connection,
    base: str,
    search_filter: str,
    attributes: list[str],
    page_size: int,
    *,
    scope: str = ldap3.SUBTREE,
) -> Iterator[Entry]:
    """Every entry (DN, raw attribute values by lower-case name) matching the filter, a page at a time; in the
    whole subtree under ``base`` (base included), or only its children (``scope=ldap3.LEVEL``)."""
    for page in paged_pages(connection, base, search_filter, attributes, page_size, scope=scope):
        yield from page


def paged_pages(
    connection: ldap3.Connection,
    base: str,
    search_filter: str,
    attributes: list[str],
    page_size: int,
    sent: Callable[[], None] | None = None,
    *,
    scope: str = ldap3.SUBTREE,
) -> Iterator[list[Entry]]:
    """The entries matching the filter, one list per page the server sends; ``sent`` is called once the first
    page's request is on its way.

    On the fast read path, ldap3 encodes and sends each page's request; the answers are read straight from the
    socket and decoded by ``ber.split_messages``, which is several times faster than ldap3's general decoder.
    The next page is asked for as soon as a page's last message (with its cookie) has arrived, before the page's
    entries are handed on: the server looks up the next page while holyaudit turns this one into records. An
    abandoned iteration still reads the page it asked for, so the connection stays usable. On the paged read
    path (``directory.read_path: paged``) each page is one ldap3 paged search (``_stock_pages``).
    """
    if connection in _stock_reads:
        yield from _stock_pages(connection, base, search_filter, attributes, page_size, sent, scope)
        return
    _check_idle(connection)
    receiver = _Receiver(connection)
    pending: int | None = _request_page(connection, base, search_filter, attributes, page_size, None, scope)
    if sent is not None:
        sent()
    try:
        while pending is not None:
            asked, pending = pending, None  # an answer that fails half-read is not drained: the connection is lost
            entries, done = receiver.page(asked)
            _paging.discard(connection)
            if done.result_code not in (0, 32):  # 32: the base does not exist
                raise DirectoryError(f"search of {base} for {search_filter} failed: {_done_text(done)}")
            entries = _whole_ranges(connection, entries)
            if cookie := _cookie(done):
                pending = _request_page(connection, base, search_filter, attributes, page_size, cookie, scope)
                _paging.add(connection)
            yield entries
    finally:
        if pending is not None:
            receiver.page(pending)
            _paging.discard(connection)


_stock_reads: weakref.WeakSet[ldap3.Connection] = weakref.WeakSet()
"""Connections opened for the paged read path: ldap3's own paged searches and decoding, no internals."""


def _stock_pages(
    connection: ldap3.Connection,
    base: str,
    search_filter: str,
    attributes: list[str],
    page_size: int,
    sent: Callable[[], None] | None,
    scope: str,
) -> Iterator[list[Entry]]:
    """The entries matching the filter, one list per page, each page read by ldap3's ``search`` with the paged
    results control; ldap3 decodes them, and reads ranged attributes whole (its auto-range)."""
    if sent is not None:
        sent()  # the request goes out with the search below: there is no moment between sending and waiting
    cookie: bytes | None = None
    while True:
        what = f"search of {base} for {search_filter}"
        _stock_search(
            connection, base, search_filter, scope, attributes, what, paged_size=page_size, paged_cookie=cookie
        )
        result = connection.result or {}
        if result.get("result") not in (0, 32):  # 32: the base does not exist
            description = RESULT_CODES.get(result.get("result"), "unknown result")
            text = f"{description}: {str(result.get('message', '')).rstrip(chr(0))}".rstrip(": ")
            raise DirectoryError(f"{what} failed: {text}")
        entries = [_stock_entry(entry) for entry in connection.response or [] if entry.get("type") == "searchResEntry"]
        control = (result.get("controls") or {}).get(ber.PAGED_RESULTS) or {}
        cookie = (control.get("value") or {}).get("cookie") or None
        yield entries
        if cookie is None:
            return


def _stock_search(
    connection: ldap3.Connection,
    base: str,
    search_filter: str,
    scope: str,
    attributes: list[str],
    what: str | None = None,
    **paging: Any,
) -> bool:
    """ldap3's ``search``; a broken or silent connection becomes a ``DirectoryError`` (``DcSilent`` if silent),
    and so does a search ldap3 refuses to send (a base that is not a DN, say) if ``what`` names the search."""
    try:
        return bool(
            connection.search(
                base,
                search_filter,
                search_scope=scope,  # type: ignore[arg-type] # one of ldap3's BASE, LEVEL, SUBTREE
                dereference_aliases=ldap3.DEREF_ALWAYS,
                attributes=attributes,
                **paging,
            )
        )
    except ldap_errors.LDAPException as exc:
        where = _where(connection)
        if _timed_out(exc):
            raise _failed(connection, _silent(where, connection.receive_timeout), timed_out=True) from None
        if what is not None and not isinstance(exc, ldap_errors.LDAPCommunicationError):
            raise DirectoryError(f"{what} failed: {type(exc).__name__}: {exc}") from None
        raise _failed(connection, f"{where}: the connection failed: {type(exc).__name__}") from None


MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""The largest single answer read from a directory: an entry is a few kilobytes; anything this big is refused."""
_RECEIVE_BYTES = 65536


class _Receiver:
    """Reads one connection's answers to one search request at a time, from its (TLS) socket."""

    def __init__(self, connection: ldap3.Connection) -> None:
        self.connection = connection
        self.buffer = bytearray()
        self.where = _where(connection)
        self._read = memoryview(bytearray(_RECEIVE_BYTES))

    def page(self, message_id: int) -> tuple[list[Entry], ber.SearchDone]:
        """Every entry of the answer to ``message_id``, and its result; search references are skipped (the
        directory collector does not follow referrals)."""
        entries: list[Entry] = []
        try:
            while True:
                messages, used = ber.split_messages(self.buffer)
                del self.buffer[:used]
                for message in messages:
                    if isinstance(message, ber.SearchEntry) and message.message_id == message_id:
                        entries.append((message.dn, message.attributes))
                    elif isinstance(message, ber.SearchDone) and message.message_id == message_id:
                        if self.buffer or message is not messages[-1]:
                            raise DirectoryError(f"{self.where}: the server sent more than was asked for")
                        return entries, message
                    elif not isinstance(message, ber.SearchReference) or message.message_id != message_id:
                        raise DirectoryError(self._unexpected(message))
                if len(self.buffer) > MAX_MESSAGE_BYTES:
                    raise DirectoryError(f"{self.where}: an answer larger than {MAX_MESSAGE_BYTES} bytes")
                self.buffer += self._read[: self._receive()]
        except ber.BerError as exc:
            raise DirectoryError(f"{self.where}: the server's answer cannot be read: {exc}") from None
        finally:
            ldap3_internals.forget(self.connection, message_id)  # read here, not by ldap3

    def _receive(self) -> int:
        """How many bytes the server sent, read into ``_read``."""
        try:
            read = ldap3_internals.receive_into(self.connection, self._read)
        except (TimeoutError, BlockingIOError, ssl.SSLWantReadError):  # SO_RCVTIMEO, set by ldap3, expired
            raise _failed(
                self.connection, _silent(self.where, self.connection.receive_timeout), timed_out=True
            ) from None
        except OSError as exc:
            raise _failed(self.connection, f"{self.where}: the connection failed while reading: {exc}") from None
        if not read:
            raise _failed(self.connection, f"{self.where}: the connection was closed by the server")
        return read

    def _unexpected(self, message: ber.Message) -> str:
        if isinstance(message, ber.OtherMessage) and message.message_id == 0:
            notice = ber.extended_response(message)
            return f"{self.where}: the server ended the session: {notice.message.rstrip(chr(0)) or notice.result_code}"
        return f"{self.where}: the server sent an answer to a request it was not asked (message {message.message_id})"


def _done_text(done: ber.SearchDone) -> str:
    description = RESULT_CODES.get(done.result_code, "unknown result")
    return f"{description}: {done.message.rstrip(chr(0))}".rstrip(": ")


def _cookie(done: ber.SearchDone) -> bytes | None:
    try:
        return ber.paged_cookie(done)
    except ber.BerError as exc:
        raise DirectoryError(f"the server's paged results control cannot be read: {exc}") from None


def _whole_ranges(connection: ldap3.Connection, entries: list[Entry]) -> list[Entry]:
    """Entries with every ranged attribute (``member;range=0-1499``: Active Directory sends at most MaxValRange
    values of an attribute at a time) read whole, through ldap3's range retrieval, before the next page is
    asked for (the connection is idle then)."""
    if not any(";range=" in name for _, raw in entries for name in raw):
        return entries
    whole = []
    for dn, raw in entries:
        ranged = {name.partition(";range=")[0] for name in raw if ";range=" in name}
        if ranged:
            more = read_base(connection, dn, sorted(ranged))
            raw = {name: values for name, values in raw.items() if ";range=" not in name}
            for name in ranged:
                if name not in more:
                    raise DirectoryError(f"cannot read all values of {name} of {dn}: the range retrieval failed")
                raw[name] = more[name]
        whole.append((dn, raw))
    return whole


_paging: weakref.WeakSet[ldap3.Connection] = weakref.WeakSet()
"""Connections with a page asked for and not yet read: nothing else may be sent on them until it is, or its
answer and the other operation's would be read out of order."""


def _check_idle(connection: ldap3.Connection) -> None:
    if connection in _paging:
        raise RuntimeError("a paged search is still running on this connection: finish it before another operation")


def _request_page(
    connection: ldap3.Connection,
    base: str,
    search_filter: str,
    attributes: list[str],
    page_size: int,
    cookie: bytes | None,
    scope: str,
) -> int:
    """Send one paged search request without waiting for its answer; its message id."""
    return ldap3_internals.send_paged_search(connection, base, search_filter, scope, attributes, page_size, cookie)


def read_base(connection: ldap3.Connection, dn: str, attributes: list[str]) -> dict[str, list[bytes]]:
    """One object's raw attributes (an empty DN reads the rootDSE)."""
    _check_idle(connection)
    if not _stock_search(connection, dn, "(objectClass=*)", ldap3.BASE, attributes):
        raise DirectoryError(f"cannot read {dn or 'the rootDSE'}: {_result(connection)}")
    for entry in connection.response or []:
        if entry.get("type") == "searchResEntry":
            return _raw_attributes(entry)
    raise DirectoryError(f"cannot read {dn or 'the rootDSE'}: no entry returned")


def search_with_controls(
    connection: ldap3.Connection,
    base: str,
    search_filter: str,
    attributes: list[str],
    page_size: int,
    controls: list[tuple[str, bool, bytes | None]],
    *,
    scope: str = ldap3.SUBTREE,
) -> Iterator[Entry]:
    """Every entry matching the filter, read with ldap3's own paged searches and request ``controls`` as well (the
    SD flags control, say, which the fast read path does not send)."""
    _check_idle(connection)
    what = f"search of {base} for {search_filter}"
    cookie: bytes | None = None
    while True:
        _stock_search(
            connection,
            base,
            search_filter,
            scope,
            attributes,
            what,
            paged_size=page_size,
            paged_cookie=cookie,
            controls=controls,
        )
        result = connection.result or {}
        if result.get("result") not in (0, 32):  # 32: the base does not exist
            description = RESULT_CODES.get(result.get("result"), "unknown result")
            text = f"{description}: {str(result.get('message', '')).rstrip(chr(0))}".rstrip(": ")
            raise DirectoryError(f"{what} failed: {text}")
        yield from (_stock_entry(entry) for entry in connection.response or [] if entry.get("type") == "searchResEntry")
        control = (result.get("controls") or {}).get(ber.PAGED_RESULTS) or {}
        cookie = (control.get("value") or {}).get("cookie") or None
        if cookie is None:
            return
