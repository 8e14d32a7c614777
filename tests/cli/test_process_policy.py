"""The process's one garbage-collector policy, and a start-up that loads only what the command asked for needs."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Sequence

import pytest

from holyaudit.cli import main as cli_main
from holyaudit.cli import process

# What --help and --version must not load: each is loaded by the command that needs it, when it runs.
LOADED_BY_COMMANDS = ("pydantic", "ldap3", "yaml", "rich", "sqlite3", "winrm", "smbclient")
HOLYAUDIT_LOADED_BY_COMMANDS = ("holyaudit.models", "holyaudit.engine", "holyaudit.collectors", "holyaudit.history")

LOADED_MODULES = """
import sys
from holyaudit.cli.main import main

code = main(sys.argv[1:])
print(code, *sorted(sys.modules), file=sys.__stderr__)
"""


def test_a_command_runs_with_the_cyclic_collector_paused_and_it_is_restored_after(monkeypatch):
    seen: list[bool] = []

    def command(argv: Sequence[str] | None) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(cli_main, "_run", command)
    assert gc.isenabled()
    assert cli_main.main(["--version"]) == 0
    assert seen == [False]
    assert gc.isenabled()


def test_a_program_that_ends_with_its_command_leaves_the_collector_off_rather_than_walk_what_it_built(monkeypatch):
    # Switched back on, the collector's next pass would walk every object the command made (all in its youngest
    # generation) just before the process ends.
    monkeypatch.setattr(cli_main, "_run", lambda argv: 0)
    monkeypatch.setattr(process, "_kept", [])  # as ``ends_after_command`` leaves it, for the program's one command
    try:
        assert cli_main.main(["--version"]) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()


# typer itself loads pydantic to convert a command's options, whichever app it runs; the program's own --help and
# --version are answered before that.
@pytest.mark.parametrize(
    ("argv", "not_loaded"),
    [
        (["--help"], LOADED_BY_COMMANDS),
        (["--version"], LOADED_BY_COMMANDS),
        (["scan", "--help"], tuple(m for m in LOADED_BY_COMMANDS if m != "pydantic")),
        (["config", "check", "--help"], tuple(m for m in LOADED_BY_COMMANDS if m != "pydantic")),
    ],
)
def test_help_and_version_load_no_models_engine_collectors_or_reporting_libraries(argv, not_loaded):
    done = subprocess.run(
        [sys.executable, "-c", LOADED_MODULES, *argv], capture_output=True, text=True, check=False, timeout=60
    )
    code, *modules = done.stderr.split()
    assert code == "0"
    roots = {name.split(".")[0] for name in modules}
    assert sorted(roots.intersection(not_loaded)) == []
    assert [m for m in modules if m.startswith(HOLYAUDIT_LOADED_BY_COMMANDS)] == []
    assert "holyaudit.cli.scan" in modules  # the command modules themselves are loaded: typer needs their options
