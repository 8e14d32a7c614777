"""A WinRM endpoint simulator: fake Windows machines that answer holyaudit's probes over real WS-Management.

Use :class:`Fleet` from tests, or ``python -m holyaudit.winrm_sim`` to serve an estate file or the demo.
"""

from holyaudit.winrm_sim.auth import Account, AuthMode, read_users_file
from holyaudit.winrm_sim.faults import Fault, FaultKind
from holyaudit.winrm_sim.fleet import Fleet, RunningHost, SimHost
from holyaudit.winrm_sim.machine import Machine
from holyaudit.winrm_sim.shell import COMMAND_LINE_LIMIT, ReceivedCommand

__all__ = [
    "COMMAND_LINE_LIMIT",
    "Account",
    "AuthMode",
    "Fault",
    "FaultKind",
    "Fleet",
    "Machine",
    "ReceivedCommand",
    "RunningHost",
    "SimHost",
    "read_users_file",
]
