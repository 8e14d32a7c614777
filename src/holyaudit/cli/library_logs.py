"""Keeping the log records of the libraries holyaudit uses (smbprotocol, spnego, urllib3, ldap3, pywinrm) off the
user's terminal.

holyaudit configures no logging: it prints what the user needs, one line each. With no handler anywhere, Python
prints a library's warning to stderr by itself (``logging.lastResort``), tracebacks included: smbprotocol's
``Failed to close connection`` after a share refused access, say, which holyaudit has already reported in its own
words. So while a command runs, every record ends at a handler that drops it, unless ``HOLYAUDIT_DEBUG`` is set,
when they show as before. Handlers that the program embedding holyaudit set up still get them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def library_logs_dropped(debug: bool) -> Iterator[None]:
    """For the block: no log record reaches stderr through Python's last-resort handler, unless ``debug``."""
    if debug:
        yield
        return
    root = logging.getLogger()
    handler = logging.NullHandler()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
