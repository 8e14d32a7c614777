"""``scan --endpoint-facts`` and ``endpoints.facts_dir``: machines audited from the facts files they wrote.

Through the real CLI, with the JSON report: each machine's exact status for every endpoint rule, and the reason
an unusable file gives, naming it. The merged scan asks real machines over real pywinrm (the simulator) and reads
files for the machine it cannot reach.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
from pathlib import Path

import pytest
import yaml
from endpoint_support import ACCOUNT, AS_OF, machine, statuses, write_config
from facts_files_support import write_facts

from holyaudit.winrm_sim import Fleet, SimHost

ENDPOINT_RULES = [
    "antivirus-up-to-date",
    "autologon-no-stored-password",
    "laptop-encryption",
    "logoff-task-scheduled",
    "screensaver-locking",
]
ONLY = [arg for rule in ENDPOINT_RULES for arg in ("--only", rule)]


def written(ago: dt.timedelta) -> tuple[str, str]:
    """A producedAt that long before now, as the script writes it, and as the report shows it.

    A file's age is counted when the scan reads it (the rules' --as-of judges the facts, not the file)."""
    when = dt.datetime.now(dt.UTC) - ago
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f0Z"), when.isoformat()


FRESH, _ = written(dt.timedelta(hours=20))


def files_only_config(folder: Path, names: list[str], **endpoints: object) -> Path:
    """A site whose inventory lists ``names`` and whose endpoints are read only from files."""
    (folder / "machines.yaml").write_text(yaml.safe_dump({"hosts": [{"name": n} for n in names]}), encoding="utf-8")
    section = {"winrm": False, "from_directory": False, "inventory": "machines.yaml"} | endpoints
    settings = {"site": {"name": "Holywell test", "timezone": "Europe/London"}, "endpoints": section}
    config = folder / "holyaudit.yaml"
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return config


def every_rule(host: str, status: str) -> dict[tuple[str, str], str]:
    return {(rule, host): status for rule in ENDPOINT_RULES}


def reasons(report: str) -> dict[str, str]:
    """Host id -> the reason its ERROR gives (the same for every rule)."""
    found: dict[str, set[str]] = {}
    for finding in json.loads(report)["findings"]:
        for result in finding["objects"]:
            if result["status"] == "ERROR":
                found.setdefault(result["id"], set()).add(result["reason"])
    assert all(len(texts) == 1 for texts in found.values()), found
    return {host: texts.pop() for host, texts in found.items()}


def test_each_kind_of_file_gives_its_own_status_and_only_its_machine_errs(run_cli, tmp_path: Path) -> None:
    facts = tmp_path / "facts"
    facts.mkdir()
    write_facts(facts, "HW-LT-01", computer="HW-LT-01", produced_at=FRESH)
    nine_days_old, shown = written(dt.timedelta(days=9, hours=6))
    write_facts(facts, "HW-LT-02", computer="HW-LT-02", produced_at=nine_days_old)
    write_facts(facts, "HW-LT-03", computer="HW-LT-09", produced_at=FRESH)  # copied from another machine
    corrupt = write_facts(facts, "HW-LT-05", computer="HW-LT-05", produced_at=FRESH)
    corrupt.write_bytes(corrupt.read_bytes()[:200])  # cut off mid-write
    (facts / "HW-LT-06.json").symlink_to(facts / "HW-LT-01.json")
    (facts / "HW-LT-07.json").write_bytes(b" " * (1024 * 1024 + 1))
    names = [f"HW-LT-0{n}" for n in range(1, 8)]  # HW-LT-04 wrote no file
    config = files_only_config(tmp_path, names)

    result = run_cli(
        "scan", "--config", str(config), "--endpoint-facts", str(facts), "--as-of", AS_OF, "--format", "json", *ONLY
    )

    assert result.code == 4, result.err  # incomplete: errors, and nothing that was checked failed
    assert statuses(result.out) == every_rule("HW-LT-01", "PASS") | {
        key: status for n in range(2, 8) for key, status in every_rule(f"HW-LT-0{n}", "ERROR").items()
    }
    assert reasons(result.out) == {
        "HW-LT-02": f"could not be read: {facts}/HW-LT-02.json: facts are 9 days old (produced {shown}; "
        "endpoints.facts_max_age_days is 7)",
        "HW-LT-03": f"could not be read: {facts}/HW-LT-03.json: produced on 'HW-LT-09', not 'HW-LT-03': refused",
        "HW-LT-04": f"could not be read: no facts: no HW-LT-04.json in {facts}",
        "HW-LT-05": f"could not be read: {facts}/HW-LT-05.json: not a facts file: not UTF-8 JSON "
        "(Expecting value: line 1 column 201 (char 200))",
        "HW-LT-06": f"could not be read: {facts}/HW-LT-06.json: a link, not a regular file: refused",
        "HW-LT-07": f"could not be read: {facts}/HW-LT-07.json: larger than 1048576 bytes: refused",
    }
    [source] = json.loads(result.out)["sources"]
    assert source["source"] == f"facts files in {facts}: 1 of 7 facts files read"


def test_the_config_names_the_folder_and_the_age_limit(run_cli, tmp_path: Path) -> None:
    facts = tmp_path / "facts"
    facts.mkdir()
    nine_days_old, _ = written(dt.timedelta(days=9, hours=6))
    write_facts(facts, "HW-LT-02", computer="HW-LT-02", produced_at=nine_days_old)
    # Known by its DNS name, as the directory gives a computer: the file must say it was written there.
    write_facts(facts, "HW-LT-08", computer="HW-LT-08", dns_name="HW-LT-08.elsewhere.local", produced_at=FRESH)
    write_facts(facts, "HW-LT-09", computer="HW-LT-09", dns_name="hw-lt-09.holywell.local", produced_at=FRESH)
    names = ["HW-LT-02", "hw-lt-08.holywell.local", "hw-lt-09.holywell.local"]
    config = files_only_config(tmp_path, names, facts_dir="facts", facts_max_age_days=10)

    result = run_cli("scan", "--config", str(config), "--as-of", AS_OF, "--format", "json", *ONLY)

    assert result.code == 4, result.err
    assert statuses(result.out) == (
        every_rule("HW-LT-02", "PASS")
        | every_rule("hw-lt-08.holywell.local", "ERROR")
        | every_rule("hw-lt-09.holywell.local", "PASS")
    )
    assert reasons(result.out) == {
        "hw-lt-08.holywell.local": f"could not be read: {facts}/HW-LT-08.json: produced on "
        "'HW-LT-08.elsewhere.local', not the audited computer 'hw-lt-08.holywell.local': refused"
    }


def test_a_facts_folder_that_does_not_exist_is_refused_before_anything_is_read(run_cli, tmp_path: Path) -> None:
    config = files_only_config(tmp_path, ["HW-LT-01"], facts_dir="facts")
    result = run_cli("scan", "--config", str(config), "--format", "json")
    assert result.code == 3
    assert f"{config}:" in result.err
    assert f"endpoints.facts_dir: folder '{tmp_path / 'facts'}' does not exist" in result.err
    assert result.out == ""

    config = files_only_config(tmp_path, ["HW-LT-01"])
    result = run_cli("scan", "--config", str(config), "--endpoint-facts", str(tmp_path / "missing"))
    assert result.code == 2
    assert f"--endpoint-facts: folder '{tmp_path / 'missing'}' does not exist" in result.err

    result = run_cli("scan", "--demo", "--endpoint-facts", str(tmp_path))
    assert result.code == 2
    assert "--endpoint-facts reads the machines' facts files: it cannot be used with a snapshot" in result.err


def closed_port() -> int:
    """A loopback port nothing listens on: a machine whose WinRM is not enabled."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_machines_reached_over_winrm_and_machines_with_files_make_one_fact_set(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOLYAUDIT_WINRM_PASSWORD", ACCOUNT.password)
    facts = tmp_path / "facts"
    facts.mkdir()
    stale, _ = written(dt.timedelta(days=30))
    # WinRM's answer wins over a file: HW-LT-01's stale file is not read.
    write_facts(facts, "HW-LT-01", computer="HW-LT-01", produced_at=stale)
    write_facts(facts, "HW-PUPIL-01", computer="HW-PUPIL-01", produced_at=FRESH)
    sim = [SimHost(address="127.0.0.2", name="HW-LT-01", machine=machine(protection="Off"))]
    with Fleet(sim, credentials=[ACCOUNT], auth="ntlm") as fleet:
        config = write_config(tmp_path, fleet, transport="http", auth="ntlm", deadline=10, extra={"facts_dir": "facts"})
        inventory = tmp_path / "machines.yaml"
        hosts = yaml.safe_load(inventory.read_text(encoding="utf-8"))["hosts"]
        no_winrm = [
            {"name": "HW-PUPIL-01", "address": "127.0.0.1", "port": closed_port()},
            {"name": "HW-PUPIL-02", "address": "127.0.0.1", "port": closed_port()},
        ]
        inventory.write_text(yaml.safe_dump({"hosts": hosts + no_winrm}), encoding="utf-8")
        result = run_cli("scan", "--config", str(config), "--as-of", AS_OF, "--format", "json", *ONLY)
        snapshot = tmp_path / "snapshot.json"
        collected = run_cli("collect", "--config", str(config), "--output", str(snapshot))

    assert result.code == 1, result.err
    assert statuses(result.out) == (
        every_rule("HW-LT-01", "PASS")
        | {("laptop-encryption", "HW-LT-01"): "FAIL"}
        | every_rule("HW-PUPIL-01", "PASS")
        | every_rule("HW-PUPIL-02", "ERROR")
    )
    [reason] = {reasons(result.out)["HW-PUPIL-02"]}
    assert reason.startswith("could not be read: unreachable: ")
    assert reason.endswith(f"; no facts: no HW-PUPIL-02.json in {facts}")
    [source] = json.loads(result.out)["sources"]
    assert source["source"] == (
        f"WinRM over http, port 5985 and facts files in {facts}: "
        "1 of 3 machines reached (2 unreachable); 1 of 2 facts files read"
    )

    assert collected.code == 0, collected.err
    hosts = json.loads(snapshot.read_text(encoding="utf-8"))["fact_sets"]["endpoints.hosts"]
    records = {record["id"]: record for record in hosts["records"]}
    assert {host: (r["source"], r["connection"], r.get("facts_file")) for host, r in records.items()} == {
        "HW-LT-01": ("winrm", "reached", None),
        "HW-PUPIL-01": ("file", "unreachable", str(facts / "HW-PUPIL-01.json")),
        "HW-PUPIL-02": ("file", "unreachable", None),
    }
    assert records["HW-PUPIL-01"]["chassis_types"] == [10]
    again = run_cli("scan", "--snapshot", str(snapshot), "--as-of", AS_OF, "--format", "json", *ONLY)
    assert statuses(again.out) == statuses(result.out)


def test_config_check_counts_the_machines_and_the_files_without_reading_them(run_cli, tmp_path: Path) -> None:
    facts = tmp_path / "facts"
    facts.mkdir()
    write_facts(facts, "HW-LT-01", computer="HW-LT-01", produced_at=FRESH)
    config = files_only_config(tmp_path, ["HW-LT-01", "HW-LT-02"], facts_dir="facts")
    result = run_cli("config", "check", "--config", str(config))
    assert result.code == 0, result.err
    assert f"ok     endpoints: 2 machines; 1 facts files in {facts}\n" in result.out
