"""Scans recorded in history, then listed with ``history`` and compared with ``diff``, through the CLI."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from history_school import HOST_RULE, USER_RULE, School

from holyaudit.cli import scan as scan_module
from holyaudit.models import Status
from holyaudit.reporters.interface import TrendPoint

REASON_FAIL = "uac is 0x220; expected uac has all bits clear of 0x20"
UNREACHABLE = "could not be read: unreachable: name hw-lt-04.test not found in DNS"


def scan_both(run_cli, school: School, before: Path, after: Path) -> None:
    assert run_cli(*school.scan(before, "--as-of", "2026-11-11")).code == 1
    assert run_cli(*school.scan(after, "--as-of", "2026-11-20")).code == 1


def json_out(result) -> dict:
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_diff_shows_exactly_the_objects_changed_between_the_two_scans(run_cli, school, before, after):
    scan_both(run_cli, school, before, after)
    diff = json_out(run_cli("diff", "--history", str(school.history), "--format", "json"))
    user = {"rule_id": USER_RULE, "kind": "user", "severity": "high"}
    assert diff["new"] == [{**user, "object_id": "dave", "before": None, "now": "FAIL", "reason": REASON_FAIL}]
    assert diff["resolved"] == [{**user, "object_id": "bob", "before": "FAIL", "now": "PASS", "reason": REASON_FAIL}]
    assert diff["still_failing"] == [
        {**user, "object_id": "carol", "before": "FAIL", "now": "FAIL", "reason": REASON_FAIL}
    ]
    assert diff["unchecked"] == []
    assert diff["unreadable"] == [
        {
            "object_id": "HW-LT-04",
            "kind": "host",
            "rule_ids": [HOST_RULE],
            "reason": UNREACHABLE,
            "last_compliant": "2026-11-11T00:00:00+00:00",
        }
    ]
    assert (diff["from"]["as_of"], diff["to"]["as_of"]) == ("2026-11-11T00:00:00Z", "2026-11-20T00:00:00Z")


def test_diff_at_80_columns_summarises_per_rule_then_names_each_section_and_object(
    run_cli, school, before, after, monkeypatch
):
    scan_both(run_cli, school, before, after)
    monkeypatch.setenv("COLUMNS", "80")
    result = run_cli("diff", "--history", str(school.history))
    assert result.code == 0
    assert max(len(line) for line in result.out.splitlines()) <= 80
    lines = [" ".join(line.split()) for line in result.out.splitlines()]
    reason = "uac is 0x220; expected uac has all bits clear of 0x20"
    start = lines.index("Per rule")
    assert [line for line in lines[start : start + 4] if not line.startswith("─")] == [
        "Per rule",
        "Rule Severity New Resolved Failing Unchecked",
        f"{USER_RULE} high 1 1 1 -",
    ], "a line per rule before the objects"
    new = lines.index("new failures: 1")
    assert lines[new + 1 : new + 3] == [f"{USER_RULE} dave: - → FAIL", reason]
    resolved = lines.index("resolved: 1")
    assert lines[resolved + 1 : resolved + 3] == [f"{USER_RULE} bob: FAIL → PASS", reason]
    still = lines.index("still failing: 1")
    assert lines[still + 1 : still + 3] == [f"{USER_RULE} carol: FAIL → FAIL", reason]
    assert "failing before, not checked now: none" in lines
    note = f"HW-LT-04 (host, {HOST_RULE}): {UNREACHABLE}; last compliant 9 days ago (2026-11-11)"
    assert note in " ".join(lines[lines.index("could not be checked in the later run: 1") + 1 :])


def test_diff_takes_relative_indexes_run_ids_and_unique_prefixes(run_cli, school, before, after):
    scan_both(run_cli, school, before, after)
    runs = json_out(run_cli("history", "--history", str(school.history), "--format", "json"))["runs"]
    newest, oldest = runs[0]["run_id"], runs[1]["run_id"]
    backwards = json_out(run_cli("diff", "-1", "-2", "--history", str(school.history), "--format", "json"))
    assert [c["object_id"] for c in backwards["new"]] == ["bob"]
    assert [c["object_id"] for c in backwards["resolved"]] == ["dave"]
    by_id = json_out(run_cli("diff", oldest[:8], newest, "--history", str(school.history), "--format", "json"))
    assert (by_id["from"]["run_id"], by_id["to"]["run_id"]) == (oldest, newest)
    assert [c["object_id"] for c in by_id["new"]] == ["dave"]
    one_given = json_out(run_cli("diff", oldest, "--history", str(school.history), "--format", "json"))
    assert one_given["to"]["run_id"] == newest


def test_diff_refuses_runs_it_cannot_find_with_exit_2(run_cli, school, before):
    history = str(school.history)
    assert "no history database at" in run_cli("diff", "--history", history).err
    run_cli(*school.scan(before))
    too_few = run_cli("diff", "--history", history)
    assert too_few.code == 2
    assert "run -2: the history" in too_few.err
    assert "holds only 1 matching run(s)" in too_few.err
    unknown = run_cli("diff", "ffff", "-1", "--history", history)
    assert unknown.code == 2
    assert "no run 'ffff' in" in unknown.err


def test_an_ambiguous_run_id_prefix_is_refused(run_cli, school, before, monkeypatch):
    ids = iter(["abc1" + "0" * 28, "abc2" + "0" * 28])
    monkeypatch.setattr("holyaudit.history.store.new_run_id", lambda: next(ids))
    run_cli(*school.scan(before))
    run_cli(*school.scan(before))
    result = run_cli("diff", "abc", "abc2", "--history", str(school.history))
    assert result.code == 2
    assert "run id prefix 'abc' matches more than one run: give more characters" in result.err
    assert run_cli("diff", "ABC1", "abc2", "--history", str(school.history)).code == 0


def test_history_lists_runs_newest_first_with_counts_and_exit_codes(run_cli, school, before, after):
    scan_both(run_cli, school, before, after)
    listing = json_out(run_cli("history", "--history", str(school.history), "--format", "json"))
    assert listing["format_version"] == 1
    summaries = [(r["as_of"], r["profile"], r["site"], r["exit_code"], r["counts"]) for r in listing["runs"]]
    counts_after = {"PASS": 0, "FAIL": 1, "ERROR": 1, "WAIVED": 0, "NOT_APPLICABLE": 0}
    counts_before = {"PASS": 1, "FAIL": 1, "ERROR": 0, "WAIVED": 0, "NOT_APPLICABLE": 0}
    assert summaries == [
        ("2026-11-20T00:00:00Z", "test", "Test School", 1, counts_after),
        ("2026-11-11T00:00:00Z", "test", "Test School", 1, counts_before),
    ]
    assert [s["name"] for s in listing["runs"][0]["sources"]] == ["directory.users", "endpoints.hosts"]
    table = run_cli("history", "--history", str(school.history), "--limit", "1")
    rows = [" ".join(line.split()) for line in table.out.splitlines()]
    assert any(
        row.endswith(f"{listing['runs'][0]['run_id'][:12]} 1 1 FAIL, 1 ERROR test · Test School") for row in rows
    )
    assert not any(listing["runs"][1]["run_id"][:12] in row for row in rows)


def test_history_at_80_columns_shows_run_ids_whole_and_diff_takes_them(run_cli, school, before, after, monkeypatch):
    scan_both(run_cli, school, before, after)
    monkeypatch.setenv("COLUMNS", "80")
    table = run_cli("history", "--history", str(school.history)).out
    assert max(len(line) for line in table.splitlines()) <= 80
    rows = [line.split() for line in table.splitlines() if line.startswith("  20")]
    later, earlier = (row[2] for row in rows)
    assert [row[3:] for row in rows] == [
        ["1", "1", "FAIL,", "1", "ERROR", "test", "·", "Test"],
        ["1", "1", "FAIL,", "1", "PASS", "test", "·", "Test"],
    ]
    ids = [
        run["run_id"] for run in json_out(run_cli("history", "--history", str(school.history), "-f", "json"))["runs"]
    ]
    assert [later, earlier] == [run_id[:12] for run_id in ids]
    shown = json_out(run_cli("diff", earlier, later, "--history", str(school.history), "--format", "json"))
    assert (shown["from"]["run_id"], shown["to"]["run_id"]) == (ids[1], ids[0])


def test_history_with_no_database_says_so(run_cli, tmp_path):
    result = run_cli("history", "--history", str(tmp_path / "none.sqlite3"))
    assert result.code == 0
    assert result.out.strip() == f"no runs recorded in {tmp_path / 'none.sqlite3'}"


def test_fail_on_new_exits_1_only_for_failures_the_previous_run_lacked(run_cli, school, before, after):
    users_only = ("--only", USER_RULE, "--fail-on-new")
    first = run_cli(*school.scan(before, *users_only))
    assert first.code == 1, "first run ever: every failure is new"
    again = run_cli(*school.scan(before, *users_only))
    assert again.code == 0
    assert "exit 0: no new failures (--fail-on-new); failures from the previous run remain" in again.out
    changed = run_cli(*school.scan(after, *users_only))
    assert changed.code == 1, "dave is a new failure"
    unchanged = run_cli(*school.scan(after, *users_only))
    assert unchanged.code == 0
    stored = json_out(run_cli("history", "--history", str(school.history), "--format", "json"))["runs"]
    assert [r["exit_code"] for r in stored] == [0, 1, 0, 1]


def test_fail_on_new_still_exits_4_when_something_could_not_be_checked(run_cli, school, after):
    assert run_cli(*school.scan(after, "--fail-on-new")).code == 1
    result = run_cli(*school.scan(after, "--fail-on-new"))
    assert result.code == 4
    assert "exit 4: incomplete: some checks could not be made; no new failures (--fail-on-new)" in result.out


def test_fail_on_new_counts_only_failures_at_or_above_fail_on(run_cli, school, before):
    medium_only = school.snapshot("medium", {"alice": 512}, {"HW-LT-05": None})
    run_cli(*school.scan(medium_only))
    failing_host = school.snapshot("host-fails", {"alice": 512}, {})
    failing_host.write_text(failing_host.read_text().replace('"records": []', '"records": [{"id": "HW-LT-05"}]'))
    assert run_cli(*school.scan(failing_host, "--fail-on-new", "--fail-on", "high")).code == 4


def test_fail_on_new_compares_with_the_same_site_only(run_cli, school, before, after):
    run_cli(*school.scan(before, "--only", USER_RULE))
    other_site = school.folder / "other.json"
    other_site.write_text(after.read_text().replace('"site": "Test School"', '"site": "Other School"'))
    assert run_cli(*school.scan(other_site, "--only", USER_RULE)).code == 1
    again = run_cli(*school.scan(before, "--only", USER_RULE, "--fail-on-new"))
    assert again.code == 0, "compared with the earlier Test School run, not the Other School one in between"


def test_scan_table_says_when_an_unreachable_object_was_last_compliant(run_cli, school, before, after):
    run_cli(*school.scan(before, "--as-of", "2026-11-11"))
    result = run_cli(*school.scan(after, "--as-of", "2026-11-20"))
    assert "Could not be checked, with when history last saw each compliant:" in result.out.splitlines()
    notes = result.out.split("each compliant:\n")[1].split("\nexit ")[0]
    assert " ".join(notes.split()) == (
        f"HW-LT-04 (host, {HOST_RULE}): {UNREACHABLE}; last compliant 9 days ago (2026-11-11)"
    )  # wrapped at words to the width (120 columns here)
    never = run_cli(*school.scan(after, "--as-of", "2026-11-21", "--history", str(school.folder / "fresh.sqlite3")))
    notes = never.out.split("each compliant:\n")[1].split("\nexit ")[0]
    assert " ".join(notes.split()) == f"HW-LT-04 (host, {HOST_RULE}): {UNREACHABLE}; never seen compliant in history"


def test_json_report_is_unchanged_by_history_notes(run_cli, school, before, after):
    run_cli(*school.scan(before))
    report = json.loads(run_cli(*school.scan(after, "--format", "json")).out)
    assert "last_compliant" not in json.dumps(report)
    assert set(report) == {
        "schema_version", "tool_version", "site", "as_of", "timezone", "profile", "framework", "sources", "summary",
        "overview", "findings",
    }  # fmt: skip


def test_each_run_stores_only_result_fields(run_cli, school, after):
    run_cli(*school.scan(after))
    with sqlite3.connect(school.history) as conn:
        rows = conn.execute("SELECT rule_id, object_id, kind, status, severity, reason FROM results").fetchall()
    assert sorted(rows) == [
        (HOST_RULE, "HW-LT-04", "host", "ERROR", "medium", UNREACHABLE),
        (HOST_RULE, "HW-LT-05", "host", "PASS", "medium", None),
        (USER_RULE, "alice", "user", "PASS", "high", None),
        (USER_RULE, "bob", "user", "PASS", "high", None),
        (USER_RULE, "carol", "user", "FAIL", "high", REASON_FAIL),
        (USER_RULE, "dave", "user", "FAIL", "high", REASON_FAIL),
    ]


def test_reports_get_this_site_and_profile_runs_as_their_trend(run_cli, school, before, after, monkeypatch):
    run_cli(*school.scan(before, "--as-of", "2026-11-11"))
    other_site = school.folder / "other.json"
    other_site.write_text(after.read_text().replace('"site": "Test School"', '"site": "Other School"'))
    run_cli(*school.scan(other_site))
    trends = []
    real = scan_module.reporter_for

    def recording(fmt):
        reporter = real(fmt)
        render = reporter.render
        reporter.render = lambda result, options: trends.append(options.trend) or render(result, options)
        return reporter

    monkeypatch.setattr(scan_module, "reporter_for", recording)
    assert run_cli(*school.scan(after, "--as-of", "2026-11-20", "--format", "html")).code == 1
    zero = dict.fromkeys(Status, 0)
    assert trends == [
        (
            # Objects, not rules: by rules both runs had 1 FAIL; by objects the later one has one that was not checked.
            TrendPoint(dt.datetime(2026, 11, 11, tzinfo=dt.UTC), {**zero, Status.PASS: 3, Status.FAIL: 2}),
            TrendPoint(
                dt.datetime(2026, 11, 20, tzinfo=dt.UTC), {**zero, Status.PASS: 3, Status.FAIL: 2, Status.ERROR: 1}
            ),
        )
    ]
