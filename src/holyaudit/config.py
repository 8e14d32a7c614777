"""The site's config file: facts about this school's network that are not policy (those live in profiles).

Validated strictly (unknown keys are errors with file and line). Secrets never live here: they come from
the environment, files or the keyring. Environment variables override file values:

- ``HOLYAUDIT_CONFIG``: config file used when ``--config`` is not given
- ``HOLYAUDIT_TIMEZONE``: overrides ``site.timezone``
- ``HOLYAUDIT_PROFILE``: overrides ``profile``
- ``HOLYAUDIT_WAIVERS``: overrides ``waivers``
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from holyaudit.engine.loader import DEFAULT_PROFILE, find_profile
from holyaudit.errors import InvalidInputError, Problem
from holyaudit.yamlfile import PosDict, load_yaml, problem_at, problems_from_validation

DEFAULT_TIMEZONE = "Europe/London"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteSettings(_Strict):
    name: str = "unnamed site"
    timezone: str | None = Field(default=None, description=f"IANA zone; default a snapshot's, else {DEFAULT_TIMEZONE}.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone(value)
        return value


class Selector(_Strict):
    """Which directory objects belong to a category: any OU (the object's DN ends with it), any group (by name,
    nested membership included), or a name pattern (regular expression on sAMAccountName / computer name)."""

    ous: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    name_pattern: str | None = None


class LeavingDate(_Strict):
    attribute: str = Field(description="User attribute holding the leaving date, e.g. msDS-cloudExtensionAttribute1.")
    formats: list[str] = Field(
        default_factory=lambda: ["%d/%m/%Y", "%Y-%m-%d"], description="strptime formats tried in order."
    )


class DirectorySettings(_Strict):
    """How to reach Active Directory over LDAP. The password never lives here (see docs/configuration.md)."""

    server: str = Field(description="DC host name or address (its certificate must name it).")
    port: int | None = Field(default=None, description="Default 636 for ldaps, 389 for starttls and plain.")
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
    allow_insecure_plaintext: bool = Field(
        default=False, description="Allow a password over unencrypted LDAP (transport: plain). Never on a real network."
    )
    leaving_date: LeavingDate | None = None
    categories: dict[str, Selector] = Field(
        default_factory=dict, description="Site roles (staff, pupil, generic, builtin, laptop) by OU, group or name."
    )


class MisSettings(_Strict):
    """A CSV export of leavers from the school's MIS, a second source of leaving dates."""

    leavers_csv: Path
    username_column: str = "Username"
    leaving_date_column: str = "Leaving Date"
    match_on: Literal["sAMAccountName", "userPrincipalName", "employeeID"] = "sAMAccountName"
    date_formats: list[str] = Field(default_factory=lambda: ["%d/%m/%Y"])


class EndpointSettings(_Strict):
    """How to reach Windows machines over WinRM, and which ones. The password never lives here."""

    transport: Literal["https", "http"] = Field(
        default="https",
        description="https (5986) validates the machine's certificate; http (5985) needs NTLM or "
        "Kerberos, which encrypt every message.",
    )
    port: int | None = Field(default=None, ge=1, le=65535, description="Default 5986 for https, 5985 for http.")
    auth: Literal["ntlm", "basic", "kerberos"] = "ntlm"
    user: str | None = Field(default=None, description="DOMAIN\\user or UPN; not used with kerberos.")
    password_file: Path | None = Field(default=None, description="File holding the password (mode 0600).")
    ca_file: Path | None = Field(default=None, description="CA bundle that signed the machines' WinRM certificates.")
    from_directory: bool = Field(default=True, description="Audit the directory's enabled computer accounts.")
    categories: list[str] = Field(
        default_factory=list,
        description="Only directory computers in one of these directory.categories (e.g. laptop). Default: all.",
    )
    inventory: Path | None = Field(default=None, description="YAML file of further machines (docs/endpoints.md).")
    concurrency: int = Field(default=32, ge=1, le=512)
    deadline_seconds: float = Field(
        default=60, gt=0, le=3600, description="Most seconds spent on one machine (at most 3600)."
    )
    connect_timeout_seconds: float = Field(
        default=10, gt=0, le=600, description="Most seconds to wait to connect to one machine (at most 600)."
    )

    @model_validator(mode="after")
    def _no_basic_in_clear(self) -> EndpointSettings:
        if self.auth == "basic" and self.transport == "http":
            raise ValueError("auth: basic sends the password readably over http; use transport: https, or ntlm")
        if self.auth != "kerberos" and not self.user:
            raise ValueError(f"auth: {self.auth} needs a user (DOMAIN\\user or user@domain)")
        return self


class GpoSettings(_Strict):
    """Reading Group Policy from SYSVOL over SMB (docs/gpo.md): same server and account as the directory."""

    encrypt: bool = Field(default=False, description="Require SMB3 encryption; signing is always required.")
    timeout_seconds: float = Field(
        default=30, gt=0, le=600, description="Most seconds to wait to connect to SYSVOL (at most 600)."
    )
    port: int = Field(default=445, ge=1, le=65535, description="The SMB port of the DC's SYSVOL share.")


class Settings(_Strict):
    site: SiteSettings = SiteSettings()
    directory: DirectorySettings | None = None
    gpo: GpoSettings = Field(
        default_factory=GpoSettings, description="Used whenever a directory is configured and GPO rules run."
    )
    endpoints: EndpointSettings | None = None
    mis: MisSettings | None = None
    profile: str = Field(default=DEFAULT_PROFILE, description="Built-in profile name or profile file path.")
    rules: list[Path] = Field(default_factory=list, description="Extra rule folders, relative to this file.")
    waivers: Path | None = Field(default=None, description="Waivers file (docs/waivers.md), relative to this file.")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Europe/London)") from exc


def load_settings(path: Path | None) -> Settings:
    """The config file (or defaults when there is none), with environment overrides applied."""
    path = path or (Path(os.environ["HOLYAUDIT_CONFIG"]) if os.environ.get("HOLYAUDIT_CONFIG") else None)
    settings = Settings()
    if path is not None:
        data = load_yaml(path)
        if data is None:
            data = PosDict()
        if not isinstance(data, PosDict):
            raise InvalidInputError([Problem(path, 1, 1, "expected a YAML mapping at the top level")])
        try:
            settings = Settings.model_validate(data)
        except ValidationError as exc:
            raise InvalidInputError(problems_from_validation(path, data, exc)) from exc
        base = path.parent
        rules = [r if r.is_absolute() else base / r for r in settings.rules]
        profile = settings.profile
        if profile.endswith((".yaml", ".yml")) and not Path(profile).is_absolute():
            profile = str(base / profile)
        # Checked here, not when used, so the error can point at the line of this file that names them.
        problems = [
            problem_at(path, data, f"rules: folder '{folder}' does not exist", ("rules", index))
            for index, folder in enumerate(rules)
            if not folder.is_dir()
        ]
        if "profile" in data and (missing := _missing_profile(profile)):
            problems.append(problem_at(path, data, f"profile: {missing}", ("profile",)))
        waivers = (
            base / settings.waivers if settings.waivers and not settings.waivers.is_absolute() else settings.waivers
        )
        if waivers is not None and not waivers.is_file():
            problems.append(problem_at(path, data, f"waivers: file '{waivers}' does not exist", ("waivers",)))
        problems.extend(_endpoint_choice_problems(path, data, settings))
        if problems:
            raise InvalidInputError(problems)
        settings = settings.model_copy(
            update={"rules": rules, "profile": profile, "waivers": waivers, **_files_relative_to(base, settings)}
        )
    return _with_environment(settings)


def _endpoint_choice_problems(path: Path, data: PosDict, settings: Settings) -> list[Problem]:
    """Why ``endpoints`` cannot choose the machines it names from the directory: a category the directory does
    not define would silently select no machines, and with no directory at all there are none to choose from."""
    endpoints = settings.endpoints
    if endpoints is None:
        return []
    if not endpoints.from_directory:
        if endpoints.categories:
            message = (
                "endpoints.categories: these choose among the directory's computers, but from_directory is false; "
                "remove endpoints.categories, or set from_directory: true"
            )
            return [problem_at(path, data, message, ("endpoints", "categories"))]
        return []
    if (directory := settings.directory) is None:
        if endpoints.categories:
            message = (
                "endpoints.categories: these choose among the directory's computers, but no directory section is "
                "configured; add one (with its categories), or remove endpoints.categories"
            )
            return [problem_at(path, data, message, ("endpoints", "categories"))]
        if endpoints.inventory is None:
            message = (
                "endpoints.from_directory: no directory section is configured, so there are no computer accounts "
                "to audit; add a directory section, or set from_directory: false and name an inventory file"
            )
            where = ("endpoints", "from_directory") if "from_directory" in data["endpoints"] else ("endpoints",)
            return [problem_at(path, data, message, where)]
        return []
    known = ", ".join(directory.categories) or "no categories"
    return [
        problem_at(
            path,
            data,
            f"endpoints.categories: unknown category {name!r}: directory.categories has: {known}",
            ("endpoints", "categories", index),
        )
        for index, name in enumerate(endpoints.categories)
        if name not in directory.categories
    ]


def _files_relative_to(base: Path, settings: Settings) -> dict[str, object]:
    """The config's file paths (CA, password file, MIS export) taken relative to the config file's folder."""

    def anchored(path: Path | None) -> Path | None:
        return base / path if path is not None and not path.is_absolute() else path

    update: dict[str, object] = {}
    if (directory := settings.directory) is not None:
        update["directory"] = directory.model_copy(
            update={"ca_file": anchored(directory.ca_file), "password_file": anchored(directory.password_file)}
        )
    if (endpoints := settings.endpoints) is not None:
        update["endpoints"] = endpoints.model_copy(
            update={
                "ca_file": anchored(endpoints.ca_file),
                "password_file": anchored(endpoints.password_file),
                "inventory": anchored(endpoints.inventory),
            }
        )
    if (mis := settings.mis) is not None:
        update["mis"] = mis.model_copy(update={"leavers_csv": anchored(mis.leavers_csv)})
    return update


def _missing_profile(name_or_path: str) -> str | None:
    """Why the profile cannot be found, or None when it can."""
    try:
        found = find_profile(name_or_path)
    except InvalidInputError as exc:
        return "; ".join(problem.message for problem in exc.problems)
    return None if found.is_file() else f"profile file {found} does not exist"


def _with_environment(settings: Settings) -> Settings:
    if tz_name := os.environ.get("HOLYAUDIT_TIMEZONE"):
        try:
            zone(tz_name)
        except ValueError as exc:
            raise InvalidInputError([Problem(None, None, None, f"HOLYAUDIT_TIMEZONE: {exc}")]) from exc
        settings = settings.model_copy(update={"site": settings.site.model_copy(update={"timezone": tz_name})})
    if profile := os.environ.get("HOLYAUDIT_PROFILE"):
        settings = settings.model_copy(update={"profile": profile})
    if waivers := os.environ.get("HOLYAUDIT_WAIVERS"):
        settings = settings.model_copy(update={"waivers": Path(waivers)})
    return settings
