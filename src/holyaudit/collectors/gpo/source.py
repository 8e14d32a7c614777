"""Group Policy as a source: its ``gpo`` config section (same DC and account as the directory), the fact set
it fills, and its check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from holyaudit.collectors.interface import Collector, Context, Source
from holyaudit.collectors.ldap.source import DIRECTORY, LDAP_PASSWORD_ENV, dc_deadline
from holyaudit.sections import Port, Section

if TYPE_CHECKING:
    from holyaudit.config import Settings


class GpoSettings(Section):
    """Reading Group Policy from SYSVOL over SMB (docs/gpo.md): same server and account as the directory."""

    encrypt: bool = Field(default=False, description="Require SMB3 encryption; signing is always required.")
    timeout_seconds: float = Field(
        default=30, gt=0, le=600, description="Most seconds to wait for SYSVOL to connect or to answer (at most 600)."
    )
    port: Port = Field(default=445, description="The SMB port of the DC's SYSVOL share.")
    bitlocker_started_by: Literal["intune", "configmgr", "script"] | None = Field(
        default=None,
        description="What turns BitLocker on for laptops when Group Policy only configures it (docs/gpo.md); "
        "gpo-bitlocker-laptops then leaves the judgement to laptop-encryption.",
    )


class GpoSource(Source[GpoSettings]):
    name = "gpo"
    section = "gpo"
    model = GpoSettings
    provides = frozenset({"gpo.ous", "gpo.sysvol_files"})
    always = True

    def collector(self, config: Settings, context: Context) -> Collector | None:
        """Used whenever a directory is configured: the same DC and account, LDAP for links and SYSVOL over SMB
        for the files. It runs after the directory collector, whose users, computers and domain object it reads."""
        directory, settings = DIRECTORY.settings(config), self.settings(config)
        if directory is None or settings is None:
            return None
        from holyaudit.collectors.gpo.collector import GpoCollector

        password = context.password(
            directory.auth,
            "the directory bind user",
            directory.bind_user,
            LDAP_PASSWORD_ENV,
            directory.password_file,
            "directory.password_file",
        )
        return GpoCollector(directory, settings, password, context.tls, context.clock, dc_deadline(context))


GPO = GpoSource()
