"""A real Samba 4 Active Directory domain controller on loopback, for the directory tests.

Provisioning takes about 4 s, so one provisioned domain is kept as a template (in the user's cache folder,
keyed by the Samba version and the provisioning options) and copied for each run, which takes a fraction of
a second. Each run makes its own certificate authority with trustme: the DC's certificate names 127.0.0.1,
localhost and dc1.holywell.test, because the certificate Samba generates names only the machine's host name.

Kerberos works without DNS: ``write_krb5_conf`` names the DC's KDC by address, and ``kinit`` gets a ticket into
a credential cache of the caller's choosing.

Every file a DC writes is in its own folder: smb.conf moves the pid, socket and log paths (by default under
/run/samba and /var) there too, except winbindd's socket, whose place smbd's winbind client library fixes
(/run/samba/winbindd). That socket and the ports are why two DCs need a namespace each: Samba's AD DC listens
on 389, 636, 88, 445, 3268 and more, not all of which it can move, so only one DC can listen on a network's
127.0.0.1 at a time. The suite runs in network and mount namespaces of its own where it can
(``tests/isolation.py``); whoever calls ``start`` calls ``stop``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import ldap3
import trustme

REALM = "HOLYWELL.TEST"
NETBIOS = "HOLYWELL"
HOST_NAME = "dc1"
"""The DC's own name, fixed so the DC (DC1$) and its DNS account (dns-dc1) do not depend on this machine's name."""
ADMIN_PASSWORD = "Holywell-Admin-2024!"
SYSTEM_PYTHON = "/usr/bin/python3"
"""Debian's python3-samba bindings belong to the system interpreter, not to the project's venv."""

SAMBA_RUNTIME_LIMIT_SECONDS = 3600
"""Samba ends itself after this long, so a test run killed before ``stop`` leaves no DC behind for good."""

_SBIN = "/usr/sbin:/sbin"

LDAP_OPTIONS = "\tldap server require strong auth = allow_sasl_over_tls\n\tdsdb:schema update allowed = true\n"
"""Simple binds still need TLS; this also lets a SASL (Kerberos) bind without signing or sealing through, over
TLS only: ldap3 asks for no SASL security layer, and Samba otherwise refuses it ("Sign or Seal are required").
Schema updates are allowed so the seeding can add the LAPS attributes over LDAP (laps_schema.py), as Microsoft's
tools do on Windows, where the Schema Admins may."""


def samba_program(name: str) -> str | None:
    """Where a Samba program is installed (``samba`` lives in /usr/sbin, often not on a user's PATH)."""
    return shutil.which(name) or shutil.which(name, path=_SBIN)


def _provision_options(targetdir: Path) -> list[str]:
    return [
        "domain",
        "provision",
        f"--targetdir={targetdir}",
        f"--realm={REALM}",
        f"--domain={NETBIOS}",
        "--server-role=dc",
        f"--host-name={HOST_NAME}",
        "--dns-backend=NONE",
        f"--adminpass={ADMIN_PASSWORD}",
        "--option=bind interfaces only=yes",
        "--option=interfaces=lo",
        # Extended attributes in a tdb, so no filesystem xattr support (or root) is needed for sysvol.
        f"--option=posix:eadb={targetdir / 'eadb.tdb'}",
        "--host-ip=127.0.0.1",
    ]


@dataclass(frozen=True)
class KerberosFiles:
    """A client's Kerberos setup: its krb5.conf and its credential cache (a file)."""

    krb5_conf: Path
    ccache: Path


@dataclass
class SambaDC:
    """One Samba AD DC in ``workdir``, listening for LDAPS on ``host``:``port``."""

    workdir: Path
    host: str = "127.0.0.1"
    port: int = 636
    realm: str = REALM
    netbios: str = NETBIOS
    base_dn: str = "DC=holywell,DC=test"
    admin_password: str = ADMIN_PASSWORD
    ca_file: Path = field(init=False)
    untrusted_ca_file: Path = field(init=False)
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.ca_file = self.workdir / "tls" / "ca.pem"
        self.untrusted_ca_file = self.workdir / "tls" / "untrusted-ca.pem"

    @property
    def dns_domain(self) -> str:
        return self.realm.lower()

    @property
    def host_name(self) -> str:
        """The DC's fully qualified name, which its certificate holds."""
        return f"{HOST_NAME}.{self.dns_domain}"

    @property
    def smb_conf(self) -> Path:
        return self.workdir / "etc" / "smb.conf"

    @property
    def sam_ldb(self) -> Path:
        return self.workdir / "private" / "sam.ldb"

    @property
    def log_file(self) -> Path:
        return self.workdir / "samba.log"

    def provision(self) -> None:
        """Copy a provisioned domain into ``workdir`` (provisioning the template first if needed) and give it TLS."""
        template = _template()
        shutil.copytree(template, self.workdir, symlinks=True, dirs_exist_ok=True)
        conf = self.smb_conf.read_text().replace(str(template), str(self.workdir))
        paths = self._run_paths()
        # The provisioned smb.conf names some of these itself (log file), and the last value given wins.
        conf = "".join(line for line in conf.splitlines(keepends=True) if line.split("=")[0].strip() not in paths)
        options = self._tls_options() + LDAP_OPTIONS + "".join(f"\t{key} = {value}\n" for key, value in paths.items())
        self.smb_conf.write_text(conf.replace("[global]\n", "[global]\n" + options, 1))
        (self.workdir / "run").mkdir(mode=0o755, exist_ok=True)
        _let_users_reach(self.workdir / "state" / "sysvol")

    @property
    def sysvol(self) -> Path:
        return self.workdir / "state" / "sysvol"

    def _run_paths(self) -> dict[str, Path]:
        """The paths Samba defaults to machine-wide folders, moved into ``workdir``; Samba makes the folders.

        Not winbindd's socket: smbd's winbind client library looks for it in /run/samba/winbindd whatever
        smb.conf says, so it stays there (the suite's own mount namespace gives each run its own /run/samba).
        """
        run = self.workdir / "run"
        return {
            "pid directory": run,
            "ncalrpc dir": run / "ncalrpc",
            "ntp signd socket directory": run / "ntp_signd",
            "usershare path": run / "usershares",
            "smb passwd file": self.workdir / "private" / "smbpasswd",
            "log file": self.workdir / "log.%m",
        }

    def _tls_options(self) -> str:
        tls = self.workdir / "tls"
        tls.mkdir(mode=0o700, exist_ok=True)
        ca = trustme.CA(organization_name="Holywell test CA")
        cert = ca.issue_cert("127.0.0.1", "localhost", self.host_name)
        ca.cert_pem.write_to_path(str(self.ca_file))
        cert.cert_chain_pems[0].write_to_path(str(tls / "dc.pem"))
        cert.private_key_pem.write_to_path(str(tls / "dc-key.pem"))
        (tls / "dc-key.pem").chmod(0o600)  # Samba refuses a private key others can read
        trustme.CA(organization_name="Somebody else's CA").cert_pem.write_to_path(str(self.untrusted_ca_file))
        return (
            "\ttls enabled = yes\n"
            f"\ttls keyfile = {tls / 'dc-key.pem'}\n"
            f"\ttls certfile = {tls / 'dc.pem'}\n"
            f"\ttls cafile = {self.ca_file}\n"
        )

    def start(self, timeout: float = 30) -> None:
        """Run Samba in the foreground of its own process group and wait until LDAPS accepts connections."""
        if _port_open(self.host, self.port):
            raise RuntimeError(f"something already listens on {self.host}:{self.port}; is another Samba DC running?")
        samba = samba_program("samba")
        if samba is None:
            raise RuntimeError("samba is not installed (run scripts/bootstrap as root)")
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [samba, "-s", str(self.smb_conf), "-i", f"--maximum-runtime={SAMBA_RUNTIME_LIMIT_SECONDS}"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not _port_open(self.host, self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                state = "exited before listening" if self._process.poll() is not None else "did not listen"
                self.stop()
                raise RuntimeError(
                    f"samba {state} on {self.host}:{self.port} within {timeout:g} s; "
                    f"last lines of {self.log_file}:\n{self.log_tail()}"
                )
            time.sleep(0.1)

    @property
    def pid(self) -> int:
        """The Samba process started by ``start`` (it leads its own process group)."""
        if self._process is None:
            raise RuntimeError("the DC is not running")
        return self._process.pid

    def process_groups(self) -> list[int]:
        """Samba's process group, and those of smbd and winbindd, which start sessions of their own."""
        groups = [self.pid]
        for daemon in ("smbd", "winbindd"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                groups.append(os.getpgid(int((self.workdir / "run" / f"{daemon}.pid").read_text().split()[0])))
        return groups

    def pause(self) -> None:
        """Freeze every process of the DC (SIGSTOP): it holds its connections and answers nothing."""
        for group in self.process_groups():
            os.killpg(group, signal.SIGSTOP)

    def resume(self) -> None:
        for group in self.process_groups():
            os.killpg(group, signal.SIGCONT)

    def stop(self) -> None:
        """End Samba and every process it started (its process group, and smbd's and winbindd's)."""
        if self._process is None:
            return
        others = self.process_groups()[1:]
        process, self._process = self._process, None
        if process.poll() is None:
            os.killpg(process.pid, 15)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(timeout=5)
        # Children outlive a root process that died first; the group id is still theirs.
        for group in [process.pid, *others]:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_file.exists():
            return "(no log)"
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def server(self, ca_file: Path | None = None) -> ldap3.Server:
        tls = ldap3.Tls(ca_certs_file=str(ca_file or self.ca_file), validate=ssl.CERT_REQUIRED)
        return ldap3.Server(self.host, port=self.port, use_ssl=True, tls=tls, get_info=ldap3.NONE, connect_timeout=10)

    def connection(self, user: str, password: str) -> ldap3.Connection:
        """A simple bind over LDAPS, checking the DC's certificate against ``ca_file``."""
        return ldap3.Connection(self.server(), user=user, password=password, auto_bind=True, raise_exceptions=True)

    def admin_connection(self) -> ldap3.Connection:
        """The domain Administrator over LDAPS: for seeding and checks, never for what holyaudit does."""
        return self.connection(f"Administrator@{self.dns_domain}", self.admin_password)

    def samba_tool(self, *args: str) -> str:
        """Run samba-tool against this DC's own database (as an administrator on the DC would)."""
        local = ["-s", str(self.smb_conf), "-H", str(self.sam_ldb)]
        result = subprocess.run(
            [samba_program("samba-tool") or "samba-tool", *args, *local], capture_output=True, text=True
        )
        if result.returncode != 0:
            raise RuntimeError(f"samba-tool {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def write_krb5_conf(self, path: Path) -> Path:
        """A krb5.conf for this realm that finds the KDC by address and never asks DNS."""
        path.write_text(
            "[libdefaults]\n"
            f"\tdefault_realm = {self.realm}\n"
            "\tdns_lookup_kdc = false\n"
            "\tdns_lookup_realm = false\n"
            "\trdns = false\n"
            "[realms]\n"
            f"\t{self.realm} = {{\n\t\tkdc = {self.host}\n\t}}\n"
            "[domain_realm]\n"
            f"\t.{self.dns_domain} = {self.realm}\n"
            f"\t{self.dns_domain} = {self.realm}\n"
        )
        return path

    def kinit(self, user: str, password: str, files: KerberosFiles) -> None:
        """Put ``user``'s ticket-granting ticket in ``files.ccache``; kinit reads the password from standard input."""
        kinit = shutil.which("kinit")
        if kinit is None:
            raise RuntimeError("kinit is not installed (krb5-user; run scripts/bootstrap as root)")
        result = subprocess.run(
            [kinit, f"{user}@{self.realm}"],
            input=password + "\n",
            capture_output=True,
            text=True,
            env={**os.environ, "KRB5_CONFIG": str(files.krb5_conf), "KRB5CCNAME": f"FILE:{files.ccache}"},
        )
        if result.returncode != 0:
            raise RuntimeError(f"kinit {user}@{self.realm} failed:\n{result.stderr[-2000:]}")

    def highest_committed_usn(self) -> int:
        with self.admin_connection() as conn:
            conn.search("", "(objectClass=*)", ldap3.BASE, attributes=["highestCommittedUSN"])
            return int(conn.entries[0].highestCommittedUSN.value)


def _let_users_reach(folder: Path) -> None:
    """Let every account pass through the folders above ``folder`` (search permission only, not listing).

    Samba serves a share as the Unix identity of the domain user it maps the caller to, so an ordinary account
    (svc-audit reading SYSVOL) is refused at the door when a folder above the share is 0700, as pytest's
    temporary folders and the copied template are.
    """
    for above in folder.parents:
        info = above.stat()
        if info.st_uid == os.getuid() and not info.st_mode & stat.S_IXOTH:
            above.chmod(stat.S_IMODE(info.st_mode) | stat.S_IXOTH)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _template() -> Path:
    """A provisioned domain, made once per Samba version and set of options and then reused."""
    samba_tool = samba_program("samba-tool")
    if samba_tool is None:
        raise RuntimeError("samba-tool is not installed (run scripts/bootstrap as root)")
    version = subprocess.run([samba_tool, "--version"], capture_output=True, text=True, check=True).stdout
    key = hashlib.sha256((version + "\n".join(_provision_options(Path("TARGET")))).encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "holyaudit"
    template = cache / f"samba-dc-{key}"
    if template.is_dir():
        return template
    cache.mkdir(parents=True, exist_ok=True)
    # Provision into a scratch folder and rename it into place, so a half-made template is never reused.
    scratch = Path(tempfile.mkdtemp(prefix="samba-dc-", dir=cache))
    result = subprocess.run([samba_tool, *_provision_options(scratch)], capture_output=True, text=True)
    if result.returncode != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        raise RuntimeError(f"samba-tool domain provision failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    # The template's own paths are rewritten in each copy's smb.conf; give it its final name first.
    conf = scratch / "etc" / "smb.conf"
    conf.write_text(conf.read_text().replace(str(scratch), str(template)))
    try:
        scratch.rename(template)
    except OSError:  # another run finished the same template first
        shutil.rmtree(scratch, ignore_errors=True)
    return template
