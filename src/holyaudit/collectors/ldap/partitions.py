"""Reading one large object class over several connections at once, each connection a disjoint part.

A domain controller answers a paged search one page at a time on one connection, and most of its work is per
entry (Samba looks every entry of a page up again by its GUID). On a DC with more than one core, the same
entries read as N disjoint searches on N connections arrive in a fraction of the time.

The parts are cut by the last character of the account name (``sAMAccountName``), with final-substring
filters that Windows and Samba both evaluate (RFC 4515 ``(sAMAccountName=*7)``): the last character of
school account names (``pupil.05575``, ``smith.j``, ``19jsmith``) is spread evenly enough over digits and
letters for equal parts. Each character 0-9 and a-z belongs to exactly one of the first N-1 parts; the last
part is the complement of their union (``(!(|...))``), so an account ending in anything else, or with no
account name at all, is still read exactly once. Matching is case-insensitive on both kinds of server.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeAlias

import ldap3

from holyaudit.collectors.ldap.connection import DcSilent, DirectoryError, Entry, close, paged_pages

PARTITION_ATTRIBUTE = "sAMAccountName"
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def partition_filters(search_filter: str, parts: int, attribute: str = PARTITION_ATTRIBUTE) -> list[str]:
    """``search_filter`` cut into ``parts`` filters that together match each of its entries exactly once."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    if parts == 1:
        return [search_filter]
    buckets = [[c for i, c in enumerate(_ALPHABET) if i % parts == k] for k in range(parts - 1)]

    def any_of(chars: list[str]) -> str:
        return "(|" + "".join(f"({attribute}=*{c})" for c in chars) + ")"

    every = [c for bucket in buckets for c in bucket]
    return [f"(&{search_filter}{any_of(bucket)})" for bucket in buckets] + [f"(&{search_filter}(!{any_of(every)}))"]


PAGES_AHEAD = 2
"""Pages each part may read ahead of the caller: enough that a part asks for its next page while the caller
works through the last, so the DC is not kept waiting while the caller keeps up."""

Page: TypeAlias = tuple[int, list[Entry]]
"""The part a page belongs to, and its entries."""
_Item: TypeAlias = "Page | BaseException | int"


class PartitionedSearch:
    """Every entry matching ``search_filter``, read as ``parts`` disjoint searches at once.

    Entering the block starts one reader thread per part, each on its own connection from ``open_connection``
    (opened in that thread, unbound when its part is read), so the DC starts answering at once while the caller
    goes on with other work on other connections::

        with PartitionedSearch(open_connection, base, search_filter, attributes, page_size, parts) as search:
            ...  # the DC works out the parts' results meanwhile
            for part, page in search:
                ...

    ``base`` may be a function that finds the base on a part's connection (the directory's naming context from
    its rootDSE, say), so the search need not wait for another connection to learn it.

    Each part connects once the part before has sent its search, and ``wait_sent`` waits for the last: a
    connection made then goes to a server process that is free. Samba's LDAP server is a few single-threaded
    processes (prefork, 4 by default), and one working out a part's result does not take new connections; two
    parts connected at the same moment often landed on one process, which then answered them a page at a time
    in turn, on one core. A part that fails before
    sending lets the next one connect all the same. On Windows, whose LDAP server is one process of many
    threads, it costs each part one connection's set-up.

    Pages come as they arrive, tagged with their part, so the caller can keep each part's entries in server
    order; a part reads at most ``PAGES_AHEAD`` pages ahead of the caller, then waits. The first error from any
    reader (a connection that cannot be opened, a failed search) is raised by the iteration once every reader has
    stopped. Leaving the block stops the readers and waits for each to finish its page and close its connection
    (taking what they still hand over, so none waits for room), except on Ctrl-C: the readers are daemon threads,
    and one blocked on the network must not hold the scan up to its timeout.
    """

    def __init__(
        self,
        open_connection: Callable[[], ldap3.Connection],
        base: str | Callable[[ldap3.Connection], str],
        search_filter: str,
        attributes: list[str],
        page_size: int,
        parts: int,
    ) -> None:
        self._open = open_connection
        self._base, self._filter, self._attributes, self._page_size = base, search_filter, attributes, page_size
        self._filters = partition_filters(search_filter, parts)
        self.base = base if isinstance(base, str) else None
        """The base searched: given, or as found by the first part to connect."""
        # Bounded: readers that get ahead of the caller wait, and with them the DC, rather than hold the pages. A DC
        # with cores of its own can send a large school's pages faster than the scan judges them, and unbounded,
        # every page not yet judged would be held at once.
        self._arrived: queue.Queue[_Item] = queue.Queue(maxsize=PAGES_AHEAD * len(self._filters))
        self._sent = [threading.Event() for _ in self._filters]
        self._stop = threading.Event()
        self._readers: list[threading.Thread] = []
        self._running = 0
        self._failure: BaseException | None = None

    def __enter__(self) -> PartitionedSearch:
        self._readers = [
            threading.Thread(target=self._read, args=(part, f), name=f"holyaudit-ldap-part-{part}", daemon=True)
            for part, f in enumerate(self._filters)
        ]
        for reader in self._readers:
            reader.start()
            self._running += 1
        return self

    def wait_sent(self) -> None:
        """Wait until every part has sent its search (or has failed before it could)."""
        for sent in self._sent:
            sent.wait()

    def _read(self, part: int, part_filter: str) -> None:
        arrived = self._arrived
        try:
            if part:  # connected once the part before has sent its search (the class's docstring says why)
                self._sent[part - 1].wait()
            connection = self._open()
            try:
                base = self._base if isinstance(self._base, str) else self._base(connection)
                self.base = base
                sent = self._sent[part].set
                # Iterated in place, so a reader that stops early closes the search before it unbinds.
                for page in paged_pages(connection, base, part_filter, self._attributes, self._page_size, sent):
                    if self._stop.is_set():
                        break
                    arrived.put((part, page))
            finally:
                close(connection)
        except DcSilent as exc:  # said of the DC, not of this part
            arrived.put(exc)
        except DirectoryError as exc:  # said of the whole search, not of one part's long filter
            whole = f"{self._filter} (part {part + 1} of {len(self._filters)})" if len(self._filters) > 1 else None
            arrived.put(DirectoryError(str(exc).replace(part_filter, whole)) if whole else exc)
        except BaseException as exc:  # handed to the caller's thread, which raises it
            arrived.put(exc)
        finally:
            self._sent[part].set()  # the next part connects even if this one never sent its search
            arrived.put(part)  # this reader is done

    def __iter__(self) -> Iterator[Page]:
        while self._running:
            item = self._arrived.get()
            if isinstance(item, int):
                self._running -= 1
            elif isinstance(item, BaseException):
                self._failure = self._failure or item
                self._stop.set()
            elif self._failure is None:
                yield item
        if self._failure is not None:
            raise self._failure

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._stop.set()
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            return  # Ctrl-C: do not wait up to a timeout for readers blocked on the network
        while self._running:  # let every reader finish its page and close its connection
            if isinstance(self._arrived.get(), int):
                self._running -= 1
        for reader in self._readers:
            reader.join()
