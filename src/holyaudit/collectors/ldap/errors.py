"""The directory's errors: one that could not be read, and one that stopped answering."""

from __future__ import annotations

from holyaudit.errors import CollectorError


class DirectoryError(CollectorError):
    """The directory could not be read at all (unreachable, untrusted, refused the bind, failed a search)."""


class DcSilent(DirectoryError):
    """The domain controller did not answer within the timeout; nothing more is asked of it in this scan."""
