"""The directory as a source: its ``directory`` config section, the fact sets it fills, and its check."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from holyaudit.collectors.dn import InvalidDnError, rdns
from holyaudit.collectors.interface import Collector, Context, Source
from holyaudit.sections import Loc, Port, Section, anchored, ca_file_problem, checked_date_formats, compiled_pattern

if TYPE_CHECKING:
    from holyaudit.collectors.ldap.deadline import Deadline
    from holyaudit.config import Settings

LDAP_PASSWORD_ENV = "HOLYAUDIT_LDAP_PASSWORD"  # noqa: S105 - the variable's name, not a password
PROVIDES = frozenset({"directory.domain", "directory.password_policies", "directory.users", "directory.computers"})


def _distinguished_name(dn: str) -> str:
    try:
        rdns(dn)
    except InvalidDnError as exc:
        raise ValueError(f"{exc} (write it as the DC does, e.g. OU=Staff,DC=example,DC=local)") from exc
    return dn


class Selector(Section):
    """Which directory objects belong to a category: any OU (the object's DN ends with it), any group (by name,
    nested membership included), or a name pattern (regular expression on sAMAccountName / computer name)."""

    ous: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    name_pattern: str | None = None

    @field_validator("ous")
    @classmethod
    def _distinguished_names(cls, ous: list[str]) -> list[str]:
        return [_distinguished_name(ou) for ou in ous]

    @field_validator("name_pattern")
    @classmethod
    def _pattern(cls, pattern: str | None) -> str | None:
        return None if pattern is None else compiled_pattern(pattern)


class LeavingDate(Section):
    attribute: str = Field(description="User attribute holding the leaving date, e.g. msDS-cloudExtensionAttribute1.")
    formats: list[str] = Field(
        default_factory=lambda: ["%d/%m/%Y", "%Y-%m-%d"], description="strptime formats tried in order."
    )

    @field_validator("formats")
    @classmethod
    def _formats(cls, formats: list[str]) -> list[str]:
        return checked_date_formats(formats)


class DirectorySettings(Section):
    """How to reach Active Directory over LDAP. The password never lives here (see docs/configuration.md)."""

    server: str = Field(description="DC host name or address (its certificate must name it).")
    port: Port | None = Field(default=None, description="Default 636 for ldaps, 389 for starttls and plain.")
    transport: Literal["ldaps", "starttls", "plain"] = "ldaps"
    ca_file: Path | None = Field(default=None, description="CA bundle that signed the DC's certificate.")
    auth: Literal["simple", "ntlm", "kerberos"] = "simple"
    kerberos_host: str | None = Field(
        default=None, description="auth: kerberos: the host in the DC's principal, ldap/<host>. Default: server."
    )
    bind_user: str | None = Field(default=None, description="UPN, DOMAIN\\user or DN; not used with kerberos.")
    password_file: Path | None = Field(default=None, description="File holding the bind password (mode 0600).")
    base_dn: str | None = Field(default=None, description="Default: the rootDSE's defaultNamingContext.")
    timeout_seconds: float = Field(
        default=30,
        gt=0,
        le=600,
        description="Most seconds to wait to connect to the DC, or for one answer (at most 600).",
    )
    page_size: int = Field(default=1000, ge=1, le=5000)
    search_connections: int = Field(
        default=2,
        ge=1,
        le=8,
        description="Connections reading the users at once, a part each (1: one search); one more reads the rest.",
    )
    read_path: Literal["fast", "paged"] = Field(
        default="fast",
        description="fast: holyaudit's own reader; paged: ldap3's stock paged searches, slower (docs/directory.md).",
    )
    allow_insecure_plaintext: bool = Field(
        default=False, description="Allow a password over unencrypted LDAP (transport: plain). Never on a real network."
    )
    leaving_date: LeavingDate | None = None
    categories: dict[str, Selector] = Field(
        default_factory=dict, description="Site roles (staff, pupil, generic, builtin, laptop) by OU, group or name."
    )
    password_text_patterns: list[str] = Field(
        default_factory=list,
        description="Regular expressions, beside the documented ones, for a description, info or comment that "
        "records a password (docs/directory.md).",
    )

    @field_validator("password_text_patterns")
    @classmethod
    def _password_text_patterns(cls, patterns: list[str]) -> list[str]:
        return [compiled_pattern(pattern) for pattern in patterns]

    @field_validator("base_dn")
    @classmethod
    def _base_dn(cls, base_dn: str | None) -> str | None:
        return None if base_dn is None else _distinguished_name(base_dn)

    @model_validator(mode="before")
    @classmethod
    def _server_url(cls, data: Any) -> Any:
        """``server: ldaps://dc1:636`` is read as ``server: dc1`` and ``port: 636``; its scheme must agree with
        the transport (ldaps:// with ldaps, ldap:// with starttls or plain)."""
        if not isinstance(data, dict) or not isinstance(server := data.get("server"), str) or "://" not in server:
            return data
        try:
            host, port, scheme = _ldap_url(server)
        except ValueError:
            return data  # refused by _host, at the server's own line
        transport = data.get("transport", "ldaps")
        if isinstance(transport, str) and (scheme == "ldaps") != (transport == "ldaps"):
            want = "transport: ldaps" if scheme == "ldaps" else "transport: starttls (or plain)"
            raise ValueError(f"server {server} is an {scheme}:// URL but transport is {transport}: set {want}")
        if port is not None and data.get("port") not in (None, port):
            raise ValueError(f"server {server} names port {port} but port is {data['port']}")
        updated = dict(data)
        updated["server"] = host
        if port is not None:
            updated["port"] = port
        return updated

    @field_validator("server")
    @classmethod
    def _host(cls, server: str) -> str:
        if "://" in server:
            _ldap_url(server)
        if not server.strip() or any(char in server for char in "/\\ @"):
            raise ValueError(f"{server!r} is not a host name or address (e.g. dc1.school.local)")
        return server

    def relative_to(self, base: Path) -> Self:
        return self.model_copy(
            update={"ca_file": anchored(base, self.ca_file), "password_file": anchored(base, self.password_file)}
        )

    def problems(self) -> list[tuple[str, Loc]]:
        if self.ca_file is not None and (problem := ca_file_problem(self.ca_file)):
            return [(f"directory.ca_file: {problem}", ("ca_file",))]
        return []


def _ldap_url(url: str) -> tuple[str, int | None, str]:
    """The host, port and scheme of an ``ldap://`` or ``ldaps://`` URL naming a server (ValueError otherwise)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"server {url!r} is not a valid LDAP URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("ldap", "ldaps"):
        raise ValueError(f"server {url!r}: {scheme}:// is not LDAP; give the host name, or an ldaps:// or ldap:// URL")
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"server {url!r}: give only the scheme, host and port (e.g. ldaps://dc1.school.local)")
    if port == 0:
        raise ValueError(f"server {url!r}: port 0 is not a port (1 to 65535)")
    return parts.hostname, port, scheme


TEMPLATE = """\
directory:
  server: dc1.example.local      # the name on the domain controller's TLS certificate
  transport: ldaps               # ldaps (636) | starttls (389)
  # ca_file: school-ca.pem       # the CA that signed the DC's certificate (default: the system's trusted CAs)
  auth: simple                   # simple | ntlm (Windows DCs only) | kerberos (holyaudit[kerberos], kinit first)
  bind_user: svc-holyaudit@example.local   # a plain domain user is enough: holyaudit only reads
  # password_file: ldap-password           # mode 0600; otherwise HOLYAUDIT_LDAP_PASSWORD, keyring or prompt
  # read_path: paged             # fast (default) | paged: ldap3's own paged searches, if the fast reader fails your DC
  leaving_date:
    attribute: msDS-cloudExtensionAttribute1   # where the school records leaving dates (dd/mm/yyyy)
  categories:                    # site roles the rules are scoped on: by OU (and below), group, or name
    staff: {ous: ["OU=Staff,DC=example,DC=local"]}
    pupil: {ous: ["OU=Pupils,DC=example,DC=local"]}
    generic: {groups: ["Generic Accounts"]}
    builtin: {name_pattern: "^(Administrator|Guest|krbtgt)$"}
    laptop: {ous: ["OU=Laptops,DC=example,DC=local"], name_pattern: "^EX-LT-"}
"""


class DirectorySource(Source[DirectorySettings]):
    name = "directory"
    section = "directory"
    model = DirectorySettings
    provides = PROVIDES
    template = TEMPLATE

    def collector(self, config: Settings, context: Context) -> Collector | None:
        if (settings := self.settings(config)) is None:
            return None
        from holyaudit.collectors.ldap.collector import DirectoryCollector

        password = context.password(
            settings.auth,
            "the directory bind user",
            settings.bind_user,
            LDAP_PASSWORD_ENV,
            settings.password_file,
            "directory.password_file",
        )
        return DirectoryCollector(settings, password, context.tls, context.clock, dc_deadline(context))


def dc_deadline(context: Context) -> Deadline:
    """The one deadline of the configured DC, shared by the directory and Group Policy collectors: once a wait
    for it runs out, neither waits for it again (``collectors/ldap/deadline.py``)."""
    from holyaudit.collectors.ldap.deadline import Deadline

    return context.shared("directory.deadline", Deadline)


DIRECTORY = DirectorySource()
