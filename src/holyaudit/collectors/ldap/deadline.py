"""Giving up on a silent domain controller once, for every connection a scan has open to it.

Each wait for the DC (connecting, the TLS handshake, an answer) is bounded by ``directory.timeout_seconds``.
The first wait that runs out marks the DC silent: every connection still open to it is shut down, so the waits
on the others (the users' search parts, the directory collector's own connection) end at once instead of each
waiting out its own timeout in turn, and every later connection to it (the Group Policy collector's) fails at
once with the same reason. So a scan ends within one timeout of the DC going silent, whatever
``search_connections`` is.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import weakref

import ldap3

from holyaudit.collectors.ldap import ldap3_internals
from holyaudit.collectors.ldap.errors import DcSilent


class Deadline:
    """One domain controller's silence, shared by every connection to it (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: weakref.WeakSet[ldap3.Connection] = weakref.WeakSet()
        self.reason: str | None = None
        """Why the DC was given up on (the first wait that ran out), or None while it answers."""
        self.passed_at: float | None = None
        """When (``time.monotonic``) it was given up on."""

    def check(self) -> None:
        """Raise ``DcSilent`` if the DC has been given up on."""
        if self.reason is not None:
            raise DcSilent(self.reason)

    def watch(self, connection: ldap3.Connection) -> None:
        """Shut ``connection`` down too when the DC is given up on; ``DcSilent`` if it already is."""
        with self._lock:
            self.check()
            self._open.add(connection)

    def give_up(self, reason: str) -> None:
        """Mark the DC silent for ``reason`` (the first reason stays) and end every wait on it."""
        with self._lock:
            if self.reason is None:
                self.reason, self.passed_at = reason, time.monotonic()
            connections = list(self._open)
        for connection in connections:
            _shut_down(ldap3_internals.socket_of(connection))


def _shut_down(sock: socket.socket | None) -> None:
    """Wake whatever thread is blocked on ``sock`` (its read then ends at once)."""
    if sock is None:
        return
    # The plain socket's shutdown, not SSLSocket's, which also drops its TLS state under a reader in another thread.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
