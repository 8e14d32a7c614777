"""A night's fleet run with live schools: one against the suite's Samba AD DC, one against simulated Windows
machines over WinRM (real pywinrm), sixteen from snapshots, one whose DC is unreachable, one with a broken config
and one locked by another run: 21 sites, each in its own process, with exact codes, histories and reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from estate import AUDIT_PASSWORD
from samba_dc import SambaDC
from seed import write_config

from fleets import FleetFiles, summary_codes
from holyaudit.audit.unattended import default_lock_path, run_lock
from holyaudit.history.store import HistoryStore
from holyaudit.winrm_sim import Account, Fleet
from holyaudit.winrm_sim.estate import demo_hosts

WINRM = Account("HOLYWELL", "audit-winrm", "Winrm-Secr3t-Pa55")
SNAPSHOT_SCHOOLS = [f"school-{n:02d}" for n in range(1, 17)]
SAMBA_SCHOOL = "Holywell Primary School (Samba test DC)"  # the name tests/directory/seed.py gives the site


def test_a_fleet_with_live_and_snapshot_sites_runs_each_to_its_own_code(
    run_cli, samba_dc: SambaDC, tls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)
    monkeypatch.setenv("HOLYAUDIT_WINRM_PASSWORD", WINRM.password)
    files = FleetFiles(tmp_path / "fleet")
    # What every school shares, written once: the time zone, and how WinRM is reached.
    files.base = {
        "site": {"timezone": "Europe/London"},
        "endpoints": {"transport": "https", "auth": "basic", "user": "HOLYWELL\\audit-winrm", "ca_file": str(tls.ca),
                      "from_directory": False, "deadline_seconds": 20, "connect_timeout_seconds": 3},
    }  # fmt: skip
    for number, site_id in enumerate(SNAPSHOT_SCHOOLS, start=1):
        files.add_snapshot_school(site_id, f"School {number:02d}")
    samba_config = files.add("samba", "")
    write_config(samba_dc, samba_config)
    with Fleet(demo_hosts(), credentials=[WINRM], tls=tls.pair, auth="basic") as machines:
        inventory = files.folder / "schools" / "machines.yaml"
        hosts = [{"name": h.name or h.address, "address": h.address, "port": h.port} for h in machines.hosts]
        inventory.write_text(json.dumps({"hosts": hosts}), encoding="utf-8")
        # Only what differs from the base: the school's name and its machines.
        files.add("winrm", {"site": {"name": "WinRM School"}, "endpoints": {"inventory": "machines.yaml"}})
        files.add("unreachable", {"site": {"name": "Unreachable School"},
                                  "directory": {"server": "127.0.0.1", "port": 1, "ca_file": str(tls.ca),
                                                "bind_user": "audit@holywell.test", "timeout_seconds": 5}})  # fmt: skip
        files.add("broken", "site:\n  name: Broken School\n  colour: blue\n")
        files.add_snapshot_school("locked", "Locked School")
        fleet_file = files.write(formats=["json"], concurrency=4, deadline_seconds=300)
        with run_lock(default_lock_path(files.history, "Locked School"), "another-run"):
            result = run_cli("fleet", "run", str(fleet_file), "--format", "json", "--quiet")

    assert summary_codes(result.out) == {
        **dict.fromkeys(SNAPSHOT_SCHOOLS, 1),
        "samba": 1,  # the seeded school fails several rules
        "winrm": 1,  # the demo machines fail endpoint rules (directory rules are ERROR: no directory configured)
        "unreachable": 4,
        "broken": 3,
        "locked": 5,
    }
    assert result.code == 3
    summary = json.loads(result.out)
    outcomes = {site["id"]: site for site in summary["sites"]}
    assert (
        outcomes["broken"]["outcome"] == f"{files.folder / 'schools' / 'broken.yaml'}:3:3: unknown key 'colour' in site"
    )
    assert outcomes["locked"]["outcome"].startswith("another holyaudit run holds the lock ")

    with HistoryStore.open(files.history, read_only=True) as store:
        runs = {run.site: run for run in store.runs()}
    assert sorted(runs) == sorted([*(f"School {n:02d}" for n in range(1, 17)), SAMBA_SCHOOL, "WinRM School",
                                   "Unreachable School"])  # fmt: skip
    assert {site: run.exit_code for site, run in runs.items() if not site.startswith("School ")} == {
        SAMBA_SCHOOL: 1,
        "WinRM School": 1,
        "Unreachable School": 4,
    }
    for site_id in ("samba", "winrm", "unreachable"):
        [report] = outcomes[site_id]["reports"]
        data = json.loads(Path(report).read_text(encoding="utf-8"))
        assert data["site"] == outcomes[site_id]["site"]
        assert outcomes[site_id]["run_id"] == runs[data["site"]].run_id
    winrm_sources = json.loads(Path(outcomes["winrm"]["reports"][0]).read_text(encoding="utf-8"))["sources"]
    assert any(source["source"].startswith("WinRM over https, port ") for source in winrm_sources)
    samba_sources = json.loads(Path(outcomes["samba"]["reports"][0]).read_text(encoding="utf-8"))["sources"]
    assert all(source["error"] is None for source in samba_sources if source["name"].startswith("directory."))
