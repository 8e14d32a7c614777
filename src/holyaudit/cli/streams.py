"""Standard output and error as holyaudit writes them, whatever encoding the console or pipe was given.

Python writes a redirected or piped stream in the locale's encoding: on Windows the ANSI code page (cp1252),
which has no room for the table's rules, `≥` or most names outside Western Europe, so a report ended in
``UnicodeEncodeError``. A pipe or file is therefore written as UTF-8, like the report files. A terminal keeps its
own encoding, because that is what it shows (Windows consoles take Unicode whatever the code page); a character
it cannot show is written as a visible escape (``\\u2265``), never an error.
"""

from __future__ import annotations

import io
import sys


def output_streams_utf8() -> None:
    """Set stdout and stderr as above; a stream that is not a text file (a test's capture, say) is left alone."""
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper) or stream.closed:
            continue
        if stream.isatty():
            stream.reconfigure(errors="backslashreplace")
        else:
            # A lone surrogate (from a file name the OS could not decode) cannot be UTF-8 either: escape it too.
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
