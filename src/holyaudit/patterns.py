"""Regular expressions from rules, profiles and config: checked when they are loaded, matched in linear time.

A pattern is matched against values that come from the directory and endpoints, which anyone who can name an
account or a machine can choose. Python's ``re`` backtracks, so a pattern such as ``(a+)+$`` takes seconds,
then minutes, as a value grows by a few characters; RE2 (``google-re2``) matches in time linear in the value,
whatever the pattern. So every pattern is compiled once with each: Python's ``re`` for its syntax checks (it
refuses an impossible repeat such as ``a{4294967296}``, which RE2 would read as literal text), and RE2, which
does the matching and refuses what it cannot match in linear time (backreferences, lookaround, repeats over
1000). Where the two read a pattern differently, RE2's reading applies: ``\\d``, ``\\w`` and ``\\s`` are ASCII
only, and ``$`` matches only at the very end of the value (docs/rule-language.md).
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print its own message on stderr; ours says it with the file and line


class Pattern:
    """A checked regular expression, searched for in text in linear time."""

    __slots__ = ("_regexp", "pattern")

    def __init__(self, pattern: str, regexp: Any) -> None:
        self.pattern = pattern
        self._regexp = regexp

    def search(self, text: str) -> bool:
        """Whether the pattern occurs in ``text`` (anchor it with ``^`` and ``$`` to match the whole text)."""
        try:
            return self._regexp.search(text) is not None
        except re2.error as exc:  # RE2 gives up (memory budget) rather than take long: the answer is unknown
            raise ValueError(f"/{self.pattern}/ could not be matched: {_said(exc)}") from exc

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pattern) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __repr__(self) -> str:
        return f"Pattern({self.pattern!r})"


def compile_pattern(pattern: str) -> Pattern:
    """``pattern`` checked and compiled; ValueError with a plain message naming it if it cannot be used."""
    if not isinstance(pattern, str):
        raise ValueError(f"expected a regular expression string, got {pattern!r}")
    try:
        with warnings.catch_warnings():  # a FutureWarning about possible future syntax is not the user's concern
            warnings.simplefilter("ignore")
            re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
    except (OverflowError, RecursionError) as exc:  # a repeat count past any limit; nesting past the parser's
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
    try:
        regexp = re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        raise ValueError(
            f"regular expression {pattern!r} cannot be matched in linear time ({_said(exc)}); "
            "backreferences, lookaround and repeats of more than 1000 are not supported"
        ) from exc
    return Pattern(pattern, regexp)


def _said(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else ""
    return detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
