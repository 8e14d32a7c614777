"""How a visit to one machine ended. Kept apart from ``session.py`` so that reading it does not import pywinrm."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from holyaudit.collectors.winrm.interpret import ProbeOutputError

TIMED_OUT_REASON = "no complete answer before the deadline"


class Reach(enum.StrEnum):
    """How a conversation with one machine ended."""

    REACHED = "reached"
    UNREACHABLE = "unreachable"
    AUTH_FAILED = "auth failed"
    TIMED_OUT = "timed out"
    ERROR = "error"


@dataclass
class Outcome:
    """What one conversation produced: each probe's parsed output (or why it is unusable), and how it ended."""

    reach: Reach = Reach.REACHED
    reason: str | None = None
    outputs: dict[str, Any | ProbeOutputError] = field(default_factory=dict)
