"""``config check``: can each configured source be reached and read? Read-only, like a scan.

Each source the config enables gives one line, in the registry's order (``collectors/registry.py``), from its
``Source.check``: the directory (bind, and read the domain object's password settings), Group Policy whenever a
directory is configured (the GPOs and their links over LDAP, and the applied GPOs' files from SYSVOL over SMB,
as a scan reads them), the endpoints (how many machines a scan would visit, and a sample of them reached: a
remote shell opened and deleted, no command run), and the MIS export (read and parsed). A missing secret is that
source's failure, so every other source is still checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from holyaudit.collectors.interface import Check, Context, TlsPolicy
from holyaudit.collectors.registry import SOURCES
from holyaudit.config import DEFAULT_TIMEZONE, Settings, zone


def check_sources(settings: Settings, tls: TlsPolicy, clock: Callable[[], dt.datetime], sample: int = 3) -> list[Check]:
    context = Context(tls, clock, zone(settings.site.timezone or DEFAULT_TIMEZONE), sample)
    checks = []
    for index, source in enumerate(SOURCES):
        if (line := source.check(settings, context, SOURCES[:index])) is not None:
            checks.append(line)
    return checks
