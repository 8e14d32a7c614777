"""Who may talk to a simulated host: Basic and NTLM authentication, and NTLM message encryption.

As on Windows with its defaults (AllowUnencrypted=false), Basic is accepted only over HTTPS, and over
plain HTTP only encrypted messages (``multipart/encrypted``, NTLM-sealed) are accepted; ``allow_unencrypted``
lifts both. NTLM authenticates the connection, not each request, so it needs HTTP keep-alive.

pyspnego's NTLM acceptor reads its accounts from the file named by the ``NTLM_USER_FILE`` environment
variable, which is process-wide: every fleet running in a process adds its accounts to one file, and an
NTLM logon is then also checked against the fleet's own accounts. Two fleets running at once must not give
one account different passwords. Channel binding tokens sent over HTTPS are not checked.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import spnego
import spnego.exceptions

ENCRYPTED_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
ENCRYPTED_CONTENT_TYPE = f'multipart/encrypted;protocol="{ENCRYPTED_PROTOCOL}";boundary="Encrypted Boundary"'
_BOUNDARY = b"--Encrypted Boundary"
_NTLM_SIGNATURE_LENGTH = 16


class AuthMode(StrEnum):
    BASIC = "basic"
    NTLM = "ntlm"
    BOTH = "both"


@dataclass(frozen=True)
class Account:
    """An account the simulated hosts accept. ``domain`` may be empty (a local account)."""

    domain: str
    user: str
    password: str

    def is_named(self, name: str) -> bool:
        """Whether ``name`` (``user``, ``DOMAIN\\user`` or ``user@domain``) names this account."""
        domain, _, user = name.rpartition("\\")
        if not domain and "@" in name:
            user, _, domain = name.partition("@")
        if user.casefold() != self.user.casefold():
            return False
        return not domain or domain == "." or domain.casefold() == self.domain.casefold()


def read_users_file(path: Path) -> list[Account]:
    """Accounts from a file of ``DOMAIN:user:password`` lines (the NTLM_USER_FILE format); # starts a comment."""
    accounts = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(":", 2)
        if len(parts) != 3 or not parts[1]:
            raise ValueError(f"{path}:{number}: expected DOMAIN:user:password")
        accounts.append(Account(*parts))
    return accounts


class AuthPolicy:
    """What a fleet accepts; one per fleet, shared by its connections."""

    def __init__(self, mode: AuthMode, accounts: Sequence[Account], allow_unencrypted: bool) -> None:
        self.mode = mode
        self.accounts = tuple(accounts)
        self.allow_unencrypted = allow_unencrypted

    def basic_allowed(self, https: bool) -> bool:
        return self.mode in (AuthMode.BASIC, AuthMode.BOTH) and (https or self.allow_unencrypted)

    def ntlm_allowed(self) -> bool:
        return self.mode in (AuthMode.NTLM, AuthMode.BOTH)

    def offers(self, https: bool) -> list[str]:
        """The WWW-Authenticate header values of a 401."""
        offers = ["Negotiate"] if self.ntlm_allowed() else []
        return offers + (['Basic realm="WSMAN"'] if self.basic_allowed(https) else [])

    def check_password(self, name: str, password: str) -> bool:
        return any(account.is_named(name) and account.password == password for account in self.accounts)

    def knows(self, name: str) -> bool:
        return any(account.is_named(name) for account in self.accounts)


@dataclass(frozen=True)
class Verdict:
    """The outcome of one request's authentication: go ahead, or answer 401 with these headers."""

    authorized: bool
    challenge: tuple[str, ...] = ()


class ConnectionAuth:
    """The authentication state of one connection: its NTLM context, once established."""

    def __init__(self, policy: AuthPolicy, https: bool, reject_all: bool, withhold_challenge: bool = False) -> None:
        self.policy = policy
        self.https = https
        self.reject_all = reject_all
        self.withhold_challenge = withhold_challenge
        self._pending: spnego.ContextProxy | None = None
        self.session: spnego.ContextProxy | None = None

    def check(self, authorization: str | None) -> Verdict:
        """Authenticate a request by its Authorization header (or by the connection's NTLM session)."""
        refuse = Verdict(False, tuple(self.policy.offers(self.https)))
        if authorization is None:
            return Verdict(True) if self.session is not None else refuse
        scheme, _, token = authorization.strip().partition(" ")
        try:
            raw = base64.b64decode(token.strip(), validate=True)
        except binascii.Error:
            return refuse
        if scheme.casefold() == "basic" and self.policy.basic_allowed(self.https):
            name, _, password = raw.decode("utf-8", "replace").partition(":")
            return Verdict(True) if self.policy.check_password(name, password) and not self.reject_all else refuse
        if scheme.casefold() in ("negotiate", "ntlm") and self.policy.ntlm_allowed():
            return self._ntlm_step(scheme, raw, refuse)
        return refuse

    def _ntlm_step(self, scheme: str, token: bytes, refuse: Verdict) -> Verdict:
        message_type = struct.unpack("<I", token[8:12])[0] if token[:8] == b"NTLMSSP\0" else 0
        if message_type == 1:
            self.session = None
            if self.withhold_challenge:
                return Verdict(False, (scheme,))
            try:
                self._pending = spnego.server(protocol="ntlm")
                challenge = self._pending.step(token) or b""
            except spnego.exceptions.SpnegoError:
                return refuse
            return Verdict(False, (f"{scheme} {base64.b64encode(challenge).decode('ascii')}",))
        context, self._pending = self._pending, None
        if message_type != 3 or context is None or self.reject_all:
            return refuse
        try:
            context.step(token)
        except spnego.exceptions.SpnegoError:
            return refuse
        if not context.complete or not self.policy.knows(context.client_principal or ""):
            return refuse
        self.session = context
        return Verdict(True)

    @property
    def challenged(self) -> bool:
        """An NTLM challenge has been sent and its answer not yet received."""
        return self._pending is not None

    def unwrap(self, body: bytes) -> bytes:
        """The SOAP message inside an NTLM-encrypted ``multipart/encrypted`` body (as pywinrm builds it)."""
        if self.session is None:
            raise ValueError("an encrypted message on a connection without an NTLM session")
        parts = [part for part in body.split(_BOUNDARY + b"\r\n") if part]
        message = b""
        for header, payload in zip(parts[::2], parts[1::2], strict=True):
            length = int(header.split(b"Length=")[1].strip())
            payload = payload.removesuffix(_BOUNDARY + b"--\r\n")
            sealed = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
            # After the 4-byte signature length come the signature and the sealed message, which is what
            # an NTLM unwrap takes (the signature is always 16 bytes).
            data = self.session.unwrap(sealed[4:]).data
            if len(data) != length:
                raise ValueError("the encrypted message's length does not match its header")
            message += data
        return message

    def wrap(self, message: bytes) -> bytes:
        """``message`` sealed in a ``multipart/encrypted`` body (send with ENCRYPTED_CONTENT_TYPE)."""
        if self.session is None:
            raise ValueError("no NTLM session to encrypt with")
        wrapped = self.session.wrap(message, encrypt=True).data
        signature, sealed = wrapped[:_NTLM_SIGNATURE_LENGTH], wrapped[_NTLM_SIGNATURE_LENGTH:]
        return (
            _BOUNDARY
            + b"\r\n\tContent-Type: "
            + ENCRYPTED_PROTOCOL.encode()
            + b"\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length="
            + str(len(message)).encode()
            + b"\r\n"
            + _BOUNDARY
            + b"\r\n\tContent-Type: application/octet-stream\r\n"
            + struct.pack("<i", len(signature))
            + signature
            + sealed
            + _BOUNDARY
            + b"--\r\n"
        )


def is_encrypted(content_type: str) -> bool:
    lowered = content_type.casefold()
    return lowered.startswith("multipart/encrypted") and ENCRYPTED_PROTOCOL.casefold() in lowered


class NtlmUserFile:
    """The process-wide NTLM_USER_FILE, holding the accounts of every fleet that is running."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[int, tuple[Account, ...]] = {}
        self._directory: tempfile.TemporaryDirectory[str] | None = None
        self._previous: str | None = None

    def add(self, owner: int, accounts: Iterable[Account]) -> None:
        with self._lock:
            if self._directory is None:
                self._directory = tempfile.TemporaryDirectory(prefix="winrm-sim-")
                self._previous = os.environ.get("NTLM_USER_FILE")
            self._users[owner] = tuple(accounts)
            self._write(self._directory)

    def remove(self, owner: int) -> None:
        with self._lock:
            if self._users.pop(owner, None) is None or self._directory is None:
                return
            if self._users:
                self._write(self._directory)
                return
            if self._previous is None:
                os.environ.pop("NTLM_USER_FILE", None)
            else:
                os.environ["NTLM_USER_FILE"] = self._previous
            self._directory.cleanup()
            self._directory = None

    def _write(self, directory: tempfile.TemporaryDirectory[str]) -> None:
        path = Path(directory.name) / "ntlm-users"
        lines = [f"{a.domain}:{a.user}:{a.password}\n" for accounts in self._users.values() for a in accounts]
        path.write_text("".join(lines), encoding="utf-8")
        os.environ["NTLM_USER_FILE"] = str(path)


NTLM_USER_FILE = NtlmUserFile()
