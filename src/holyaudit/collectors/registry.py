"""Every source holyaudit can collect from, keyed by its config section, in the order their collectors run
(each may read what the ones before it collected: Group Policy reads the directory's users and computers, the
endpoints read both). A new collector is one package with its ``Source`` (``collectors/interface.py``),
whose config model sits beside it, and one line here."""

from __future__ import annotations

from typing import Any

from holyaudit.collectors.gpo.source import GPO
from holyaudit.collectors.interface import Source
from holyaudit.collectors.ldap.source import DIRECTORY
from holyaudit.collectors.mis_source import MIS
from holyaudit.collectors.winrm.source import ENDPOINTS

SOURCES: tuple[Source[Any], ...] = (DIRECTORY, GPO, ENDPOINTS, MIS)
