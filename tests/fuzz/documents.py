"""Strategies for the input fuzzers: valid documents mutated by key, value, type, nesting and Unicode, written
out as YAML with its features (anchors, aliases, tags, merge keys, flow and block style) or as JSON, plus
byte-level damage to the written text."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from holyaudit.errors import InvalidInputError


@dataclass(frozen=True)
class Raw:
    """YAML or JSON text put into a document as it is (deep nesting, a "billion laughs")."""

    text: str


TOKENS = [
    # YAML 1.1 readings that surprise: booleans, nulls, numbers in other bases, sexagesimal, dates
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "~",
    "null",
    "true",
    "False",
    "0x1F",
    "0o17",
    "017",
    "1_000",
    "1:30",
    "12:30:00",
    "1e400",
    "-1e400",
    ".nan",
    ".inf",
    "-.inf",
    "2026-13-01",
    "2026-02-30",
    "2026-11-20T25:00:00",
    "0001-01-01",
    "9999-12-31T23:59:59",
    "0000-00-00",
    # text that means something elsewhere in holyaudit
    "Europe",
    "America",
    "Europe/London",
    "x" * 300,
    "{",
    "}",
    "{}",
    "{0}",
    "{min_length}",
    "{min_length:>{x}}",
    "(a+)+$",
    "[",
    "a{4294967296}",
    "%Y-%m-%d",
    "%Q",
    "ldapx://dc1",
    "ldaps://dc1",
    "/dev/zero",
    "..",
    "",
    " ",
    "\u00a0",
    "\u200b",
    "\u202e",
    "\ud7ff",
    "\U0001f600",
    "É",
    "İ",
    "ß",
    "-",
    "*",
    "&",
    "!",
    "|",
    ">",
    "#",
    "@",
    "`",
    "%",
    "'",
    '"',
    "\\",
    "\t",
    "\r\n",
    "\x7f",
    "\x85",
    # names holyaudit knows
    "directory.users",
    "directory.domain",
    "endpoints.hosts",
    "gpo.ous",
    "password-minimum-length",
    "holywell",
    "min_length",
    "ge",
    "matches",
    "eq",
    "within_days",
    "hours_denied",
    "every",
    "all",
    "any",
    "not",
    "param",
]
NUMBERS = st.one_of(
    st.integers(-5, 70_000),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    NUMBERS,
    st.sampled_from(TOKENS),
    st.text(max_size=12),
    st.dates(),
    st.datetimes(
        timezones=st.sampled_from(
            [None, dt.UTC, dt.timezone(dt.timedelta(hours=14)), dt.timezone(-dt.timedelta(hours=12))]
        )
    ),
)


@st.composite
def _deep(draw: st.DrawFn, opening: str = "[", closing: str = "]") -> Raw:
    depth = draw(st.sampled_from([10, 49, 50, 51, 60, 400, 1100]))
    return Raw(opening * depth + closing * depth)


def values(keys: list[str]) -> st.SearchStrategy[Any]:
    """Any value a file could hold: scalars, lists and mappings (with known and unknown keys), deep nesting."""
    key = st.one_of(st.sampled_from(keys or ["x"]), st.text(max_size=8))
    return st.one_of(
        st.recursive(
            SCALARS,
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(key, inner, max_size=3),
            max_leaves=6,
        ),
        _deep(),
    )


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the document that holds a value (mapping values and list items)."""
    found = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            found += _paths(v, (*prefix, i))
    return found


def _keys(doc: Any) -> list[str]:
    if isinstance(doc, dict):
        return [k for k in doc if isinstance(k, str)] + [k for v in doc.values() for k in _keys(v)]
    if isinstance(doc, list):
        return [k for v in doc for k in _keys(v)]
    return []


@st.composite
def mutated(draw: st.DrawFn, base: Any, most: int = 3) -> Any:
    """``base`` with up to ``most`` mutations: a value replaced (by anything, or by one of another type), a key
    removed, added, renamed or made non-text, a value wrapped in a list or mapping, a list item repeated."""
    doc = copy.deepcopy(base)
    keys = sorted(set(_keys(base)))
    for _ in range(draw(st.integers(0, most))):
        path = draw(st.sampled_from(_paths(doc)))
        if not path:
            doc = draw(st.one_of(st.just(doc), values(keys)))
            continue
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        kind = draw(st.sampled_from(["replace", "replace", "delete", "add", "wrap", "rename", "repeat"]))
        if kind == "replace":
            parent[last] = draw(values(keys))
        elif kind == "delete":
            del parent[last]
        elif kind == "add" and isinstance(parent, dict):
            parent[draw(st.one_of(st.sampled_from(keys or ["x"]), st.text(max_size=8), SCALARS))] = draw(values(keys))
        elif kind == "wrap":
            parent[last] = draw(
                st.sampled_from(
                    [[parent[last]], {"x": parent[last]}, {draw(st.sampled_from(keys or ["x"])): parent[last]}]
                )
            )
        elif kind == "rename" and isinstance(parent, dict):
            value = parent.pop(last)
            parent[draw(st.one_of(st.sampled_from(keys or ["x"]), st.text(max_size=8), SCALARS))] = value
        elif kind == "repeat" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    return doc


# --- YAML ---

TAGS = [
    "!!int",
    "!!float",
    "!!bool",
    "!!str",
    "!!null",
    "!!timestamp",
    "!!map",
    "!!seq",
    "!!binary",
    "!!set",
    "!!omap",
    "!!pairs",
    "!!merge",
    "!!value",
    "!local",
    "!!python/object:os.system",
    "!<tag:example.com,2026:x>",
]
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")


class _YamlWriter:
    """Writes a document as YAML, choosing per value (from the draw) block or flow style, plain or quoted
    scalars, and now and then an anchor, an alias to an earlier anchor, a tag or a merge key."""

    def __init__(self, draw: st.DrawFn, features: bool) -> None:
        self.draw = draw
        self.features = features
        self.anchors: list[str] = []

    def chance(self, percent: int) -> bool:
        return self.features and self.draw(st.integers(0, 99)) < percent

    def prefix(self) -> str:
        parts = []
        if self.chance(8):
            parts.append(self.draw(st.sampled_from(TAGS)))
        if self.chance(10):
            name = f"a{len(self.anchors)}"
            self.anchors.append(name)
            parts.append(f"&{name}")
        return " ".join(parts) + " " if parts else ""

    def alias(self) -> str | None:
        if self.anchors and self.chance(6):
            return "*" + self.draw(st.sampled_from(self.anchors))
        return None

    def scalar(self, value: Any) -> str:
        if isinstance(value, Raw):
            return value.text
        if value is None:
            return self.draw(st.sampled_from(["null", "~", ""]))
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            if math.isnan(value):
                return ".nan"
            if math.isinf(value):
                return ".inf" if value > 0 else "-.inf"
            return repr(value)
        if isinstance(value, int):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        text = str(value)
        if _PLAIN.fullmatch(text) or (text in TOKENS and self.chance(50)):
            return text
        return json.dumps(text, ensure_ascii=self.draw(st.booleans()))

    def key(self, key: Any) -> str:
        if isinstance(key, str) and key == "<<":
            return "<<"
        return self.scalar(key)

    def flow(self, value: Any) -> str:
        alias = self.alias()
        if alias:
            return alias
        prefix = self.prefix()
        if isinstance(value, dict):
            items = [f"{self.key(k)}: {self.flow(v)}" for k, v in value.items()]
            if self.anchors and self.chance(10):
                items.append(f"<<: *{self.draw(st.sampled_from(self.anchors))}")
            return prefix + "{" + ", ".join(items) + "}"
        if isinstance(value, list):
            return prefix + "[" + ", ".join(self.flow(v) for v in value) + "]"
        return prefix + self.scalar(value)

    def block(self, value: Any, indent: int) -> list[str]:
        """Lines for a mapping or list in block style (its nested values in either style)."""
        pad = " " * indent
        lines = []
        if isinstance(value, dict):
            for k, v in value.items():
                lines += self.entry(f"{pad}{self.key(k)}:", v, indent)
            if self.anchors and self.chance(10):
                lines.append(f"{pad}<<: *{self.draw(st.sampled_from(self.anchors))}")
        else:
            for v in value:
                lines += self.entry(f"{pad}-", v, indent)
        return lines

    def entry(self, head: str, value: Any, indent: int) -> list[str]:
        if isinstance(value, dict | list) and value and self.draw(st.booleans()):
            prefix = self.prefix().rstrip()
            return [f"{head} {prefix}".rstrip(), *self.block(value, indent + 2)]
        return [f"{head} {self.flow(value)}"]


@st.composite
def yaml_text(draw: st.DrawFn, doc: Any, features: bool = True) -> str:
    writer = _YamlWriter(draw, features)
    lines = writer.block(doc, 0) if isinstance(doc, dict | list) and doc else [writer.flow(doc)]
    text = "\n".join(lines) + "\n"
    if features and draw(st.integers(0, 99)) < 5:
        text = _laughs(draw(st.integers(3, 12))) + text
    return draw(damaged(text))


def _laughs(levels: int) -> str:
    """A "billion laughs": ten aliases of the level before, ``levels`` deep, under a key of its own."""
    lines = ["lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"lol{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


@st.composite
def damaged(draw: st.DrawFn, text: str) -> str:
    """Usually the text as written; sometimes with characters inserted, removed or replaced."""
    if draw(st.integers(0, 99)) >= 15 or not text:
        return text
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        insert = draw(
            st.one_of(
                st.sampled_from(
                    ["\t", "\x00", "\x07", ":", "- ", "\n", "'", '"', "{", "[", "&", "*", "!", "\ufeff", "\u2028"]
                ),
                st.text(max_size=3),
            )
        )
        cut = draw(st.integers(0, 3))
        text = text[:at] + insert + text[at + cut :]
    return text


# --- CSV (the MIS export) ---

_CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "13/11/2026",
            "08/31/2026",
            "31/08/2026",
            "2026-08-31",
            "TBC",
            "01/01/0001",
            "31/12/9999",
            "29/02/2025",
            "x" * 200_000,
            '"',
            "a,b",
            "a\nb",
            "\x00",
            "ahmed.n",
            "AHMED.N",
            "bront\u00eb.a",
            "\ufeffUsername",
            "Username",
            "Leaving Date",
        ]
    ),
    st.text(max_size=12),
)


@st.composite
def mis_export(draw: st.DrawFn) -> bytes:
    """A leavers export: usually the configured header and rows of names and dates, written in one of the
    encodings spreadsheets use, sometimes damaged."""
    header = draw(
        st.one_of(
            st.just(["Username", "Leaving Date"]),
            st.just(["Leaving Date", "Note", "Username"]),
            st.lists(_CELLS, max_size=4),
        )
    )
    rows = draw(st.lists(st.lists(_CELLS, max_size=4), max_size=6))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines = [",".join(_csv_cell(cell, draw) for cell in row) for row in [header, *rows]]
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    text = draw(damaged(text))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


def _csv_cell(cell: str, draw: st.DrawFn) -> str:
    if draw(st.booleans()) or any(c in cell for c in ',"\n\r'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def refusal(load: Callable[[Path], object], path: Path) -> InvalidInputError | None:
    """How loading ``path`` ended: None when it loaded, the InvalidInputError when it was refused (anything else
    is raised: a defect)."""
    try:
        load(path)
    except InvalidInputError as exc:
        return exc
    return None
