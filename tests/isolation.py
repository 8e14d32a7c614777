"""The test run's own network and /etc/hosts, so two runs (or a run and a benchmark's DC) never meet.

Run as root, the suite moves into a network namespace and a mount namespace of its own before any test starts
(``unshare``, as ``ip netns`` does, but tied to the process: nothing is left behind however the run ends). The
Samba DC then listens on 127.0.0.1's usual ports (389, 636, 88, 445, ...) inside the run's own loopback, and the
WinRM simulator's 127.0.0.x addresses are the run's own too. Samba's AD DC cannot move every service it runs
to another port, which is why the whole network moves instead. Every process the run starts (Samba, kinit, the
CLI in a subprocess) inherits both namespaces.

The mount namespace gives the run its own (empty) /run/samba: Samba's winbind client library, which smbd uses
to map the domain's users to Unix ids, looks for winbindd's socket in /run/samba/winbindd whatever smb.conf
says, so a DC of another run or a benchmark would otherwise answer for ours. It also lets the run lay its own
/etc/hosts over the machine's, so the DC resolves by name (``dc1.holywell.test``) as Kerberos needs, without
touching the machine's file.

Without root (or where the kernel refuses, as in some containers), the run shares the machine's network as
before; the DC fixture then finds its ports taken if another DC is up, and says so.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import socket
import struct
import tempfile
from pathlib import Path

_CLONE_NEWNS = 0x00020000
_CLONE_NEWNET = 0x40000000
_MS_BIND = 0x1000
_MS_REC = 0x4000
_MS_PRIVATE = 0x40000
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1

SAMBA_RUN = Path("/run/samba")

_libc = ctypes.CDLL(None, use_errno=True)
_own_network = False


def enter_own_network() -> str | None:
    """Move this process into new network and mount namespaces with loopback up; None when done, else why not.

    Called before any test starts, while pytest has only one thread: a process with several threads may not
    take a mount namespace of its own.
    """
    global _own_network
    if os.geteuid() != 0:
        return "not root"
    if _libc.unshare(_CLONE_NEWNET | _CLONE_NEWNS) != 0:
        return f"unshare: {os.strerror(ctypes.get_errno())}"
    # Mounts made from here on must not propagate back to the machine's namespace.
    _mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE)
    SAMBA_RUN.mkdir(mode=0o755, parents=True, exist_ok=True)
    _mount(b"tmpfs", bytes(SAMBA_RUN), b"tmpfs", 0, b"mode=0755")
    _loopback_up()
    _own_network = True
    return None


def has_own_network() -> bool:
    return _own_network


def map_host_names(names: dict[str, str]) -> None:
    """Lay an /etc/hosts over the machine's, for this run only, that adds ``names`` (name: address)."""
    if not _own_network:
        raise RuntimeError("host names can be mapped only in the run's own namespaces")
    current = Path("/etc/hosts").read_text(encoding="utf-8")
    added = "".join(f"{address}\t{name}\n" for name, address in names.items())
    fd, path = tempfile.mkstemp(prefix="holyaudit-hosts-")
    with os.fdopen(fd, "w", encoding="utf-8") as hosts:
        hosts.write(current if current.endswith("\n") or not current else current + "\n")
        hosts.write(added)
    os.chmod(path, 0o644)
    # The bind mount holds the file open; its name can go at once.
    _mount(path.encode(), b"/etc/hosts", None, _MS_BIND)
    os.unlink(path)


def _mount(source: bytes, target: bytes, fstype: bytes | None, flags: int, data: bytes | None = None) -> None:
    if _libc.mount(source, target, fstype, flags, data) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {target.decode()}: {os.strerror(errno)}")


def _loopback_up() -> None:
    # A new network namespace has only lo, and it is down.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | _IFF_UP))
