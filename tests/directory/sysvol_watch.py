"""Watching SYSVOL while a scan reads it: every file's time and content, and how each open asked for it."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from samba_dc import SambaDC
from smbprotocol.open import Open


def sysvol_fingerprint(dc: SambaDC) -> dict[str, tuple[float, str]]:
    """Each file under the DC's SYSVOL folder: modification time and SHA-256 of its bytes."""
    return {
        str(path): (path.stat().st_mtime, hashlib.sha256(path.read_bytes()).hexdigest())
        for path in sorted(dc.sysvol.rglob("*"))
        if path.is_file()
    }


def record_opens(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """(desired access, create disposition) of every SMB open from now on; each open still reaches the server."""
    opened: list[tuple[int, int]] = []
    real_create = Open.create

    def recording_create(self: Open, impersonation_level: int, desired_access: int, file_attributes: int,
                         share_access: int, create_disposition: int, create_options: int,
                         *args: Any, **kwargs: Any) -> Any:  # fmt: skip
        opened.append((desired_access, create_disposition))
        return real_create(
            self, impersonation_level, desired_access, file_attributes, share_access,
            create_disposition, create_options, *args, **kwargs,
        )  # fmt: skip

    monkeypatch.setattr(Open, "create", recording_create)
    return opened
