"""Fixtures of the endpoint tests."""

from __future__ import annotations

import pytest
from endpoint_support import ACCOUNT


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    """The audit account's WinRM password, given as a scan gets it unattended (the environment)."""
    monkeypatch.setenv("HOLYAUDIT_WINRM_PASSWORD", ACCOUNT.password)
    return ACCOUNT.password
