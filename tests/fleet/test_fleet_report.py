"""``holyaudit fleet report``: one row per school, its numbers checked against the schools' histories after two
fleet runs, one school changed between them, one seen only long ago, one never reachable, one never run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from fleets import FleetFiles, summary_codes
from holyaudit.audit.workflow import AuditRequest, audit
from holyaudit.collectors.snapshot import demo_path
from holyaudit.history.store import HistoryStore
from holyaudit.reporters.overview import overview

DEMO_VIEW = overview(audit(AuditRequest(snapshot=demo_path())).result)
DEMO_FAILING = {severity.value: count for severity, count in DEMO_VIEW.failing.items()}  # as its own report counts
DEMO_NOT_CHECKED = DEMO_VIEW.objects_not_checked


def changed_demo(folder: Path) -> Path:
    """The demo estate a day later: hall.p now has "password not required" set (a new failure) and hyde.l has
    signed in (a dormant account resolved)."""
    estate = json.loads(demo_path().read_text(encoding="utf-8"))
    for user in estate["fact_sets"]["directory.users"]["records"]:
        if user["id"] == "hall.p":
            user["uac"] = 512 | 0x20
        if user["id"] == "hyde.l":
            user["last_logon"] = "2026-11-20T09:00:00Z"
    path = folder / "changed-estate.json"
    path.write_text(json.dumps(estate), encoding="utf-8")
    return path


def waivers(folder: Path, today: dt.date) -> Path:
    path = folder / "steady-waivers.yaml"
    entries = [("password-not-required", "markup.m", today + dt.timedelta(days=10)),
               ("password-not-required", "office-shared", today + dt.timedelta(days=60))]  # fmt: skip
    path.write_text(
        "".join(
            f"- rule: {rule}\n  objects: [{obj}]\n  justification: kiosk\n  approved_by: Head\n  expires: {day}\n"
            for rule, obj, day in entries
        ),
        encoding="utf-8",
    )
    return path


def store_an_old_run(history: Path, site: str, days_ago: int) -> dt.datetime:
    """A run of ``site`` recorded ``days_ago`` days ago, as a scan then would have stored it."""
    outcome = audit(AuditRequest(snapshot=demo_path(), site=site))
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    with (
        HistoryStore.open(history) as store,
        store.recording(
            outcome.result,
            run_id="old-run",
            started_at=when,
            finished_at=when,
            site=site,
            exit_code=1,
            tool_version="0",
        ),
    ):
        pass
    return when


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FleetFiles:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", "not-a-real-password")
    files = FleetFiles(tmp_path / "fleet")
    files.add("steady", {"site": {"name": "Steady School"}, "waivers": str(waivers(tmp_path, dt.date.today()))},
              snapshot=demo_path())  # fmt: skip
    files.add_snapshot_school("changing", "Changing School")
    # Broken since its one run, long ago; named in the fleet file, so its history is found all the same.
    files.add("old", "site:\n  name: Old School\nprofile: [\n", name="Old School")
    unreachable = {"server": "127.0.0.1", "port": 1, "transport": "plain", "allow_insecure_plaintext": True,
                   "bind_user": "audit@school.test", "timeout_seconds": 5}  # fmt: skip
    files.add("unreachable", {"site": {"name": "Unreachable School"}, "directory": unreachable})
    files.add("never", "site:\n  name: Never School\nsite: {}\n")  # a repeated key: it never ran
    return files


def test_the_overview_counts_each_school_from_its_history(run_cli, fleet: FleetFiles, tmp_path: Path) -> None:
    fleet_file = fleet.write(formats=["json", "html"], concurrency=2, stale_days=7)
    old_run = store_an_old_run(fleet.history, "Old School", days_ago=10)
    first = run_cli("fleet", "run", str(fleet_file), "--format", "json", "--quiet")
    expected_codes = {"steady": 1, "changing": 1, "old": 3, "unreachable": 4, "never": 3}
    assert summary_codes(first.out) == expected_codes
    # The second night: the changing school's estate has changed.
    fleet.sites[1]["snapshot"] = str(changed_demo(tmp_path))
    second = run_cli("fleet", "run", str(fleet.write(formats=["json", "html"], concurrency=2, stale_days=7)),
                     "--format", "json", "--quiet")  # fmt: skip
    assert summary_codes(second.out) == expected_codes

    result = run_cli("fleet", "report", str(fleet_file), "--format", "json")
    assert (result.code, result.err) == (0, "")
    overview = json.loads(result.out)
    rows = {row["id"]: row for row in overview["schools"]}
    assert list(rows) == ["steady", "changing", "old", "unreachable", "never"]

    with HistoryStore.open(fleet.history, read_only=True) as store:
        runs = {site: store.runs(site=site) for site in ("Steady School", "Changing School", "Old School",
                                                          "Unreachable School", "Never School")}  # fmt: skip
    assert [len(r) for r in runs.values()] == [2, 2, 1, 2, 0]

    steady = rows["steady"]
    assert steady["site"] == "Steady School"
    assert steady["last_run_at"] == runs["Steady School"][0].finished_at.isoformat(timespec="seconds")
    assert steady["last_exit_code"] == 1
    assert (steady["new"], steady["resolved"], steady["waivers_expiring"], steady["stale"]) == (0, 0, 1, False)
    assert steady["not_checked"] == DEMO_NOT_CHECKED
    # Counted as the school's own report counts them (its waivers applied).
    [day] = [folder.name for folder in (fleet.output / "steady").iterdir()]
    for school in ("steady", "changing"):
        report = json.loads((fleet.output / school / day / f"{school}.json").read_text(encoding="utf-8"))
        assert rows[school]["failing"] == report["overview"]["objects_failing"], school
        assert rows[school]["not_checked"] == report["overview"]["objects_not_checked"], school

    changing = rows["changing"]
    changed = {"high": DEMO_FAILING["high"] + 1, "medium": DEMO_FAILING["medium"] - 1}  # hall.p fails a high rule
    assert changing["failing"] == DEMO_FAILING | changed  # ... and hyde.l, no longer dormant, passes a medium one
    assert (changing["new"], changing["resolved"], changing["stale"]) == (1, 1, False)
    diff = run_cli("diff", "--history", str(fleet.history), "--site", "Changing School", "--format", "json")
    changes = json.loads(diff.out)
    assert [(c["rule_id"], c["object_id"]) for c in changes["new"]] == [("password-not-required", "hall.p")]
    assert [(c["rule_id"], c["object_id"]) for c in changes["resolved"]] == [("dormant-accounts", "hyde.l")]

    old = rows["old"]
    assert old["last_run_at"] == old_run.isoformat(timespec="seconds")
    assert (old["last_exit_code"], old["stale"], old["new"], old["resolved"]) == (1, True, None, None)
    assert old["last_success_at"] == old["last_run_at"]
    assert old["failing"] == DEMO_FAILING
    assert old["waivers_expiring"] is None
    assert old["problem"] == (
        f"config: {fleet.folder / 'schools' / 'old.yaml'}:4:1: "
        "invalid YAML: a flow node that starts here is never closed"
    )

    unreachable = rows["unreachable"]
    assert (unreachable["last_exit_code"], unreachable["stale"], unreachable["last_success_at"]) == (4, True, None)
    assert unreachable["rules_not_checked"] == runs["Unreachable School"][0].counts["ERROR"] > 0
    assert (unreachable["new"], unreachable["resolved"]) == (0, 0)

    never = rows["never"]
    assert never == {
        "id": "never",
        "site": None,
        "last_run_at": None,
        "last_exit_code": None,
        "failing": dict.fromkeys(DEMO_FAILING, 0),
        "not_checked": 0,
        "rules_not_checked": 0,
        "new": None,
        "resolved": None,
        "waivers_expiring": None,
        "last_success_at": None,
        "stale": True,
        "report": None,
        "problem": never["problem"],
    }
    assert never["problem"].startswith(f"config: {fleet.folder / 'schools' / 'never.yaml'}:3:1: ")

    # Each school's newest report: the HTML one of its newest night.
    assert steady["report"] == str(fleet.output / "steady" / day / "steady.html")
    assert rows["old"]["report"] is None

    # A week and a day on, without another run, every school is stale.
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=8)).isoformat(timespec="seconds")
    aged = json.loads(run_cli("fleet", "report", str(fleet_file), "--format", "json", "--as-of", later).out)
    assert [row["stale"] for row in aged["schools"]] == [True] * 5
    # And with a longer threshold the recent ones are not.
    kept = run_cli("fleet", "report", str(fleet_file), "--format", "json", "--as-of", later, "--stale-days", "9")
    assert [row["stale"] for row in json.loads(kept.out)["schools"]] == [False, False, True, True, True]


def test_the_csv_and_table_give_the_same_rows(run_cli, tmp_path: Path) -> None:
    files = FleetFiles(tmp_path / "fleet")
    files.add_snapshot_school("oak", "=Oak Primary")  # a name a spreadsheet would take for a formula
    files.add("elm", "site: [\n")
    fleet_file = files.write()
    assert run_cli("fleet", "run", str(fleet_file), "--quiet").code == 3
    csv_text = run_cli("fleet", "report", str(fleet_file), "--format", "csv").out
    lines = csv_text.removeprefix("\ufeff").splitlines()
    assert lines[0] == (
        "id,site,last_run_at,last_exit_code,failing_critical,failing_high,failing_medium,failing_low,not_checked,"
        "rules_not_checked,new,resolved,waivers_expiring,last_success_at,stale,report,problem"
    )
    oak = lines[1].split(",")
    assert oak[:2] == ["oak", "'=Oak Primary"]
    failing = [str(DEMO_FAILING[severity]) for severity in ("critical", "high", "medium", "low")]
    assert oak[3:13] == ["1", *failing, str(DEMO_NOT_CHECKED), "0", "", "", "0"]
    assert oak[14:16] == ["no", str(next(files.output.glob("oak/*/oak.json")))]
    assert lines[2].startswith("elm,,,,0,0,0,0,0,0,,,,,yes,,config: ")
    table = run_cli("fleet", "report", str(fleet_file)).out
    [oak_row] = [line for line in table.splitlines() if "=Oak Primary" in line]
    shown = [failing[0], "/", failing[1], "/", failing[2], "/", failing[3]]
    assert oak_row.split()[4:] == ["1", *shown, str(DEMO_NOT_CHECKED), "-", "-", "0"]
    [elm_row] = [line for line in table.splitlines() if line.strip().startswith("elm ")]
    assert elm_row.split() == [
        "elm",
        "never",
        "-",
        "0",
        "/",
        "0",
        "/",
        "0",
        "/",
        "0",
        "0",
        "-",
        "-",
        "?",
        "stale",
        "(7d)",
    ]


def test_before_any_run_every_school_is_listed_and_stale(run_cli, tmp_path: Path) -> None:
    files = FleetFiles(tmp_path / "fleet")
    files.add_snapshot_school("oak", "Oak Primary")
    files.add_snapshot_school("elm", "Elm Primary")
    result = run_cli("fleet", "report", str(files.write()), "--format", "json")
    assert (result.code, result.err) == (0, "")
    rows = json.loads(result.out)["schools"]
    assert [(row["id"], row["site"], row["last_run_at"], row["stale"]) for row in rows] == [
        ("oak", "Oak Primary", None, True),
        ("elm", "Elm Primary", None, True),
    ]
    assert not files.history.exists()  # a report reads the history; it never creates one
