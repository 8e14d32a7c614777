"""Regular expressions from rules, profiles and config: checked when they are loaded, matched in linear time.

A pattern is matched against values that come from the directory and endpoints, which anyone who can name an
account or a machine can choose. Python's ``re`` backtracks, so a pattern such as ``(a+)+$`` takes seconds,
then minutes, as a value grows by a few characters; RE2 (``google-re2``) matches in time linear in the value,
whatever the pattern. So every pattern is compiled once with each: Python's ``re`` for its syntax checks (it
refuses an impossible repeat such as ``a{4294967296}``, which RE2 would read as literal text), and RE2, which
does the matching and refuses what it cannot match in linear time (backreferences, lookaround, repeats over
1000). Where the two read a pattern differently, RE2's reading applies: ``\\d``, ``\\w`` and ``\\s`` are ASCII
only, and ``$`` matches only at the very end of the value (docs/rule-language.md).

RE2 lets go of Python's interpreter lock for each match. In a live scan the directory's reader threads are
waiting for it, so each match of an account name hands the lock to them and waits to get it back: measured, the
scan's own CPU time was 0.14 s more over 10,000 users than with the same matches made holding the lock. So a
pattern that is only plain text, or a choice of plain texts in a group, with or without ``^`` and ``$``
(``^dns-``, ``^(Administrator|Guest|krbtgt)$``, the rules' own defaults) is answered for ASCII text by comparing
the text: the same answer as RE2's, in linear time too. A pattern with no ``|`` that starts with ``^`` and plain
text (``^krbtgt(_\\d+)?$``) cannot match an ASCII text that does not start with that text, so RE2 is asked
only about those that do. Everything else goes to RE2.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print its own message on stderr; ours says it with the file and line


_PLAIN = r"[^\\.^$|?*+()\[\]{}]+"
"""Text with no character that means anything in a pattern: each of its characters matches itself."""
_PLAIN_TEXTS = re.compile(rf"(\^?)(?:({_PLAIN})|\((?:\?:)?({_PLAIN}(?:\|{_PLAIN})*)\))(\$?)")
"""A pattern that is plain text or a group of plain texts to choose from, perhaps anchored (``_plain_test``)."""


def _plain_test(pattern: str) -> Callable[[str], bool] | None:
    """For a pattern of ASCII plain text (or a group of such texts to choose from), with or without ``^`` and
    ``$``, whether it occurs in an ASCII text, decided by comparing the texts; None for any other pattern. On ASCII
    text and patterns RE2's ``^`` and ``$`` are the text's very start and end, and each character matches only
    itself, so the answer is RE2's."""
    shape = _PLAIN_TEXTS.fullmatch(pattern) if pattern.isascii() else None
    if shape is None:
        return None
    start, single, choices, end = shape.groups()
    texts = (single,) if single is not None else tuple(choices.split("|"))
    if start and end:
        return frozenset(texts).__contains__
    if start:
        return lambda text: text.startswith(texts)
    if end:
        return lambda text: text.endswith(texts)
    return lambda text: any(plain in text for plain in texts)


_STARTS_PLAIN = re.compile(rf"\^({_PLAIN})")


def _required_start(pattern: str) -> str | None:
    """The plain text every match of ``pattern`` starts the text with: that after its leading ``^``, when it has
    no ``|`` (which could make the ``^`` only one choice's), less its last character if a repeat follows (in
    ``^ab*`` only ``a`` is required); None if there is none to be sure of."""
    starts = _STARTS_PLAIN.match(pattern) if pattern.isascii() and "|" not in pattern else None
    if starts is None:
        return None
    required = starts.group(1)
    if pattern[starts.end() : starts.end() + 1] in ("*", "?", "+", "{"):
        required = required[:-1]
    return required or None


class Pattern:
    """A checked regular expression, searched for in text in linear time."""

    __slots__ = ("_plain", "_regexp", "_start", "pattern")

    def __init__(self, pattern: str, regexp: Any) -> None:
        self.pattern = pattern
        self._regexp = regexp
        self._plain = _plain_test(pattern)
        self._start = _required_start(pattern)

    def search(self, text: str) -> bool:
        """Whether the pattern occurs in ``text`` (anchor it with ``^`` and ``$`` to match the whole text)."""
        if text.isascii():  # answered here where RE2's answer is plain (the module's docstring says why)
            if self._plain is not None:
                return self._plain(text)
            if self._start is not None and not text.startswith(self._start):
                return False
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
