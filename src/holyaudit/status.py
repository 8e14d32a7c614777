"""A finding's status and a rule's severity: plain enums, so the command line can offer them as choices without
loading the pydantic models (``models.py`` holds everything else a result is made of)."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PASS = "PASS"  # noqa: S105 - a status word, not a password
    FAIL = "FAIL"
    ERROR = "ERROR"
    WAIVED = "WAIVED"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)
