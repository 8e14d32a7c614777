"""One conversation with one Windows machine over WinRM: open a shell, run the probes, delete the shell.

pywinrm has no overall deadline: a command that never finishes, a server that trickles one byte at a time,
or the WS-Management operation-timeout fault (which pywinrm retries for ever) would hold a worker for ever.
So every socket a conversation opens is registered with its ``Watch``; when the host's deadline passes, the
watch shuts those sockets down (waking any blocked read) and refuses new connections, and the conversation
ends as TIMED_OUT. Every request also gets the time left as its read timeout.

The ``Protocol`` is built directly (``winrm.Session`` mangles IPv6 literal addresses), with the CA file passed
explicitly (pywinrm otherwise reads ``REQUESTS_CA_BUNDLE``) and no proxy from the environment. Message
encryption (NTLM or Kerberos over HTTP) is set up only after the watched adapters are mounted, so the
handshake's connection is watched too.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from winrm.exceptions import (
    InvalidCredentialsError,
    WinRMError,
    WinRMOperationTimeoutError,
    WinRMTransportError,
    WSManFaultError,
)
from winrm.protocol import Protocol

from holyaudit.collectors.credentials import Secret, guarded
from holyaudit.collectors.winrm.interpret import ProbeOutputError
from holyaudit.collectors.winrm.outcome import TIMED_OUT_REASON, Outcome, Reach
from holyaudit.collectors.winrm.probes import Probe


@dataclass(frozen=True)
class Endpoint:
    """Where and how to reach one machine."""

    address: str
    port: int
    scheme: Literal["https", "http"]
    auth: Literal["ntlm", "basic", "kerberos"]
    user: str | None
    password: Secret | None
    ca_file: Path | None
    verify_tls: bool = True

    @property
    def url(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.scheme}://{host}:{self.port}/wsman"


UTF8_CODEPAGE = 65001


class DeadlineExceededError(Exception):
    """The host's deadline passed; raised instead of opening a new connection."""


CLEANUP_GRACE_SECONDS = 3.0
"""After the deadline, how long a conversation may still take to stop its command and delete its shell (each
left behind counts against Windows' MaxShellsPerUser, 30 by default) before its sockets are cut."""


class Watch:
    """The sockets of one conversation, its deadline, and since when it has been waiting for an answer.

    At the deadline the conversation stops asking for output; it then has ``grace`` seconds to clean up on the
    machine (stop the command, delete the shell) before ``cut`` shuts its sockets.
    """

    def __init__(
        self, seconds: float, clock: Callable[[], float] = time.monotonic, grace: float = CLEANUP_GRACE_SECONDS
    ) -> None:
        self._clock = clock
        self.deadline = clock() + seconds
        self.grace = grace
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.expired = False
        self.waiting_since: float | None = None

    def remaining(self) -> float:
        return self.deadline - self._clock()

    def waited(self) -> float:
        """How long the request in flight has waited for its answer (0 when none is in flight)."""
        since = self.waiting_since
        return 0.0 if since is None else self._clock() - since

    def cut_due(self) -> bool:
        """The deadline and the clean-up grace after it have both passed."""
        return self.remaining() <= -self.grace

    @contextmanager
    def request(self, *, cleanup: bool = False) -> Iterator[None]:
        if cleanup:
            if self.expired:  # cut: nothing more can be sent
                raise DeadlineExceededError
        else:
            self.check()
        self.waiting_since = self._clock()
        try:
            yield
        finally:
            self.waiting_since = None

    def check(self) -> None:
        if self.expired or self.remaining() <= 0:
            raise DeadlineExceededError

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            if self.expired:
                sock.close()
                raise DeadlineExceededError
            self._sockets.append(sock)

    def cut(self) -> None:
        """Mark the conversation cut off and wake anything blocked on its sockets."""
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                with contextlib.suppress(OSError):  # already closed by the conversation
                    # socket.socket's own shutdown, also for a TLS socket: it wakes a read blocked in another
                    # thread without touching the TLS object that read is using.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


_current = threading.local()


def _connect_watched(connection: HTTPConnection, connect: Callable[[], None]) -> None:
    """Connect, then register the socket with the current thread's watch (for HTTPS, the TLS socket: the plain
    one is detached when TLS wraps it). The TLS handshake itself is bounded by the socket timeout."""
    watch: Watch = _current.watch
    watch.check()
    connect()
    watch.add(connection.sock)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        _connect_watched(self, super().connect)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        _connect_watched(self, super().connect)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    """A requests adapter whose connections register their sockets with the current thread's watch."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


def converse(endpoint: Endpoint, probes: list[Probe], watch: Watch, connect_timeout: float) -> Outcome:
    """Run the probes on one machine. Never raises for anything the machine or network does."""
    _current.watch = watch
    outcome = Outcome()
    try:
        protocol = _protocol(endpoint, watch, connect_timeout)
        with _timeouts(protocol, watch, connect_timeout):
            shell_id = protocol.open_shell(codepage=UTF8_CODEPAGE)  # else output comes in code page 437
        try:
            for probe in probes:
                outcome.outputs[probe.name] = _run(protocol, shell_id, probe, watch, connect_timeout)
        finally:
            _clean_up(watch, lambda: protocol.close_shell(shell_id), protocol, connect_timeout)
    except Exception as exc:  # every failure of one host becomes that host's status
        outcome.reach, outcome.reason = classify(exc, watch, endpoint)
    finally:
        _current.watch = None
    return outcome


def _protocol(endpoint: Endpoint, watch: Watch, connect_timeout: float) -> Protocol:
    encrypt = endpoint.scheme == "http" and endpoint.auth in ("ntlm", "kerberos")
    protocol = Protocol(
        endpoint=endpoint.url,
        transport=endpoint.auth if endpoint.auth != "basic" else "basic",
        username=endpoint.user,
        password=endpoint.password.reveal() if endpoint.password else None,
        ca_trust_path=str(endpoint.ca_file) if endpoint.ca_file else None,  # type: ignore[arg-type]
        server_cert_validation="validate" if endpoint.verify_tls else "ignore",
        message_encryption="never",
        proxy=None,
    )
    session = protocol.transport.build_session()
    session.mount("http://", _WatchedAdapter(max_retries=0))
    session.mount("https://", _WatchedAdapter(max_retries=0))
    if encrypt:
        protocol.transport.message_encryption = "always"
        with _timeouts(protocol, watch, connect_timeout):
            protocol.transport.setup_encryption(session)
    return protocol


@contextmanager
def _timeouts(protocol: Protocol, watch: Watch, connect_timeout: float, *, cleanup: bool = False) -> Iterator[None]:
    """Give the next request the time left before the deadline (and at most ``connect_timeout`` to connect);
    a clean-up request may also use the grace after the deadline."""
    with watch.request(cleanup=cleanup):
        left = max(watch.remaining() + (watch.grace if cleanup else 0), 0.001)
        protocol.transport.read_timeout_sec = (min(connect_timeout, left), left)  # type: ignore[assignment]
        yield


def _clean_up(watch: Watch, step: Callable[[], None], protocol: Protocol, connect_timeout: float) -> None:
    """Stop a command or delete the shell, also after the deadline (within its grace): a leaked shell stays on
    the machine. A failure here is not the visit's result: whatever ended the visit is."""
    with contextlib.suppress(Exception), _timeouts(protocol, watch, connect_timeout, cleanup=True):
        step()


def _run(protocol: Protocol, shell_id: str, probe: Probe, watch: Watch, connect_timeout: float) -> object:
    command, args = probe.command()
    with _timeouts(protocol, watch, connect_timeout):
        command_id = protocol.run_command(shell_id, command, args)
    stdout: list[bytes] = []
    stderr: list[bytes] = []
    try:
        while True:
            try:
                with _timeouts(protocol, watch, connect_timeout):
                    out, err, code, done = protocol.get_command_output_raw(shell_id, command_id)
            except WinRMOperationTimeoutError:
                continue  # the command is still running; the deadline bounds how long we wait
            stdout.append(out)
            stderr.append(err)
            if done:
                break
    finally:
        _clean_up(watch, lambda: protocol.cleanup_command(shell_id, command_id), protocol, connect_timeout)
    return parse_output(probe, b"".join(stdout), b"".join(stderr), code)


def parse_output(probe: Probe, stdout: bytes, stderr: bytes, code: int) -> object:
    """A probe's JSON output, or a ProbeOutputError saying why there is none."""
    # Windows PowerShell 5.1 may start redirected output with a UTF-8 byte-order mark; it is not part of the JSON.
    text = stdout.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    if code != 0:
        message = error_text(stderr) or _first_line(text) or "no message"
        return ProbeOutputError(f"exit code {code}: {message}")
    try:
        return json.loads(text)
    except ValueError:
        return ProbeOutputError(f"not JSON: {_first_line(text)[:120]!r}")


def error_text(stderr: bytes) -> str:
    """The first line of what a command wrote to stderr. PowerShell run remotely writes its errors as CLIXML
    (``#< CLIXML`` then ``<S S="Error">`` strings with ``_x000D__x000A_`` for line breaks); cmd.exe plain text."""
    text = stderr.decode("utf-8", errors="replace")
    if text.startswith("#< CLIXML"):
        parts = re.findall(r'<S S="Error">(.*?)</S>', text, flags=re.DOTALL)
        text = html.unescape("".join(parts))
        text = re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)
    return _first_line(text)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def classify(exc: BaseException, watch: Watch, endpoint: Endpoint) -> tuple[Reach, str]:
    """A host's status and a one-line reason for an exception; the password never appears in it."""
    if watch.expired or watch.remaining() <= 0 or isinstance(exc, DeadlineExceededError):
        return Reach.TIMED_OUT, TIMED_OUT_REASON
    return _classify(exc, endpoint)


def _classify(exc: BaseException, endpoint: Endpoint) -> tuple[Reach, str]:
    """From the exception's type and fields that hold no credentials; a library's own words only ``guarded``."""
    where = f"{endpoint.url}"
    if isinstance(exc, InvalidCredentialsError):
        return Reach.AUTH_FAILED, f"{where} refused the credentials of {endpoint.user or 'the configured user'}"
    if isinstance(exc, requests.exceptions.SSLError):
        cause = _root_cause(exc, endpoint.password)
        return Reach.ERROR, f"{where}: TLS failed: {cause} (is endpoints.ca_file the CA that signed it?)"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Reach.UNREACHABLE, f"{where}: no answer to the connection attempt"
    if isinstance(exc, requests.exceptions.ConnectionError) and _is_connect_failure(exc):
        return Reach.UNREACHABLE, f"{where}: {_root_cause(exc, endpoint.password)}"
    if isinstance(exc, requests.exceptions.Timeout):
        return Reach.TIMED_OUT, f"{where}: stopped answering"
    if isinstance(exc, WSManFaultError):
        return Reach.ERROR, f"{where}: WS-Management fault: {' '.join(str(exc.reason).split())}"
    if isinstance(exc, WinRMTransportError):
        return Reach.ERROR, f"{where}: HTTP {exc.code} from the WinRM service"
    if isinstance(exc, (requests.exceptions.RequestException, WinRMError, OSError)):
        return Reach.ERROR, f"{where}: {_root_cause(exc, endpoint.password)}"
    return Reach.ERROR, f"{where}: unexpected {type(exc).__name__}: {guarded(str(exc), endpoint.password)}"


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps: chained causes, urllib3's ``reason``, requests' wrapped argument."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        wrapped = getattr(current, "reason", None)
        if not isinstance(wrapped, BaseException) and current.args and isinstance(current.args[0], BaseException):
            wrapped = current.args[0]
        current = current.__cause__ or (wrapped if isinstance(wrapped, BaseException) else None) or current.__context__
    return chain


def _is_connect_failure(exc: BaseException) -> bool:
    return any(
        isinstance(c, (ConnectionRefusedError, socket.gaierror)) or type(c).__name__ == "NewConnectionError"
        for c in _causes(exc)
    )


def _root_cause(exc: BaseException, password: Secret | None) -> str:
    """What went wrong at the bottom: from the fields of the errors holyaudit knows, else the library's words."""
    chain = _causes(exc)
    for cause in chain:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"certificate not trusted ({cause.verify_message})"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused (is WinRM listening on that port?)"
        if isinstance(cause, socket.gaierror):
            return f"name not found ({cause.strerror})"
    text = str(chain[-1])
    return guarded(text.split(": ", 1)[-1] if "object at 0x" in text else text, password)
