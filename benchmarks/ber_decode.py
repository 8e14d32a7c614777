"""Decoding a paged search's answer: holyaudit's BER decoder against ldap3's, over the same bytes.

Builds, in memory, the bytes a domain controller sends for a paged search of N users (default 10,000) in pages
of 1,000: each user a SearchResultEntry with the ten attributes a scan reads (sAMAccountName, displayName,
userAccountControl, pwdLastSet, lastLogonTimestamp, whenCreated, logonHours of 21 bytes, three to six memberOf
DNs, a replPropertyMetaData blob of 1-2 KB, msDS-cloudExtensionAttribute1), each page ending in a
SearchResultDone carrying the paged-results cookie. The layout is Active Directory's: every constructed element's
length in four octets (0x84), primitive elements' in the shortest form. Before timing, both decoders must give
the same DN, attributes and values for every entry and the same cookie for every page.

Measures, best of --runs:

- baseline: ldap3's path, message by message (already split, which favours it): ``decode_message_fast`` then
  the dictionary the collector's raw-entry strategy builds from it (``RawEntryStrategy.decode_response_fast``
  in ldap3_internals.py, copied here so the figure does not move with that file), or ldap3's own result and control
  decoding for a SearchResultDone;
- ber: ``holyaudit.collectors.ldap.ber.split_messages`` over the stream fed in 16 KB reads, as a socket gives
  them, keeping each read's incomplete remainder, then ``paged_cookie`` for each page.

Both also do the check the collector makes on each entry (a ``;range=`` attribute) and keep every entry, as a
page is kept. Prints the volume decoded, then both times and their ratio twice: with the garbage collector
running (its full collections walk every entry kept so far, the same objects for both paths), and paused, as in
a scan (``cli/process.py``), which leaves that shared cost out. Run: ``python benchmarks/ber_decode.py``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from typing import Any

from ldap3.strategy.base import BaseStrategy
from ldap3.utils.asn1 import decode_message_fast, ldap_result_to_dict_fast
from ldap3.utils.conv import to_unicode

from holyaudit.collectors.ldap.ber import PAGED_RESULTS, SearchDone, SearchEntry, paged_cookie, split_messages

READ_SIZE = 16 * 1024
Entry = tuple[str, dict[str, list[bytes]]]


def tlv(tag: int, content: bytes) -> bytes:
    """One BER element as Active Directory writes it: a constructed one's length always in four octets."""
    if tag & 0x20:
        return bytes([tag, 0x84]) + len(content).to_bytes(4, "big") + content
    if len(content) < 0x80:
        return bytes([tag, len(content)]) + content
    octets = (len(content).bit_length() + 7) // 8
    return bytes([tag, 0x80 | octets]) + len(content).to_bytes(octets, "big") + content


def integer(tag: int, value: int) -> bytes:
    return tlv(tag, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def entry_message(message_id: int, dn: str, attributes: dict[str, list[bytes]]) -> bytes:
    partial = b"".join(
        tlv(0x30, tlv(0x04, name.encode()) + tlv(0x31, b"".join(tlv(0x04, v) for v in values)))
        for name, values in attributes.items()
    )
    return tlv(0x30, integer(0x02, message_id) + tlv(0x64, tlv(0x04, dn.encode()) + tlv(0x30, partial)))


def done_message(message_id: int, cookie: bytes) -> bytes:
    result = integer(0x0A, 0) + tlv(0x04, b"") + tlv(0x04, b"")
    paged = tlv(0x30, integer(0x02, 0) + tlv(0x04, cookie))
    control = tlv(0x30, tlv(0x04, PAGED_RESULTS.encode()) + tlv(0x04, paged))
    return tlv(0x30, integer(0x02, message_id) + tlv(0x65, result) + tlv(0xA0, control))


def user(i: int) -> tuple[str, dict[str, list[bytes]]]:
    year = 7 + i % 7
    groups = [
        f"CN=Year {year} Pupils,OU=Groups,OU=School,DC=holywell,DC=local",
        "CN=All Pupils,OU=Groups,OU=School,DC=holywell,DC=local",
        f"CN=Form {year}{'ABCDEF'[i % 6]},OU=Forms,OU=Groups,OU=School,DC=holywell,DC=local",
    ] + [f"CN=Club {c},OU=Clubs,OU=Groups,OU=School,DC=holywell,DC=local" for c in range(i % 4)]
    metadata_entries = 20 + i % 20  # 16-byte header and 48 bytes per replicated attribute: 976-1,888 bytes
    metadata = bytes((i * 7 + k * 13) & 0xFF for k in range(16 + 48 * metadata_entries))
    filetime = str(133_500_000_000_000_000 + i * 1_000_003).encode()
    attributes = {
        "sAMAccountName": [f"pupil{i:05d}".encode()],
        "displayName": [f"Pupil {i:05d} Example-Surname".encode()],
        "userAccountControl": [b"512" if i % 50 else b"514"],
        "pwdLastSet": [filetime],
        "lastLogonTimestamp": [filetime],
        "whenCreated": [b"20240901083000.0Z"],
        "logonHours": [bytes.fromhex("00e0ff" * 7)],
        "memberOf": [g.encode() for g in groups],
        "replPropertyMetaData": [metadata],
        "msDS-cloudExtensionAttribute1": [b"leaver:2026-07-20" if i % 19 == 0 else b"pupil"],
    }
    return f"CN=Pupil {i:05d},OU=Year {year},OU=Pupils,OU=School,DC=holywell,DC=local", attributes


def stream(users: int, page_size: int) -> tuple[bytes, list[bytes]]:
    """The bytes of the whole paged search (one message ID per page, as ldap3 numbers them) and its messages."""
    messages: list[bytes] = []
    for page, first in enumerate(range(0, users, page_size)):
        message_id = 2 + page
        for i in range(first, min(first + page_size, users)):
            dn, attributes = user(i)
            messages.append(entry_message(message_id, dn, attributes))
        last = first + page_size >= users
        messages.append(done_message(message_id, b"" if last else f"cookie-{page:04d}".encode() * 4))
    return b"".join(messages), messages


def ldap3_path(messages: list[bytes]) -> tuple[list[Entry], list[bytes | None]]:
    entries: list[Entry] = []
    cookies: list[bytes | None] = []
    for raw in messages:
        message = decode_message_fast(raw)
        if message["protocolOp"] == 4 and not message["controls"]:
            dn, attributes = message["payload"]
            values = {
                to_unicode(attribute[3][0][3], from_server=True).lower(): [bytes(v[3]) for v in attribute[3][1][3]]
                for attribute in attributes[3]
            }
            if any(";range=" in name for name in values):
                raise AssertionError("no ranged attribute in this data")
            entries.append((to_unicode(dn[3], from_server=True), values))
        else:
            result: dict[str, Any] = ldap_result_to_dict_fast(message["payload"])
            result["controls"] = dict(BaseStrategy.decode_control_fast(c[3]) for c in message["controls"] or ())
            cookies.append(result["controls"][PAGED_RESULTS]["value"]["cookie"] or None)
    return entries, cookies


def ber_path(data: bytes) -> tuple[list[Entry], list[bytes | None]]:
    entries: list[Entry] = []
    cookies: list[bytes | None] = []
    buffer = bytearray()
    for offset in range(0, len(data), READ_SIZE):
        buffer += data[offset : offset + READ_SIZE]
        messages, used = split_messages(buffer)
        del buffer[:used]
        for message in messages:
            if isinstance(message, SearchEntry):
                if any(";range=" in name for name in message.attributes):
                    raise AssertionError("no ranged attribute in this data")
                entries.append((message.dn, message.attributes))
            elif isinstance(message, SearchDone):
                cookies.append(paged_cookie(message))
    if buffer:
        raise AssertionError(f"{len(buffer)} bytes left undecoded")
    return entries, cookies


def best_of(runs: int, *actions: Callable[[], object]) -> list[float]:
    """Each action's best time, the actions taken in turn in every run (so that a busy moment on a shared machine
    falls on both), each starting from a freshly collected heap."""
    best = [float("inf")] * len(actions)
    for _ in range(runs):
        for i, action in enumerate(actions):
            gc.collect()
            start = time.perf_counter()
            action()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data, messages = stream(args.users, args.page_size)
    expected = ldap3_path(messages)
    if ber_path(data) != expected or len(expected[0]) != args.users:
        raise SystemExit("the two decoders disagree on this data")
    values = sum(len(v) for _, attributes in expected[0] for v in attributes.values())
    print(
        f"users={args.users} pages={len(expected[1])} messages={len(messages)} values={values} "
        f"bytes={len(data) / 1e6:.1f} MB reads={READ_SIZE // 1024} KB runs={args.runs}"
    )
    for label, paused in (("garbage collector on", False), ("garbage collector paused, as in a scan", True)):
        if paused:
            gc.disable()
        baseline, ber = best_of(args.runs, lambda: ldap3_path(messages), lambda: ber_path(data))
        print(label)
        print(f"  baseline  ldap3 decode_message_fast + raw dict   {baseline:8.3f} s")
        print(f"  ber       split_messages + paged_cookie         {ber:8.3f} s")
        print(f"  ratio     baseline / ber                         {baseline / ber:8.2f}x")
    gc.enable()
    return 0


if __name__ == "__main__":
    sys.exit(main())
