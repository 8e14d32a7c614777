"""Every documented exit code, reached the way a script reaches it: through the CLI."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from factories import write_profile, write_rule, write_snapshot
from holyaudit import __version__
from holyaudit.errors import ExitCode


@pytest.fixture
def estate(tmp_path: Path) -> dict[str, Path]:
    """A custom rule folder, a profile that selects nothing else, and a domain with a 4-character minimum."""
    rules = tmp_path / "rules"
    write_rule(rules, "test-min-length", severity="medium")
    profile = write_profile(tmp_path / "profile.yaml")
    weak = write_snapshot(tmp_path / "weak.json", {"directory.domain": [{"id": "school.test", "min_pwd_length": 4}]})
    strong = write_snapshot(
        tmp_path / "strong.json", {"directory.domain": [{"id": "school.test", "min_pwd_length": 8}]}
    )
    missing = write_snapshot(tmp_path / "missing.json", {"directory.users": []})
    return {"rules": rules, "profile": profile, "weak": weak, "strong": strong, "missing": missing}


def scan(estate: dict[str, Path], snapshot: str, *extra: str) -> list[str]:
    return ["scan", "--rules", str(estate["rules"]), "--profile", str(estate["profile"]),
            "--snapshot", str(estate[snapshot]), *extra]  # fmt: skip


def test_exit_0_when_every_rule_was_checked_and_none_failed(run_cli, estate):
    result = run_cli(*scan(estate, "strong"))
    assert result.code == ExitCode.COMPLIANT == 0
    assert "exit 0: compliant" in result.out


def test_exit_1_when_a_rule_fails(run_cli, estate):
    result = run_cli(*scan(estate, "weak"))
    assert result.code == ExitCode.NON_COMPLIANT == 1
    assert "min_pwd_length is 4; expected min_pwd_length ≥ 6" in result.out


def test_fail_on_above_the_failure_severity_exits_0(run_cli, estate):
    assert run_cli(*scan(estate, "weak", "--fail-on", "high")).code == 0
    assert run_cli(*scan(estate, "weak", "--fail-on", "medium")).code == 1


def test_exit_2_for_an_unknown_flag(run_cli, estate):
    result = run_cli(*scan(estate, "weak", "--no-such-flag"))
    assert result.code == ExitCode.USAGE == 2
    assert "No such option: --no-such-flag" in result.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "no-such-rule"], "--only: no rule with id 'no-such-rule'"),
        (["--as-of", "last tuesday"], "--as-of: 'last tuesday' is not an ISO date"),
        (["--fail-on", "severe"], "Invalid value for '--fail-on'"),
        (["--format", "pdf"], "Invalid value for '--format'"),
    ],
)
def test_exit_2_for_bad_option_values(run_cli, estate, args, message):
    result = run_cli(*scan(estate, "weak", *args))
    assert result.code == 2
    assert message in result.err


def test_exit_2_for_demo_and_snapshot_together(run_cli, estate):
    result = run_cli(*scan(estate, "weak", "--demo"))
    assert result.code == 2
    assert "--demo and --snapshot cannot be used together" in result.err


def test_exit_2_when_no_source_is_given(run_cli, estate):
    result = run_cli("scan", "--rules", str(estate["rules"]), "--profile", str(estate["profile"]))
    assert result.code == 2
    assert "use --snapshot FILE, or try --demo" in result.err.replace("\n", " ") or "--snapshot FILE" in result.err


def test_exit_3_for_a_broken_rule_and_nothing_is_audited(run_cli, estate):
    (estate["rules"] / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    result = run_cli(*scan(estate, "weak"))
    assert result.code == ExitCode.INVALID_INPUT == 3
    assert f"{estate['rules'] / 'broken.yaml'}:1:5: invalid YAML" in result.err
    assert "nothing was audited" in result.err
    assert result.out == ""
    assert "Traceback" not in result.err


def test_exit_4_when_a_fact_set_was_not_collected(run_cli, estate):
    result = run_cli(*scan(estate, "missing"))
    assert result.code == ExitCode.INCOMPLETE == 4
    assert "ERROR" in result.out
    assert "no directory.domain facts were collected" in result.out


def test_exit_130_when_interrupted(run_cli, estate, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("holyaudit.engine.evaluate.Evaluation.audit", interrupted)
    result = run_cli(*scan(estate, "weak"))
    assert result.code == ExitCode.INTERRUPTED == 130
    assert "interrupted" in result.err


def test_an_internal_defect_is_exit_70_not_incomplete_shows_no_traceback_and_is_logged(
    run_cli, estate, monkeypatch, tmp_path
):
    def defect(*args, **kwargs):
        raise RuntimeError("secret-looking detail")

    monkeypatch.setattr("holyaudit.engine.evaluate.Evaluation.audit", defect)
    log = tmp_path / "run.log"
    result = run_cli(*scan(estate, "weak", "--log-file", str(log)))
    assert result.code == ExitCode.INTERNAL == 70
    assert (result.out, " ".join(result.err.split())) == (
        "",
        "internal error: RuntimeError (set HOLYAUDIT_DEBUG=1 for a traceback): a defect in holyaudit; "
        "the audit did not complete (exit 70)",
    )
    assert [line.split(" ", 2)[2] for line in log.read_text().splitlines()] == [
        f"start: holyaudit {__version__} scan",
        "sources: directory.domain from test factory",
        "error: internal error: RuntimeError",
        "exit 70",
    ]
    assert "secret-looking detail" not in log.read_text()


def test_debug_switch_shows_the_traceback(run_cli, estate, monkeypatch):
    (estate["rules"] / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("HOLYAUDIT_DEBUG", "1")
    result = run_cli(*scan(estate, "weak"))
    assert result.code == 3
    assert "Traceback" in result.err


def test_console_script_and_python_m_report_the_same_exit_code(estate):
    args = scan(estate, "weak", "--format", "json")
    via_module = subprocess.run([sys.executable, "-m", "holyaudit", *args], capture_output=True, text=True)
    script = Path(sys.executable).with_name("holyaudit")
    via_script = subprocess.run([str(script), *args], capture_output=True, text=True)
    assert via_module.returncode == via_script.returncode == 1
    assert via_module.stdout == via_script.stdout


def test_version_and_help(run_cli):
    assert run_cli("--version").out == f"holyaudit {__version__}\n"
    for flag in ("-h", "--help"):
        result = run_cli("scan", flag)
        assert result.code == 0
        assert "--fail-on" in result.out


def test_the_program_ends_without_teardown_and_loses_no_output(tmp_path, run_cli):
    # The program ends with os._exit once its output is flushed (cli/process.py): the report on stdout (larger
    # than any pipe buffer), the verdict, the log file and the history must all be there, as from main().
    env_history = tmp_path / "history.sqlite3"
    log = tmp_path / "run.log"
    args = ["scan", "--demo", "--format", "json", "--history", str(env_history), "--log-file", str(log)]
    script = Path(sys.executable).with_name("holyaudit")
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as a scheduled job runs it
    ran = subprocess.run([str(script), *args], capture_output=True, text=True, env=buffered)
    in_process = run_cli(*args[:-4], "--no-history")

    assert ran.returncode == in_process.code == 1
    assert len(ran.stdout) > 65_536
    assert json.loads(ran.stdout) == json.loads(in_process.out)
    assert log.read_text(encoding="utf-8").splitlines()[-1].endswith("exit 1")
    table = subprocess.run(
        [str(script), "scan", "--demo", "--no-history"], capture_output=True, text=True, env=buffered
    )
    assert table.returncode == 1
    assert table.stdout.endswith("exit 1: non-compliant\n")
    with sqlite3.connect(env_history) as conn:
        assert conn.execute("SELECT COUNT(*) FROM runs").fetchone() == (1,)
        assert conn.execute("SELECT COUNT(*) FROM results").fetchone()[0] > 0
