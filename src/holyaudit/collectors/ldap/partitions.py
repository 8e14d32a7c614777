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

from holyaudit.collectors.ldap.connection import DirectoryError, Entry, paged_pages

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


Page: TypeAlias = tuple[int, list[Entry]]
"""The part a page belongs to, and its entries."""
_Item: TypeAlias = "Page | BaseException | int"


def partitioned_search(
    first: ldap3.Connection,
    open_more: Callable[[], ldap3.Connection],
    base: str,
    search_filter: str,
    attributes: list[str],
    page_size: int,
    parts: int,
) -> Iterator[Page]:
    """Pages of every entry matching ``search_filter``, read as ``parts`` disjoint searches at once.

    Part 0 is read on ``first``; every other part on its own connection from ``open_more``, opened in its
    reader's thread and unbound when the part is read. Pages are handed on as they arrive, tagged with their
    part, so the caller can keep each part's entries in server order. The first error from any reader (a
    connection that cannot be opened, a failed search) is raised here once every reader has stopped; an
    abandoned iteration also waits for them. Only Ctrl-C does not: the readers are daemon threads.
    """
    filters = partition_filters(search_filter, parts)
    if len(filters) == 1:
        for page in paged_pages(first, base, search_filter, attributes, page_size):
            yield 0, page
        return
    arrived: queue.SimpleQueue[_Item] = queue.SimpleQueue()
    stop = threading.Event()

    def read(part: int, part_filter: str) -> None:
        try:
            connection = first if part == 0 else open_more()
            try:
                for page in paged_pages(connection, base, part_filter, attributes, page_size):
                    if stop.is_set():
                        break
                    arrived.put((part, page))
            finally:
                if part != 0:
                    connection.unbind()
        except DirectoryError as exc:  # said of the whole search, not of one part's long filter
            arrived.put(DirectoryError(str(exc).replace(part_filter, f"{search_filter} (part {part + 1} of {parts})")))
        except BaseException as exc:  # handed to the caller's thread, which raises it
            arrived.put(exc)
        finally:
            arrived.put(part)  # this reader is done

    readers = [
        threading.Thread(target=read, args=(part, f), name=f"holyaudit-ldap-part-{part}", daemon=True)
        for part, f in enumerate(filters)
    ]
    for reader in readers:
        reader.start()
    running = len(readers)
    failure: BaseException | None = None
    interrupted = False
    try:
        while running:
            item = arrived.get()
            if isinstance(item, int):
                running -= 1
            elif isinstance(item, BaseException):
                failure = failure or item
                stop.set()
            elif failure is None:
                yield item
    except KeyboardInterrupt:  # Ctrl-C: do not wait up to a timeout for readers blocked on the network
        interrupted = True
        raise
    finally:
        stop.set()
        while running and not interrupted:  # let every reader finish its page and close its connection
            if isinstance(arrived.get(), int):
                running -= 1
        for reader in readers if not interrupted else ():
            reader.join()
    if failure is not None:
        raise failure
