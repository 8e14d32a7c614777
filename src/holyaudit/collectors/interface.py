"""The interface every collector implements."""

from __future__ import annotations

from abc import ABC, abstractmethod

from holyaudit.facts import FactSet


class Collector(ABC):
    """Reads one source and returns its fact sets.

    A source that cannot be reached at all raises a subclass of ``holyaudit.errors.CollectorError`` (chained
    with ``from``); a single object that cannot be read is kept, with the reason in its ``error`` or
    ``unreadable`` fields, never dropped.
    """

    name: str

    @abstractmethod
    def collect(self, fact_sets: frozenset[str]) -> list[FactSet]:
        """Collect the named fact sets (only those the selected rules read)."""
