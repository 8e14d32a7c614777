"""Which free-text attributes of an account look like they record a password.

The text is matched here, where it is read, and only the names of the attributes that match leave the collector:
a password written in a description must never reach a snapshot, a report or the history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from holyaudit.patterns import compile_pattern

TEXT_ATTRIBUTES = ("description", "info", "comment")
"""The attributes read, by their LDAP names (``info`` is the Notes box of Active Directory Users and Computers)."""

DOCUMENTED_PATTERNS = (
    # "password: Summer2024", "Password = x", "pwd=x", "pw is x", "passwd - x", "pass: x" (not "password-protected")
    r"(?i)(^|[^a-z])(password|passwd|pass|pwd|pw)\s*(:|=|\s-\s|\bis\b|\bwas\b)\s*[^\s]",
    # "temp password Welcome1", "initial pw: x" (the words before it show a password is being written down)
    r"(?i)(^|[^a-z])(temp|temporary|initial|default|new|old|local admin)\s+(password|passwd|pwd|pw)\s+[^\s]",
    # "PIN: 1234", "pin is 0000"
    r"(?i)(^|[^a-z])pin\s*(:|=|\bis\b)\s*[0-9]",
)
"""What looks like a password written down (docs/directory.md lists them); sites add their own in config."""


class PasswordText:
    """The documented patterns and a site's own, compiled once per collection."""

    def __init__(self, extra: Sequence[str] = ()) -> None:
        self._patterns = tuple(compile_pattern(p) for p in (*DOCUMENTED_PATTERNS, *extra))

    def found_in(self, raw: Mapping[str, list[bytes]]) -> list[str]:
        """The names of the text attributes (``raw`` is by lower-case LDAP name) with a value that looks like a
        password, in ``TEXT_ATTRIBUTES`` order. Every value counts: ``description`` may hold more than one."""
        return [name for name in TEXT_ATTRIBUTES if any(self._matches(v) for v in raw.get(name, ()))]

    def _matches(self, raw: bytes) -> bool:
        text = raw.decode("utf-8", errors="replace")
        return any(pattern.search(text) for pattern in self._patterns)
