"""The interface every collector implements: the ``Source`` the registry (``collectors/registry.py``) holds,
keyed by its config section, which builds its ``Collector`` and checks it; and how a running collector reports
its progress."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeAlias, TypeVar, cast
from zoneinfo import ZoneInfo

from pydantic import Field

from holyaudit.collectors.credentials import Secret, SecretSource, find_secret
from holyaudit.errors import HolyauditError
from holyaudit.facts import FactRecord, FactSet
from holyaudit.sections import Loc, Section

if TYPE_CHECKING:
    from holyaudit.config import Settings

T = TypeVar("T")
S = TypeVar("S", bound=Section)
_Shared = TypeVar("_Shared")

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


@dataclass(frozen=True)
class TlsPolicy:
    verify: bool = True


@dataclass(frozen=True)
class Check:
    """One line of ``config check``: whether a source could be reached and read, and what was found."""

    source: str
    ok: bool
    detail: str


@dataclass
class Context:
    """What building collectors takes besides the config. Each password is looked up once, however many
    collectors use the account (the Group Policy collector reads with the directory's), and so is a failure."""

    tls: TlsPolicy
    clock: Callable[[], dt.datetime]
    timezone: ZoneInfo
    sample: int = 3
    """Machines ``config check`` tries to reach."""
    _secrets: dict[tuple[object, ...], Secret | HolyauditError] = field(default_factory=dict, repr=False)
    _shared: dict[str, object] = field(default_factory=dict, repr=False)

    def shared(self, key: str, make: Callable[[], _Shared]) -> _Shared:
        """One object per ``key`` for every collector built with this context: collectors that talk to the same
        server share what they know of it (the directory and Group Policy collectors, one DC's deadline)."""
        if key not in self._shared:
            self._shared[key] = make()
        return cast("_Shared", self._shared[key])

    def password(
        self,
        auth: str,
        purpose: str,
        user: str | None,
        env_var: str,
        password_file: Path | None,
        file_key: str = "password_file",
    ) -> Secret | None:
        """The password for a source's account, or None with Kerberos (the current ticket is used instead);
        ``file_key`` is the config key that named ``password_file``."""
        if auth == "kerberos":
            return None
        key = (purpose, user, env_var, password_file)
        if key not in self._secrets:
            try:
                self._secrets[key] = find_secret(
                    SecretSource(
                        f"{purpose} {user or ''}".rstrip(), env_var, password_file, file_key, keyring_user=user
                    )
                )
            except HolyauditError as exc:
                self._secrets[key] = exc
        found = self._secrets[key]
        if isinstance(found, HolyauditError):
            raise found
        return found


class Collector(ABC):
    """Reads one source and returns its fact sets.

    A source that cannot be reached at all raises a subclass of ``holyaudit.errors.CollectorError`` (chained
    with ``from``); a single object that cannot be read is kept, with the reason in its ``error`` or
    ``unreadable`` fields, never dropped.
    """

    name: str

    def source(self) -> str:
        """Where it reads from, as shown with its fact sets (``ldaps://dc1:636``)."""
        return self.name

    def check_inputs(self) -> Mapping[str, frozenset[str]]:
        """The fact sets (and fields) ``check`` reads from collectors that run before it. None by default."""
        return {}

    def check(self, inputs: Mapping[str, FactSet]) -> Check:
        """What ``config check`` runs: reach the source and read a little of it, read-only, as a scan would.
        ``inputs`` holds the fact sets ``check_inputs`` names."""
        return Check(self.name, False, "this source has no check")

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


class Source(ABC, Generic[S]):
    """A kind of collector as the rest of holyaudit knows it, registered (``collectors/registry.py``) by its config
    section: the section's model, the fact sets it fills, its block in the config template, and how its collector
    is built and checked. Holds no I/O itself, and imports its collector only when one is built, so loading the
    config costs no collector's libraries."""

    name: str
    """The source's name in ``config check`` lines and the progress display."""
    section: str
    """Its key at the top of the config file."""
    model: type[S]
    provides: frozenset[str] = frozenset()
    """The fact sets its collector fills (keys of ``facts.FACT_SETS``)."""
    always: bool = False
    """The section has its defaults even when the file leaves it out."""
    template: str = ""
    """Its block in the config ``holyaudit init`` writes: commented YAML, or nothing."""

    def settings(self, config: Settings) -> S | None:
        """This source's section of ``config``, or None when it is not configured."""
        value = getattr(config, self.section, None)
        return value if isinstance(value, self.model) else None

    def field(self) -> tuple[Any, Any]:
        """The section as a field of the config model: its type and default."""
        if self.always:
            return self.model, Field(default_factory=self.model)
        return self.model | None, None

    def problems(self, config: Settings) -> list[tuple[str, Loc]]:
        """What is wrong with this section given the rest of the config, each with where it sits in the file."""
        return []

    def load_files(self, config: Settings) -> None:
        """Load the input files the section names that a scan loads before contacting anything (raising
        ``InvalidInputError``), so ``config check`` refuses a broken one as a scan would."""

    @abstractmethod
    def collector(self, config: Settings, context: Context) -> Collector | None:
        """The collector, or None when the config does not enable it. Looks up its secrets, contacts nothing."""

    def check(self, config: Settings, context: Context, earlier: Sequence[Source[Any]]) -> Check | None:
        """The ``config check`` line for this source (None when it is not configured): its collector's check,
        given what it reads from the sources ``earlier`` in the registry. A secret that cannot be found, or an
        input that cannot be read, is this source's failure."""
        try:
            collector = self.collector(config, context)
            if collector is None:
                return None
            inputs: dict[str, FactSet] = {}
            wanted = collector.check_inputs()
            for source in earlier:
                asked = {name: fields for name, fields in wanted.items() if name in source.provides}
                if asked and (provider := source.collector(config, context)) is not None:
                    inputs.update((fact_set.name, fact_set) for fact_set in provider.collect(asked))
            if missing := sorted(set(wanted) - set(inputs)):
                return Check(self.name, False, f"needs {', '.join(missing)}, which no configured source provides")
        except HolyauditError as exc:
            return Check(self.name, False, str(exc))
        return collector.check(inputs)
