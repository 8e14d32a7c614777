"""Shared fixtures: running the real CLI entry point, and a test CA for the TLS servers tests start.

Before any test, the run moves into a network of its own where it can (``isolation.py``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

from holyaudit.cli.main import main
from isolation import enter_own_network

_NETWORK: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """Take the run's own network before any test (or thread) starts; say in the header if it could not."""
    refused = enter_own_network()
    _NETWORK.append("the run's own (network and mount namespaces)" if refused is None else f"shared ({refused})")


def pytest_report_header(config: pytest.Config) -> str:
    return f"network: {_NETWORK[0]}"


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def _history_in_tmp_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every scan a test runs (in-process or in a subprocess) records to a history database in the test's own
    folder, never in the user's data directory."""
    monkeypatch.setenv("HOLYAUDIT_HISTORY", str(tmp_path / "default-history.sqlite3"))


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run ``holyaudit ARGS`` in-process through the real entry point, with a pinned terminal width."""
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    for name in ("HOLYAUDIT_CONFIG", "HOLYAUDIT_TIMEZONE", "HOLYAUDIT_PROFILE", "HOLYAUDIT_WAIVERS", "HOLYAUDIT_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    for name in [name for name in os.environ if name.startswith("HOLYAUDIT__")]:  # config keys (docs/configuration.md)
        monkeypatch.delenv(name)

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(int(code), captured.out, captured.err)

    return run


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path

    @property
    def pair(self) -> tuple[Path, Path]:
        return self.cert, self.key


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A CA the clients trust, and a certificate for 127.0.0.1-127.0.0.39 signed by it."""
    directory = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    server = ca.issue_cert(*(f"127.0.0.{n}" for n in range(1, 40)))
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    ca.cert_pem.write_to_path(str(files.ca))
    files.cert.write_bytes(b"".join(blob.bytes() for blob in server.cert_chain_pems))
    server.private_key_pem.write_to_path(str(files.key))
    return files
