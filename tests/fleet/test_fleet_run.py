"""``holyaudit fleet run`` through the real CLI: 20 schools from snapshots, each in its own process, one broken
config, one whose DC refuses connections, one whose DC never answers, and one locked by another run."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fleets import FleetFiles, summary_codes
from holyaudit.audit.unattended import default_lock_path, run_lock
from holyaudit.history.store import HistoryStore

SNAPSHOT_SCHOOLS = [f"school-{n:02d}" for n in range(1, 17)]
DEMO_NON_COMPLIANT = 1  # the demo estate fails several rules


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word (a DC hung mid-handshake)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def directory(port: int) -> dict[str, object]:
    return {
        "server": "127.0.0.1",
        "port": port,
        "transport": "plain",
        "allow_insecure_plaintext": True,
        "bind_user": "audit@school.test",
        "timeout_seconds": 600,
    }


@pytest.fixture
def fleet(tmp_path: Path, silent_server: int, monkeypatch: pytest.MonkeyPatch) -> FleetFiles:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", "not-a-real-password")
    files = FleetFiles(tmp_path / "fleet")
    for number, site_id in enumerate(SNAPSHOT_SCHOOLS, start=1):
        files.add_snapshot_school(site_id, f"School {number:02d}")
    files.add("broken", "site:\n  name: Broken School\ndirectory:\n  port: 99999\n")
    files.add("unreachable", {"site": {"name": "Unreachable School"}, "directory": directory(closed_port())})
    files.add("silent", {"site": {"name": "Silent School"}, "directory": directory(silent_server)})
    files.add_snapshot_school("locked", "Locked School")
    return files


def test_a_fleet_of_twenty_gives_each_site_its_code_and_the_fleet_the_worst(run_cli, fleet: FleetFiles) -> None:
    # A deadline the snapshot sites meet even on a loaded machine; the silent DC's site never does.
    fleet_file = fleet.write(formats=["json", "html"], concurrency=3, deadline_seconds=30)
    with run_lock(default_lock_path(fleet.history, "Locked School"), "another-run"):
        result = run_cli("fleet", "run", str(fleet_file), "--format", "json", "--quiet")

    codes = summary_codes(result.out)
    assert codes == {
        **dict.fromkeys(SNAPSHOT_SCHOOLS, DEMO_NON_COMPLIANT),
        "broken": 3,
        "unreachable": 4,
        "silent": 4,
        "locked": 5,
    }
    assert result.code == 3  # README.md: 3 prevails over 5, 1 and 4
    assert result.err == ""
    summary = json.loads(result.out)
    outcomes = {site["id"]: site["outcome"] for site in summary["sites"]}
    broken = fleet.folder / "schools" / "broken.yaml"
    assert outcomes["broken"] == (
        f"{broken}:4:3: directory.server: required key is missing\n"
        f"{broken}:4:9: directory.port: Input should be less than or equal to 65535 (got 99999)"
    )
    assert (
        outcomes["silent"] == "incomplete: still running at the site's deadline of 30 s; stopped, nothing was recorded"
    )
    lock = fleet.folder / "history.sqlite3.locked-school.lock"
    assert outcomes["locked"].startswith(f"another holyaudit run holds the lock {lock} (pid ")
    assert outcomes["locked"].endswith("); this run did nothing (exit 5)")
    assert ", run another-run, since " in outcomes["locked"]
    assert outcomes["unreachable"] == "incomplete: some checks could not be made"
    assert [site["id"] for site in summary["sites"]] == [*SNAPSHOT_SCHOOLS, "broken", "unreachable", "silent", "locked"]
    assert (summary["format_version"], summary["code"], summary["concurrency"]) == (1, 3, 3)

    # Per-site histories: one run for each site that ran to the end, under its own name; none for the others.
    with HistoryStore.open(fleet.history, read_only=True) as store:
        runs = store.runs()
    assert sorted(run.site for run in runs) == sorted(
        [*(f"School {n:02d}" for n in range(1, 17)), "Unreachable School"]
    )
    by_site = {run.site: run for run in runs}
    assert by_site["Unreachable School"].exit_code == 4
    assert {by_site[f"School {n:02d}"].exit_code for n in range(1, 17)} == {1}

    # Per-site reports, in <output>/<site id>/<day>/, for the sites that ran; the summary names them.
    [day] = [folder.name for folder in (fleet.output / "school-01").iterdir()]
    ran = [*SNAPSHOT_SCHOOLS, "unreachable"]
    for site in summary["sites"]:
        expected = [str(fleet.output / site["id"] / day / f"{site['id']}.{ext}") for ext in ("json", "html")]
        assert site["reports"] == (expected if site["id"] in ran else []), site["id"]
        assert all(Path(path).is_file() for path in site["reports"])
    names = {site["id"]: site["site"] for site in summary["sites"]}
    assert (names["broken"], names["locked"], names["school-16"]) == (None, "Locked School", "School 16")
    report = json.loads((fleet.output / "school-07" / day / "school-07.json").read_text(encoding="utf-8"))
    assert report["site"] == "School 07"
    assert not (fleet.output / "broken").exists()
    assert not (fleet.output / "silent").exists()
    assert json.loads((fleet.output / f"fleet-{day}.json").read_text(encoding="utf-8")) == summary


def test_the_table_summary_lists_each_site_and_the_fleet_code(run_cli, tmp_path: Path) -> None:
    files = FleetFiles(tmp_path / "fleet")
    files.add_snapshot_school("oak", "Oak Primary")
    files.add("elm", "site: [\n")
    result = run_cli("fleet", "run", str(files.write(concurrency=1)))
    assert result.code == 3
    rows = [line.split(maxsplit=2)[:2] for line in result.out.splitlines() if line.strip().startswith(("oak", "elm"))]
    assert rows == [["oak", "1"], ["elm", "3"]]
    assert result.out.endswith("fleet exit 3\n")
    assert "oak: exit 1: non-compliant" in result.err
    assert f"elm: exit 3: {files.folder / 'schools' / 'elm.yaml'}:2:1: invalid YAML" in result.err


def test_a_fleet_file_problem_is_exit_3_at_its_line_and_nothing_runs(run_cli, tmp_path: Path) -> None:
    files = FleetFiles(tmp_path / "fleet")
    files.add_snapshot_school("oak", "Oak Primary")
    fleet_file = files.write(concurrency=0, colour="blue")
    result = run_cli("fleet", "run", str(fleet_file))
    assert result.code == 3
    assert result.err.splitlines() == [
        f"error: {fleet_file}:4:14: concurrency: Input should be greater than or equal to 1 (got 0)",
        f"error: {fleet_file}:5:1: unknown key 'colour'",
        "nothing was audited (exit 3)",
    ]
    assert not files.history.exists()
    assert not files.output.exists()


def test_two_sites_with_one_id_are_refused_at_the_second(run_cli, tmp_path: Path) -> None:
    files = FleetFiles(tmp_path / "fleet")
    files.add_snapshot_school("oak", "Oak Primary")
    files.add_snapshot_school("oak", "Oak Again")
    fleet_file = files.write()
    result = run_cli("fleet", "run", str(fleet_file))
    assert (result.code, result.out) == (3, "")
    assert result.err.splitlines()[0] == f"error: {fleet_file}:7:11: sites: 'oak.yaml' has the same id 'oak' as site 1"


def test_every_report_format_has_its_file_extension() -> None:
    from holyaudit.fleet.run import EXTENSIONS
    from holyaudit.reporters.interface import OutputFormat

    assert set(EXTENSIONS) == set(OutputFormat)
    assert len(set(EXTENSIONS.values())) == len(EXTENSIONS)


def test_one_school_can_be_run_again_by_its_id(run_cli, tmp_path: Path) -> None:
    files = FleetFiles(tmp_path / "fleet")
    files.add_snapshot_school("oak", "Oak Primary")
    files.add("elm", "site: [\n")
    fleet_file = files.write()
    result = run_cli("fleet", "run", str(fleet_file), "--site", "oak", "--format", "json", "--quiet")
    assert (result.code, summary_codes(result.out)) == (1, {"oak": 1})
    [summary] = files.output.glob("fleet-*.json")
    assert summary.name.startswith(f"fleet-{summary.name[6:16]}-partial-")
    unknown = run_cli("fleet", "run", str(fleet_file), "--site", "ash", "--quiet")
    assert (unknown.code, unknown.out) == (2, "")
    assert unknown.err == f"error: --site: no site 'ash' in {fleet_file} (its sites: oak, elm)\n"
