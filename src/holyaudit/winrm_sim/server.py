"""The WinRM service of one simulated host, and the HTTP/1.1 connections that reach it.

Everything runs on one asyncio event loop: a fleet of hundreds of hosts costs one thread, and a host that
hangs or trickles costs only a coroutine. Each connection keeps its NTLM session for as long as the client
keeps it alive, and every response leaves in one write (headers and body together).
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import logging
import uuid
from dataclasses import dataclass
from typing import NamedTuple

from holyaudit.winrm_sim import soap
from holyaudit.winrm_sim.auth import ENCRYPTED_CONTENT_TYPE, AuthPolicy, ConnectionAuth, is_encrypted
from holyaudit.winrm_sim.faults import Fault, FaultKind
from holyaudit.winrm_sim.machine import Machine
from holyaudit.winrm_sim.shell import ReceivedCommand, receive, run

log = logging.getLogger(__name__)

SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8"
MAX_BODY = 1 << 20
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed"}
_REASONS |= {411: "Length Required", 413: "Request Entity Too Large", 500: "Internal Server Error"}


@dataclass(frozen=True)
class _Output:
    stdout: bytes
    stderr: bytes
    exit_code: int


class Answer(NamedTuple):
    """A host's answer to one WS-Management request, and how long it holds it back first."""

    status: int
    body: bytes
    delay: float = 0.0


HUNG_RECEIVE_SECONDS = 60.0
"""How long a Receive for a hung command is held when the request names no OperationTimeout (pywinrm's
default is 20 s)."""


class HostService:
    """One host's WinRM service: its shells, the commands it has received, and its fault."""

    def __init__(
        self,
        *,
        machine: Machine,
        fault: Fault | None,
        latency: float,
        https: bool,
        policy: AuthPolicy,
        command_line_limit: int | None,
    ) -> None:
        self.machine = machine
        self.fault = fault
        self.latency = latency
        self.https = https
        self.policy = policy
        self.command_line_limit = command_line_limit
        self.endpoint = ""
        self.commands: list[ReceivedCommand] = []
        self._shells: dict[str, dict[str, _Output]] = {}
        self._codepages: dict[str, str] = {}

    @property
    def open_shells(self) -> int:
        """Shells created and not yet deleted: a client that leaks shells leaves this above zero."""
        return len(self._shells)

    @property
    def running_commands(self) -> int:
        """Commands started and not yet signalled to terminate, in shells not yet deleted."""
        return sum(len(commands) for commands in self._shells.values())

    def has_fault(self, kind: FaultKind) -> bool:
        return self.fault is not None and self.fault.kind is kind

    def handle(self, body: bytes) -> Answer:
        """Answer one WS-Management request: HTTP status and SOAP body."""
        try:
            request = soap.parse_request(body)
        except soap.MalformedRequest:
            return self._fault(soap.INVALID_XML, "")
        if self.has_fault(FaultKind.SOAP_FAULT):
            return self._fault(soap.ACCESS_DENIED, request.message_id)
        if self.has_fault(FaultKind.FAULT_HTTP200):
            return Answer(200, self._fault(soap.ACCESS_DENIED, request.message_id).body)
        if self.has_fault(FaultKind.HTTP500_EMPTY):
            return Answer(500, b"")
        if request.resource_uri != soap.SHELL_RESOURCE:
            return self._fault(soap.UNSUPPORTED_ACTION, request.message_id)
        if request.action == soap.CREATE:
            shell_id = str(uuid.uuid4()).upper()
            self._shells[shell_id] = {}
            self._codepages[shell_id] = _codec(request.options.get("WINRS_CODEPAGE", "437"))
            return Answer(200, soap.create_response(request, shell_id, self.endpoint))
        if request.action not in (soap.COMMAND, soap.RECEIVE, soap.SIGNAL, soap.DELETE):
            return self._fault(soap.UNSUPPORTED_ACTION, request.message_id)
        shell_id = request.shell_id or ""
        if shell_id not in self._shells:
            return self._fault(soap.shell_not_found(shell_id), request.message_id)
        return self._shell_action(request, shell_id)

    def _shell_action(self, request: soap.Request, shell_id: str) -> Answer:
        commands = self._shells[shell_id]
        command_id = request.command_id or ""
        if request.action == soap.COMMAND:
            received = receive(request.command or "", request.arguments)
            self.commands.append(received)
            result = run(received, self.machine, self.command_line_limit)
            codec = self._codepages[shell_id]
            command_id = str(uuid.uuid4()).upper()
            # A UTF-8 byte-order mark reaches the client as its three bytes, whatever the shell's code page.
            bom = b"\xef\xbb\xbf" if result.stdout.startswith("\ufeff") else b""
            stdout = bom + result.stdout.removeprefix("\ufeff").encode(codec, "replace")
            commands[command_id] = _Output(stdout, result.stderr.encode(codec, "replace"), result.exit_code)
            return Answer(200, soap.command_response(request, command_id))
        if request.action == soap.RECEIVE:
            if self.has_fault(FaultKind.OPERATION_TIMEOUT):
                return self._fault(soap.OPERATION_TIMED_OUT, request.message_id)
            output = commands.get(command_id)
            if output is None:
                return self._fault(soap.command_not_found(command_id), request.message_id)
            if self.has_fault(FaultKind.COMMAND_HANGS):
                # Windows holds a Receive until there is output or the operation timeout passes.
                timed_out = self._fault(soap.OPERATION_TIMED_OUT, request.message_id)
                return timed_out._replace(delay=request.operation_timeout or HUNG_RECEIVE_SECONDS)
            return Answer(
                200, soap.receive_response(request, command_id, output.stdout, output.stderr, output.exit_code)
            )
        if request.action == soap.SIGNAL:
            commands.pop(command_id, None)
            return Answer(200, soap.signal_response(request))
        del self._shells[shell_id]
        del self._codepages[shell_id]
        return Answer(200, soap.delete_response(request))

    def _fault(self, fault: soap.WSManFault, relates_to: str) -> Answer:
        return Answer(500, soap.fault_response(fault, relates_to, self.machine.computer_name))


def _codec(codepage: str) -> str:
    try:
        return codecs.lookup(f"cp{int(codepage)}").name
    except (LookupError, ValueError):
        return "cp437"


@dataclass(frozen=True)
class _HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class _HttpResponse:
    status: int
    body: bytes = b""
    content_type: str | None = None
    authenticate: tuple[str, ...] = ()
    delay: float = 0.0

    def encode(self, close: bool) -> bytes:
        lines = [f"HTTP/1.1 {self.status} {_REASONS.get(self.status, 'Error')}", "Server: Microsoft-HTTPAPI/2.0"]
        lines += [f"WWW-Authenticate: {value}" for value in self.authenticate]
        if self.content_type is not None:
            lines.append(f"Content-Type: {self.content_type}")
        lines.append(f"Content-Length: {len(self.body)}")
        if close:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


class _BadRequest(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


async def _read_request(reader: asyncio.StreamReader) -> _HttpRequest | None:
    """The next request on a connection, or None when the client has closed it."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError as e:
        raise _BadRequest(400) from e
    request_line, *header_lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3:
        raise _BadRequest(400)
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        key = name.strip().casefold()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    if "chunked" in headers.get("transfer-encoding", "").casefold():
        raise _BadRequest(411)
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError as e:
        raise _BadRequest(400) from e
    if length > MAX_BODY:
        raise _BadRequest(413)
    return _HttpRequest(parts[0], parts[1], headers, await reader.readexactly(length))


def _respond(service: HostService, auth: ConnectionAuth, request: _HttpRequest) -> _HttpResponse:
    if request.path.partition("?")[0].casefold() != "/wsman":
        return _HttpResponse(404)
    if request.method != "POST":
        return _HttpResponse(405)
    verdict = auth.check(request.headers.get("authorization"))
    if not verdict.authorized:
        return _HttpResponse(401, authenticate=verdict.challenge)
    if is_encrypted(request.headers.get("content-type", "")):
        try:
            message = auth.unwrap(request.body)
        except (ValueError, IndexError) as e:
            log.warning("%s: cannot decrypt a request: %s", service.endpoint, e)
            return _HttpResponse(400)
        status, body, delay = service.handle(message)
        if not body:
            return _HttpResponse(status, delay=delay)
        return _HttpResponse(status, auth.wrap(body), ENCRYPTED_CONTENT_TYPE, delay=delay)
    if not request.body:
        return _HttpResponse(200)
    if not service.https and not service.policy.allow_unencrypted:
        return _HttpResponse(401, authenticate=tuple(service.policy.offers(https=False)))
    status, body, delay = service.handle(request.body)
    return _HttpResponse(status, body, SOAP_CONTENT_TYPE if body else None, delay=delay)


async def serve_connection(service: HostService, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Serve one client connection until it closes (or, for a hanging host, just swallow what it sends)."""
    try:
        if service.has_fault(FaultKind.HANG):
            while await reader.read(65536):
                pass
            return
        auth = ConnectionAuth(
            service.policy,
            service.https,
            reject_all=service.has_fault(FaultKind.HTTP401),
            withhold_challenge=service.has_fault(FaultKind.NTLM_NO_CHALLENGE),
        )
        while True:
            try:
                request = await _read_request(reader)
            except _BadRequest as e:
                response, close = _HttpResponse(e.status), True
            else:
                if request is None:
                    return
                response = _respond(service, auth, request)
                close = request.headers.get("connection", "").casefold() == "close"
                # ntlm_drop: the handshake is left half done. Saying so in the header makes the client's next
                # message go out on a new connection every time, not only when it notices the close in time.
                close = close or (service.has_fault(FaultKind.NTLM_DROP) and auth.challenged)
            if service.latency or response.delay:
                await asyncio.sleep(service.latency + response.delay)
            await _send(service, writer, response.encode(close))
            if close:
                return
    except (ConnectionError, asyncio.IncompleteReadError, OSError):
        return
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


async def _send(service: HostService, writer: asyncio.StreamWriter, data: bytes) -> None:
    if service.fault is not None and service.fault.kind is FaultKind.TRICKLE:
        for index in range(len(data)):
            if index:
                await asyncio.sleep(service.fault.trickle_secs)
            writer.write(data[index : index + 1])
            await writer.drain()
        return
    writer.write(data)
    await writer.drain()
