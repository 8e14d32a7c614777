"""Windows endpoints as a source: the ``endpoints`` config section, the fact set it fills, and its check."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal, Self

from pydantic import Field, model_validator

from holyaudit.collectors.interface import Collector, Context, Source
from holyaudit.collectors.ldap.source import DIRECTORY
from holyaudit.collectors.winrm.backup_evidence import BackupEvidence
from holyaudit.sections import Loc, Port, Section, anchored, ca_file_problem

if TYPE_CHECKING:
    from holyaudit.config import Settings

WINRM_PASSWORD_ENV = "HOLYAUDIT_WINRM_PASSWORD"  # noqa: S105 - the variable's name, not a password


class EndpointSettings(Section):
    """Which Windows machines to audit, and how to learn about them: over WinRM, from the facts files they write
    (``facts_dir``), or both. The password never lives here."""

    winrm: bool = Field(default=True, description="Ask the machines over WinRM; false: read only facts_dir.")
    facts_dir: Path | None = Field(
        default=None,
        description="Folder of <COMPUTERNAME>.json files the endpoint script writes (docs/endpoints.md); used for "
        "every machine WinRM does not reach.",
    )
    facts_max_age_days: int = Field(
        default=7, ge=1, le=366, description="A facts file older than this many days is an error for its machine."
    )

    transport: Literal["https", "http"] = Field(
        default="https",
        description="https (5986) validates the machine's certificate; http (5985) needs NTLM or "
        "Kerberos, which encrypt every message.",
    )
    port: Port | None = Field(default=None, description="Default 5986 for https, 5985 for http.")
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
    backup_evidence: list[BackupEvidence] = Field(
        default_factory=list,
        max_length=32,
        description="Backup evidence for servers another product backs up (server-backups-recent): the first "
        "declaration that applies to a machine judges it; Windows Server Backup judges any other machine.",
    )

    @model_validator(mode="after")
    def _no_basic_in_clear(self) -> EndpointSettings:
        if not self.winrm:  # only facts files: from facts_dir, or scan --endpoint-facts
            return self
        if self.auth == "basic" and self.transport == "http":
            raise ValueError("auth: basic sends the password readably over http; use transport: https, or ntlm")
        if self.auth != "kerberos" and not self.user:
            raise ValueError(f"auth: {self.auth} needs a user (DOMAIN\\user or user@domain)")
        return self

    def relative_to(self, base: Path) -> Self:
        return self.model_copy(
            update={
                "ca_file": anchored(base, self.ca_file),
                "password_file": anchored(base, self.password_file),
                "inventory": anchored(base, self.inventory),
                "facts_dir": anchored(base, self.facts_dir),
            }
        )

    def problems(self) -> list[tuple[str, Loc]]:
        problems: list[tuple[str, Loc]] = []
        if self.ca_file is not None and (problem := ca_file_problem(self.ca_file)):
            problems.append((f"endpoints.ca_file: {problem}", ("ca_file",)))
        if self.facts_dir is not None and not self.facts_dir.is_dir():
            problems.append((f"endpoints.facts_dir: folder '{self.facts_dir}' does not exist", ("facts_dir",)))
        return problems

    def with_facts_dir(self, folder: Path) -> EndpointSettings:
        return self.model_copy(update={"facts_dir": folder})


TEMPLATE = """\
# (optional) Windows machines over WinRM, docs/endpoints.md; remove the leading "# " to use it.
# endpoints:
#   transport: https             # https (5986, certificate checked) | http (5985, NTLM/Kerberos encryption)
#   auth: ntlm                   # ntlm | basic (https only) | kerberos
#   user: EXAMPLE\\svc-holyaudit
#   # ca_file: school-ca.pem     # the CA that signed the machines' certificates (default: the system's)
#   from_directory: true         # the directory's enabled computers
#   categories: []               # only these directory categories, e.g. [laptop]; [] = every computer
#   concurrency: 32
#   deadline_seconds: 60
#   # facts_dir: //server/holyaudit-facts   # files the endpoint script writes, for machines WinRM cannot reach
#   # facts_max_age_days: 7
#   # winrm: false               # read only facts_dir (no user or password needed)
#   # backup_evidence:           # servers another product backs up (docs/endpoints.md#backup-evidence)
#   #   - name: Veeam Agent
#   #     task: '\\Veeam\\Nightly backup'      # or file: 'D:\\Backup\\last-success.txt'
#   #     hosts: ['^HW-SRV-0[12]$']           # and/or categories: [server]; neither: every machine
"""


class EndpointSource(Source[EndpointSettings]):
    name = "endpoints"
    section = "endpoints"
    model = EndpointSettings
    provides = frozenset({"endpoints.hosts"})
    template = TEMPLATE

    def problems(self, config: Settings) -> list[tuple[str, Loc]]:
        """Why the section cannot choose the machines it names from the directory: a category the directory does
        not define would silently select no machines, and with no directory at all there are none to choose."""
        endpoints = self.settings(config)
        if endpoints is None:
            return []
        if not endpoints.from_directory:
            if endpoints.categories:
                message = (
                    "endpoints.categories: these choose among the directory's computers, but from_directory is "
                    "false; remove endpoints.categories, or set from_directory: true"
                )
                return [(message, ("endpoints", "categories"))]
            return []
        if (directory := DIRECTORY.settings(config)) is None:
            if endpoints.categories:
                message = (
                    "endpoints.categories: these choose among the directory's computers, but no directory section "
                    "is configured; add one (with its categories), or remove endpoints.categories"
                )
                return [(message, ("endpoints", "categories"))]
            if endpoints.inventory is None:
                message = (
                    "endpoints.from_directory: no directory section is configured, so there are no computer "
                    "accounts to audit; add a directory section, or set from_directory: false and name an "
                    "inventory file"
                )
                return [(message, ("endpoints", "from_directory"))]
            return []
        known = ", ".join(directory.categories) or "no categories"
        return [
            (
                f"endpoints.categories: unknown category {name!r}: directory.categories has: {known}",
                ("endpoints", "categories", index),
            )
            for index, name in enumerate(endpoints.categories)
            if name not in directory.categories
        ]

    def load_files(self, config: Settings) -> None:
        if (endpoints := self.settings(config)) is not None and endpoints.inventory is not None:
            from holyaudit.collectors.winrm.targets import read_inventory

            read_inventory(endpoints.inventory)

    def collector(self, config: Settings, context: Context) -> Collector | None:
        if (settings := self.settings(config)) is None:
            return None
        # Imported only when configured: pywinrm brings requests, cryptography and pyspnego, a large share of start-up.
        from holyaudit.collectors.winrm.collector import EndpointCollector

        password = None
        if settings.winrm:
            password = context.password(
                settings.auth,
                "the WinRM user",
                settings.user,
                WINRM_PASSWORD_ENV,
                settings.password_file,
                "endpoints.password_file",
            )
        collector = EndpointCollector(
            settings, password, context.timezone, context.clock, verify_tls=context.tls.verify, sample=context.sample
        )
        if settings.winrm:
            collector.check_prerequisites()
        return collector


def with_endpoint_facts(config: Settings, folder: Path) -> Settings:
    """The settings with ``scan --endpoint-facts``: the endpoints section reads this folder of facts files; with no
    endpoints section, one that reads only the files, for the directory's enabled computers."""
    current = ENDPOINTS.settings(config)
    section = current.with_facts_dir(folder) if current is not None else EndpointSettings(winrm=False, facts_dir=folder)
    return config.model_copy(update={ENDPOINTS.section: section})


ENDPOINTS = EndpointSource()
