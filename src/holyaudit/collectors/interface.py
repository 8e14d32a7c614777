"""The interface every collector implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping

from holyaudit.facts import FactSet


class Collector(ABC):
    """Reads one source and returns its fact sets.

    A source that cannot be reached at all raises a subclass of ``holyaudit.errors.CollectorError`` (chained
    with ``from``); a single object that cannot be read is kept, with the reason in its ``error`` or
    ``unreadable`` fields, never dropped.
    """

    name: str

    def inputs_for(self, needs: Mapping[str, frozenset[str]]) -> Mapping[str, frozenset[str]]:
        """The fact sets (and fields) this collector reads from collectors that run before it, to provide
        ``needs``. None by default."""
        return {}

    @abstractmethod
    def collect(
        self, needs: Mapping[str, frozenset[str]], inputs: Mapping[str, FactSet] | None = None
    ) -> list[FactSet]:
        """Collect the named fact sets, reading at least the named fields of each (what the rules read).

        Fields that were not asked for may be left at their defaults: nothing reads them. ``inputs`` holds the
        fact sets named by ``inputs_for``, as collected earlier in the same scan.
        """
