"""The interface every collector implements, and how a running collector reports its progress."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Protocol, TypeAlias, TypeVar

from holyaudit.facts import FactRecord, FactSet

T = TypeVar("T")

RecordSink: TypeAlias = Callable[[str, Sequence[FactRecord]], None]
"""Takes records of the named fact set as soon as a collector has made them, before the set is complete: a scan
judges them while the rest still arrives (``engine.evaluate.Evaluation.feed``). Called from the collector's
thread. Only what the collector finally returns counts: a record handed on that is not in its returned fact set
(because the set failed, say) is never reported."""


class Progress(Protocol):
    """Where collection reports how far it has got (the CLI shows it on a terminal). Called from one thread."""

    def show(
        self, collector: str, counts: Mapping[str, int], *, done: int | None = None, total: int | None = None
    ) -> None:
        """The collector's counts so far, in the order to show them (``{"users": 10024}``), and ``done`` of
        ``total`` when it knows how much there is to do."""

    def finished(self, collector: str, counts: Mapping[str, int], error: str | None = None) -> None:
        """The collector has returned: ``counts`` are records per fact set, shown if it reported none as it went;
        ``error`` is why it could not collect."""


class Tally:
    """A collector's running counts, reported to ``progress`` each time one changes (nothing without one)."""

    def __init__(self, collector: str, progress: Progress | None) -> None:
        self.collector = collector
        self.progress = progress
        self.counts: dict[str, int] = {}

    def add(self, label: str, n: int = 1) -> None:
        self.counts[label] = self.counts.get(label, 0) + n
        if self.progress is not None:
            self.progress.show(self.collector, dict(self.counts))

    def each(self, label: str, items: Iterable[T]) -> Iterator[T]:
        """``items``, counting each under ``label`` as the caller takes it."""
        for item in items:
            self.add(label)
            yield item


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
        self,
        needs: Mapping[str, frozenset[str]],
        inputs: Mapping[str, FactSet] | None = None,
        progress: Progress | None = None,
        early: RecordSink | None = None,
    ) -> list[FactSet]:
        """Collect the named fact sets, reading at least the named fields of each (what the rules read).

        Fields that were not asked for may be left at their defaults: nothing reads them. ``inputs`` holds the
        fact sets named by ``inputs_for``, as collected earlier in the same scan. A collector that can count as it
        goes tells ``progress`` under its ``name``; one that makes records batch by batch may hand each batch to
        ``early`` as soon as it is made (the very objects it returns at the end).
        """
