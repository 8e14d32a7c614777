"""The ldap3 internals the fast read path uses are all there, in the pinned release: an upgrade that removes or
changes one fails here, naming it, and a scan on the fast path then refuses to start, pointing at the paged path."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from ldap3.strategy.base import BaseStrategy
from ldap3.strategy.sync import SyncStrategy

from holyaudit.collectors.credentials import Secret
from holyaudit.collectors.ldap import ldap3_internals
from holyaudit.collectors.ldap.connection import DirectoryError, TlsPolicy, open_connection
from holyaudit.collectors.ldap.source import DirectorySettings

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


@pytest.fixture(autouse=True)
def _fresh_check():
    ldap3_internals._missing_once.cache_clear()
    yield
    ldap3_internals._missing_once.cache_clear()


@pytest.mark.parametrize(("what", "probe"), ldap3_internals._PROBES, ids=[w for w, _ in ldap3_internals._PROBES])
def test_this_ldap3_has_the_internal(what, probe) -> None:
    problem = probe()
    assert problem is None, f"ldap3 {version('ldap3')}: {what}: {problem} (see collectors/ldap/ldap3_internals.py)"


def test_ldap3_is_pinned_to_the_release_the_internals_are_proven_on() -> None:
    dependencies = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    assert [d for d in dependencies if re.match(r"ldap3\b", d)] == [f"ldap3=={ldap3_internals.PROVEN_ON}"]
    assert version("ldap3") == ldap3_internals.PROVEN_ON


def test_a_removed_internal_is_named(monkeypatch) -> None:
    monkeypatch.delattr(BaseStrategy, "decode_response_fast")
    assert ldap3_internals.missing() == [
        "1. decode_response_fast: ldap3.strategy.sync.SyncStrategy.decode_response_fast is gone"
    ]


def test_a_changed_internal_is_named(monkeypatch) -> None:
    def send(self, kind, request, controls=None, more=None):
        raise AssertionError

    monkeypatch.setattr(SyncStrategy, "send", send, raising=False)
    assert ldap3_internals.missing() == [
        "3. Connection.send and search_operation: Connection.send's parameters are now kind, request, controls, more"
    ]


def test_the_fast_path_refuses_to_start_without_them(monkeypatch) -> None:
    monkeypatch.delattr(BaseStrategy, "decode_response_fast")
    with pytest.raises(DirectoryError) as refused:
        ldap3_internals.require()
    assert str(refused.value) == (
        f"ldap3 {version('ldap3')} lacks what directory.read_path: fast relies on (proven on ldap3 2.9.1): "
        "1. decode_response_fast: ldap3.strategy.sync.SyncStrategy.decode_response_fast is gone. "
        "Set directory.read_path: paged, or install ldap3==2.9.1"
    )


def _settings(read_path: str) -> DirectorySettings:
    # Port 1 on the loopback: nothing listens, so a connection that gets as far as connecting is refused.
    return DirectorySettings(server="127.0.0.1", port=1, bind_user="audit@example.local", read_path=read_path)


def test_without_them_a_scan_on_the_fast_path_stops_before_connecting_and_the_paged_path_goes_on(monkeypatch):
    monkeypatch.delattr(BaseStrategy, "decode_response_fast")
    with pytest.raises(DirectoryError, match=r"^ldap3 2\.9\.1 lacks what directory\.read_path: fast relies on"):
        open_connection(_settings("fast"), Secret("not used"), TlsPolicy())
    with pytest.raises(DirectoryError, match=r"^ldaps://127\.0\.0\.1:1: connection refused"):
        open_connection(_settings("paged"), Secret("not used"), TlsPolicy())
