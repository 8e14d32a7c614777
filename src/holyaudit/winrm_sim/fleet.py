"""A fleet of simulated hosts served from one process: the in-process API for tests and the CLI.

``Fleet`` runs every host's listener on one asyncio event loop in one background thread. Each host is an
address and port (``port=0`` picks a free one), with its own machine state, fault and added latency.
Measured on a 2-CPU container: 500 hosts (127.0.0.2-127.0.0.251, two per address), 50 ms latency, every
tenth host hanging, scanned by 100 pywinrm NTLM clients (five probes each, one shell per host): the server
used 2 threads, 63 MB and 5.2 s of CPU (about 0.5 ms a request) while the clients used 17 s; the scan took
20 s, the client side being the bottleneck.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import ssl
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from holyaudit.winrm_sim.auth import NTLM_USER_FILE, Account, AuthMode, AuthPolicy
from holyaudit.winrm_sim.faults import Fault, FaultKind
from holyaudit.winrm_sim.machine import Machine
from holyaudit.winrm_sim.server import HostService, serve_connection
from holyaudit.winrm_sim.shell import COMMAND_LINE_LIMIT, ReceivedCommand

log = logging.getLogger(__name__)


class SimHost(BaseModel):
    """One simulated host: where it listens, what machine it is, and how it misbehaves."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    address: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535, description="0: a free port, chosen when the fleet starts.")
    name: str | None = None
    https: bool | None = Field(default=None, description="None: HTTPS when the fleet has a certificate.")
    machine: Machine = Machine()
    fault: Fault | None = None
    latency: float = Field(default=0.0, ge=0, description="Seconds added before every response.")

    @field_validator("fault", mode="before")
    @classmethod
    def _fault_shorthand(cls, value: Any) -> Any:
        return {"kind": value} if isinstance(value, str) else value


class RunningHost:
    """A host of a started fleet: where to reach it, and what it has received."""

    def __init__(self, spec: SimHost, port: int, service: HostService) -> None:
        self.name = spec.name
        self.address = spec.address
        self.port = port
        self.https = service.https
        self.fault = spec.fault
        self._service = service
        host = f"[{spec.address}]" if ":" in spec.address else spec.address
        self.endpoint = f"{'https' if service.https else 'http'}://{host}:{port}/wsman"
        service.endpoint = self.endpoint

    @property
    def commands(self) -> list[ReceivedCommand]:
        """Every command the host has received, in order."""
        return list(self._service.commands)

    @property
    def open_shells(self) -> int:
        """Shells created on this host and not yet deleted."""
        return self._service.open_shells

    @property
    def running_commands(self) -> int:
        """Commands started on this host and neither signalled to terminate nor ended with their shell."""
        return self._service.running_commands

    def __repr__(self) -> str:
        return f"RunningHost({self.name or self.address!r}, {self.endpoint!r})"


class Fleet:
    """Simulated WinRM hosts, served while the fleet is open (a context manager).

    ``credentials`` are the accounts every host accepts, for Basic and for NTLM; ``tls`` is a certificate
    chain and key file (PEM) for the HTTPS hosts; ``auth`` chooses which schemes are offered;
    ``allow_unencrypted`` accepts Basic and unencrypted messages over HTTP; ``command_line_limit`` is
    cmd.exe's (None lifts it).
    """

    def __init__(
        self,
        hosts: Iterable[SimHost],
        *,
        credentials: Sequence[Account] = (),
        tls: tuple[str | os.PathLike[str], str | os.PathLike[str]] | None = None,
        auth: AuthMode | str = AuthMode.BOTH,
        allow_unencrypted: bool = False,
        command_line_limit: int | None = COMMAND_LINE_LIMIT,
    ) -> None:
        self._specs = list(hosts)
        self._credentials = tuple(credentials)
        self._tls = tls
        self._policy = AuthPolicy(AuthMode(auth), self._credentials, allow_unencrypted)
        self._command_line_limit = command_line_limit
        self._hosts: list[RunningHost] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.Server] = []
        self._refusing: list[socket.socket] = []
        self._connections: dict[asyncio.Task[Any], asyncio.StreamWriter] = {}

    def __enter__(self) -> Fleet:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def hosts(self) -> list[RunningHost]:
        return list(self._hosts)

    def host(self, key: str) -> RunningHost:
        """The host named ``key``, or listening on address ``key``, or on ``address:port``."""
        found = [host for host in self._hosts if key in (host.name, host.address, f"{host.address}:{host.port}")]
        if len(found) != 1:
            raise KeyError(f"{len(found)} hosts match {key!r}; use a name or address:port")
        return found[0]

    def endpoint(self, key: str) -> str:
        return self.host(key).endpoint

    def commands(self, key: str) -> list[ReceivedCommand]:
        return self.host(key).commands

    def open_shells(self) -> dict[str, int]:
        """Each host still holding shells (by name, else endpoint) and how many; empty when none is left open."""
        return {host.name or host.endpoint: host.open_shells for host in self._hosts if host.open_shells}

    def start(self) -> Fleet:
        if self._loop is not None:
            raise RuntimeError("a fleet starts only once")
        ssl_context = None
        if self._tls is not None:
            ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ssl_context.load_cert_chain(*self._tls)
        elif any(spec.https for spec in self._specs):
            raise ValueError("HTTPS hosts need the fleet's tls=(certfile, keyfile)")
        if self._policy.ntlm_allowed():
            NTLM_USER_FILE.add(id(self), self._credentials)
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(_quiet_connection_errors)
        self._thread = threading.Thread(target=self._loop.run_forever, name="winrm-sim", daemon=True)
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._open(ssl_context), self._loop).result()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Stop every listener and drop every connection."""
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result()
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()
        for sock in self._refusing:
            sock.close()
        self._refusing.clear()
        NTLM_USER_FILE.remove(id(self))

    async def _open(self, ssl_context: ssl.SSLContext | None) -> None:
        for spec in self._specs:
            https = spec.https if spec.https is not None else ssl_context is not None
            service = HostService(
                machine=spec.machine,
                fault=spec.fault,
                latency=spec.latency,
                https=https,
                policy=self._policy,
                command_line_limit=self._command_line_limit,
            )
            if spec.fault is not None and spec.fault.kind is FaultKind.REFUSED:
                port = self._refuse(spec)
            else:
                server = await asyncio.start_server(
                    functools.partial(self._serve, service),
                    host=spec.address,
                    port=spec.port,
                    ssl=ssl_context if https else None,
                    backlog=128,
                )
                self._servers.append(server)
                port = server.sockets[0].getsockname()[1]
            self._hosts.append(RunningHost(spec, port, service))

    def _refuse(self, spec: SimHost) -> int:
        # A bound socket that never listens holds the port, and the kernel refuses connections to it.
        family = socket.AF_INET6 if ":" in spec.address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.bind((spec.address, spec.port))
        except OSError:
            sock.close()
            raise
        self._refusing.append(sock)
        port: int = sock.getsockname()[1]
        return port

    async def _serve(self, service: HostService, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections[task] = writer
        try:
            await serve_connection(service, reader, writer)
        except asyncio.CancelledError:
            # Cancelled by close(); ending normally keeps asyncio from logging the cancellation as an error.
            return
        finally:
            if task is not None:
                self._connections.pop(task, None)

    async def _shutdown(self) -> None:
        for server in self._servers:
            server.close()
        for task, writer in list(self._connections.items()):
            # Abort rather than close: a TLS close would wait up to 30 s for an idle client's close_notify.
            writer.transport.abort()
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        for server in self._servers:
            with contextlib.suppress(Exception):
                await server.wait_closed()
        self._servers.clear()


def _quiet_connection_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # Clients that give up mid-handshake (a failed certificate check, a timeout) are normal here.
    if isinstance(context.get("exception"), ssl.SSLError | ConnectionError):
        log.debug("winrm_sim connection error: %s", context.get("message"))
        return
    loop.default_exception_handler(context)
