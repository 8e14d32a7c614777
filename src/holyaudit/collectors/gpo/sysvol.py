"""Reading GPO files from SYSVOL over SMB (smbprotocol), read-only and with signing required.

Files are opened for reading data and attributes only, never with write, delete or create access, and sharing
reads and writes with others, so an administrator editing a GPO is not locked out. A file that does not exist
is ``None`` (the GPO sets nothing there); one that exists but cannot be read raises ``SysvolFileError``.

smbprotocol waits for an answer without end once connected, so each step here (the session, each file) has
``timeout_seconds``: when it runs out, the connection is closed under the waiting read and the server is given up
on through the deadline the directory's connections share (``DcSilent``), so no later read waits for it again.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

from holyaudit.collectors.credentials import Secret, guarded
from holyaudit.collectors.ldap.deadline import Deadline
from holyaudit.collectors.ldap.errors import DcSilent
from holyaudit.errors import CollectorError

SMB_PORT = 445
_NOT_FOUND = frozenset(
    {
        0xC0000034,  # STATUS_OBJECT_NAME_NOT_FOUND
        0xC000003A,  # STATUS_OBJECT_PATH_NOT_FOUND
        0xC0000033,  # STATUS_OBJECT_NAME_INVALID
    }
)
_STATUS_WORDS = {
    0xC0000022: "access denied (STATUS_ACCESS_DENIED): the audit account may not read it",
    0xC000006D: "STATUS_LOGON_FAILURE",
    0xC0000043: "sharing violation (STATUS_SHARING_VIOLATION)",
}
FILE_READ_DATA = 0x1
FILE_READ_ATTRIBUTES = 0x80
READ_ONLY_ACCESS = FILE_READ_DATA | FILE_READ_ATTRIBUTES
"""The only access holyaudit asks for on a SYSVOL file."""


@dataclass(frozen=True)
class Entry:
    """One entry of a SYSVOL folder: its name, whether it is a folder, and its size in bytes."""

    name: str
    is_folder: bool
    size: int


class SysvolError(CollectorError):
    """SYSVOL could not be reached at all (server down, logon refused, signing not possible)."""


class SysvolFileError(Exception):
    """One file exists (or may exist) but could not be read."""


def unc_path(file_sys_path: str, server: str, relative: str) -> str:
    r"""``relative`` below a GPO's ``gPCFileSysPath`` (``\\domain\SysVol\domain\Policies\{GUID}``), on ``server``.

    The path names the domain, which is resolved through DNS to any DC; holyaudit reads from the server it was
    configured with instead, so the files come from the same DC as the directory data.
    """
    parts = file_sys_path.strip().lstrip("\\").split("\\")
    if len(parts) < 2 or not all(parts[:2]):
        raise SysvolFileError(f"gPCFileSysPath {file_sys_path!r} is not \\\\server\\share\\...")
    return "\\\\" + "\\".join([server, *parts[1:], *relative.split("\\")])


class Sysvol:
    """One SMB session with the server, for the ``with`` block; its connections are closed when it ends."""

    def __init__(
        self,
        server: str,
        username: str | None,
        password: Secret | None,
        *,
        auth_protocol: Literal["negotiate", "ntlm", "kerberos"],
        encrypt: bool,
        timeout_seconds: float,
        port: int = SMB_PORT,
        deadline: Deadline | None = None,
    ) -> None:
        self.server = server
        self.port = port
        self.username = username
        self.password = password
        self.auth_protocol = auth_protocol
        self.encrypt = encrypt
        self.timeout_seconds = timeout_seconds
        self.deadline = deadline or Deadline()
        self._cache: dict[str, Any] = {}

    def __enter__(self) -> Sysvol:
        import smbclient  # imported when used: smbprotocol and its cryptography cost startup time

        try:
            with self._answered():
                smbclient.register_session(
                    self.server,
                    username=self.username,
                    password=self.password.reveal() if self.password is not None else None,
                    port=self.port,
                    encrypt=self.encrypt or None,
                    connection_timeout=max(1, round(self.timeout_seconds)),
                    connection_cache=self._cache,
                    auth_protocol=self.auth_protocol,
                    require_signing=True,
                )
        except DcSilent:
            self.close()
            raise
        except Exception as exc:  # smbprotocol raises ValueError, OSError and its own types for the same failures
            self.close()
            raise SysvolError(f"\\\\{self.server}\\SYSVOL over SMB: {self._reason(exc)}") from None
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        import smbclient

        if self.deadline.reason is not None:  # a polite log-off would wait for the silent server's answer
            self._drop_connections()
        smbclient.reset_connection_cache(fail_on_error=False, connection_cache=self._cache)

    @contextlib.contextmanager
    def _answered(self) -> Iterator[None]:
        """Bound what the block waits for to ``timeout_seconds``; past that, ``DcSilent``."""
        self.deadline.check()
        silent = (
            f"\\\\{self.server}\\SYSVOL over SMB: no answer within {self.timeout_seconds:g} s (gpo.timeout_seconds)"
        )
        timer = threading.Timer(self.timeout_seconds, self._give_up, (silent,))
        timer.daemon = True
        timer.start()
        try:
            yield
        except Exception:
            self.deadline.check()  # the read failed because the connection was closed under it
            raise
        finally:
            timer.cancel()
        self.deadline.check()

    def _give_up(self, reason: str) -> None:
        self.deadline.give_up(reason)
        self._drop_connections()

    def _drop_connections(self) -> None:
        # Closing the socket wakes smbprotocol's reader, which then wakes every request waiting for an answer.
        for connection in list(self._cache.values()):
            with contextlib.suppress(Exception):
                connection.disconnect(False)

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or None when it does not exist."""
        import smbclient
        from smbprotocol.exceptions import SMBOSError, SMBResponseException

        try:
            with (
                self._answered(),
                smbclient.open_file(
                    path,
                    mode="rb",
                    share_access="rwd",
                    desired_access=READ_ONLY_ACCESS,
                    connection_cache=self._cache,
                ) as handle,
            ):
                data: bytes = handle.read()
                return data
        except SMBOSError as exc:
            if exc.ntstatus in _NOT_FOUND:
                return None
            raise SysvolFileError(self._reason(exc)) from None
        except (SMBResponseException, OSError, ValueError) as exc:
            raise SysvolFileError(self._reason(exc)) from None

    def entries(self, path: str) -> list[Entry]:
        """The folder's entries (never ``.`` or ``..``), listed with read-only access; None-free, in server order.

        A folder that does not exist raises ``SysvolFileError`` like one that cannot be read: the caller named it.
        """
        import smbclient
        from smbprotocol.exceptions import SMBOSError, SMBResponseException
        from smbprotocol.file_info import FileAttributes

        try:
            with self._answered():
                return [
                    Entry(
                        item.name,
                        bool(item.smb_info.file_attributes & FileAttributes.FILE_ATTRIBUTE_DIRECTORY),
                        item.smb_info.end_of_file,
                    )
                    for item in smbclient.scandir(path, desired_access=READ_ONLY_ACCESS, connection_cache=self._cache)
                ]
        except SMBOSError as exc:
            if exc.ntstatus in _NOT_FOUND:
                raise SysvolFileError("the folder does not exist") from None
            raise SysvolFileError(self._reason(exc)) from None
        except (SMBResponseException, OSError, ValueError) as exc:
            raise SysvolFileError(self._reason(exc)) from None

    def _reason(self, exc: BaseException) -> str:
        """One line, from the NT status where it is known, else smbprotocol's words ``guarded``."""
        text = guarded(" ".join(str(exc).split()), self.password) or type(exc).__name__
        status = getattr(exc, "ntstatus", None) or getattr(exc, "status", None)
        if isinstance(status, int) and status in _STATUS_WORDS:
            text = _STATUS_WORDS[status]
        if "LogonFailure" in type(exc).__name__ or "STATUS_LOGON_FAILURE" in text:
            text = f"logon as {self.username or 'the Kerberos principal'} refused: invalid credentials"
        elif "Failed to connect" in text or isinstance(exc, ConnectionError):
            text = f"cannot connect to port {self.port} ({text})"
        return text
