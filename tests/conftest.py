"""Shared fixtures: running the real CLI entry point and building inputs from factories."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from holyaudit.cli.main import main


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run ``holyaudit ARGS`` in-process through the real entry point, with a pinned terminal width."""
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    for name in ("HOLYAUDIT_CONFIG", "HOLYAUDIT_TIMEZONE", "HOLYAUDIT_PROFILE", "HOLYAUDIT_DEBUG"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(int(code), captured.out, captured.err)

    return run
