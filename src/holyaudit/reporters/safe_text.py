"""Making values from directories and endpoints safe to show in a terminal.

Rich markup is never applied to data (reporters build ``rich.text.Text`` objects, which take text
literally). What remains dangerous in a terminal are control characters (an ESC can recolour or rewrite the
screen) and invisible formatting characters (a right-to-left override can make ``exe.txt`` read as
``txt.exe``). Those are shown as visible ``\\u....`` escapes instead.
"""

from __future__ import annotations

import unicodedata

_VISIBLE_ESCAPE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def printable(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    if text.isascii() and text.isprintable():
        return text
    return "".join(_escape(ch) for ch in text)


def _escape(ch: str) -> str:
    if unicodedata.category(ch) in _VISIBLE_ESCAPE_CATEGORIES:
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    return ch
