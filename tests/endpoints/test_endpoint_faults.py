"""Machines that misbehave: each ends in its own status within the deadline, as ERROR findings, never PASS."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from endpoint_support import ACCOUNT, AS_OF, machine, write_config

from holyaudit.winrm_sim import Fleet, SimHost
from holyaudit.winrm_sim.faults import Fault, FaultKind

DEADLINE = 3.0


def faulty(address: str, kind: FaultKind) -> SimHost:
    fault = Fault(kind=kind, trickle_secs=0.5) if kind is FaultKind.TRICKLE else Fault(kind=kind)
    return SimHost(address=address, name=f"HW-{kind.value}", machine=machine(), fault=fault)


NTLM_FAULTS = (FaultKind.NTLM_NO_CHALLENGE, FaultKind.NTLM_DROP)


def test_each_fault_ends_in_its_status_within_the_deadline(run_cli, tmp_path: Path, tls, password: str) -> None:
    kinds = [kind for kind in FaultKind if kind not in NTLM_FAULTS]  # Basic over HTTPS here
    hosts = [SimHost(address="127.0.0.20", name="HW-OK", machine=machine())]
    hosts += [faulty(f"127.0.0.{21 + i}", kind) for i, kind in enumerate(kinds)]
    snapshot = tmp_path / "snapshot.json"
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic") as fleet:
        config = write_config(tmp_path, fleet, ca_file=tls.ca, deadline=DEADLINE)
        started = time.monotonic()
        result = run_cli("collect", "--config", str(config), "--output", str(snapshot))
        elapsed = time.monotonic() - started
        open_shells = fleet.open_shells()
        running = {h.name: h.running_commands for h in fleet.hosts if h.running_commands}
    assert result.code == 0, result.err
    records = json.loads(snapshot.read_text())["fact_sets"]["endpoints.hosts"]["records"]
    assert {r["id"]: r["connection"] for r in records} == {
        "HW-OK": "reached",
        "HW-refused": "unreachable",
        "HW-hang": "timed out",
        "HW-trickle": "timed out",
        "HW-http401": "auth failed",
        "HW-soap_fault": "error",
        "HW-operation_timeout": "timed out",
        "HW-http500_empty": "error",
        "HW-command_hangs": "timed out",
        "HW-fault_http200": "error",
    }
    reasons = {r["id"]: r.get("error") for r in records}
    assert reasons["HW-OK"] is None
    assert reasons["HW-soap_fault"].endswith("WS-Management fault: Access is denied.")
    assert reasons["HW-fault_http200"] == (
        f"error: {fleet.endpoint('HW-fault_http200')}: WS-Management fault: Access is denied."
    )
    assert reasons["HW-http500_empty"].endswith("HTTP 500 from the WinRM service")
    assert "refused the credentials of HOLYWELL\\audit-winrm" in reasons["HW-http401"]
    assert "connection refused" in reasons["HW-refused"]
    # Every visit runs at once (fewer machines than endpoints.concurrency): the whole collection is bounded by
    # one deadline, plus the clean-up's budget and the time to cut a visit off.
    assert elapsed < DEADLINE + 5
    # Every shell that was created was deleted and no command is left running, also on the machines whose
    # command never finished: the one answering each Receive with the timed-out fault, and the one holding
    # the Receive in flight past the deadline, whose clean-up needs a fresh connection. Only the trickling
    # server keeps one: it created a shell whose id it was still spelling out at the deadline.
    assert open_shells == {"HW-trickle": 1}
    assert running == {}


def test_unreached_machines_are_errors_and_the_report_says_how_many_were_reached(
    run_cli,
    tmp_path: Path,
    tls,
    password: str,
) -> None:
    hosts = [
        SimHost(address="127.0.0.30", name="HW-OK", machine=machine()),
        faulty("127.0.0.31", FaultKind.REFUSED),
    ]
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic") as fleet:
        config = write_config(tmp_path, fleet, ca_file=tls.ca, deadline=DEADLINE)
        result = run_cli("scan", "--config", str(config), "--as-of", AS_OF, "--only", "autologon-no-stored-password")
    assert result.code == 4, result.err
    assert "WinRM over https, port 5986: 1 of 2 machines reached (1 unreachable)" in result.out
    assert "HW-refused" in result.out
    assert "unreachable:" in result.out


def test_a_wrong_password_never_appears_in_any_output(
    run_cli, tmp_path: Path, tls, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "Wr0ng-But-Still-Secret"
    monkeypatch.setenv("HOLYAUDIT_WINRM_PASSWORD", wrong)
    hosts = [SimHost(address="127.0.0.32", name="HW-LT-32", machine=machine())]
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic") as fleet:
        config = write_config(tmp_path, fleet, ca_file=tls.ca)
        table = run_cli("scan", "--config", str(config), "--as-of", AS_OF, "--only", "laptop-encryption")
        report = run_cli(
            "scan", "--config", str(config), "--as-of", AS_OF, "--format", "json", "--only", "laptop-encryption"
        )
    assert table.code == report.code == 4
    objects = json.loads(report.out)["findings"][0]["objects"]
    assert [(o["id"], o["status"]) for o in objects] == [("HW-LT-32", "ERROR")]
    assert "auth failed" in objects[0]["reason"]
    for text in (table.out, table.err, report.out, report.err):
        assert wrong not in text
        assert ACCOUNT.password not in text


def test_an_untrusted_certificate_is_an_error_naming_the_ca_setting(
    run_cli, tmp_path: Path, tls, password: str
) -> None:
    hosts = [SimHost(address="127.0.0.33", name="HW-LT-33", machine=machine())]
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic") as fleet:
        config = write_config(tmp_path, fleet, ca_file=None)  # the system's CAs do not know the test CA
        result = run_cli(
            "scan", "--config", str(config), "--as-of", AS_OF, "--format", "json", "--only", "laptop-encryption"
        )
    assert result.code == 4
    reason = json.loads(result.out)["findings"][0]["objects"][0]["reason"]
    assert "certificate not trusted" in reason
    assert "endpoints.ca_file" in reason


def test_basic_over_http_is_refused_when_the_config_is_read(run_cli, tmp_path: Path) -> None:
    config = tmp_path / "holyaudit.yaml"
    config.write_text(yaml.safe_dump({"endpoints": {"transport": "http", "auth": "basic", "user": "u"}}))
    result = run_cli("scan", "--config", str(config))
    assert result.code == 3
    assert f"{config}:2:" in result.err
    assert "auth: basic sends the password readably over http" in result.err


def test_dead_machines_do_not_hold_up_the_living_ones(run_cli, tmp_path: Path, tls, password: str) -> None:
    """Ten machines that never answer and two that do, two at a time, two seconds each: silent machines give up
    their place after a third of the deadline, so the scan takes under five seconds, where holding every place
    to the deadline would take ten (one deadline per two dead machines)."""
    deadline = 2.0
    hosts = [faulty(f"127.0.0.{21 + i}", FaultKind.HANG).model_copy(update={"name": f"HW-DEAD-{i}"}) for i in range(10)]
    hosts += [SimHost(address=f"127.0.0.{31 + i}", name=f"HW-OK-{i}", machine=machine()) for i in range(2)]
    snapshot = tmp_path / "snapshot.json"
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic") as fleet:
        config = write_config(tmp_path, fleet, ca_file=tls.ca, deadline=deadline, extra={"concurrency": 2})
        started = time.monotonic()
        result = run_cli("collect", "--config", str(config), "--output", str(snapshot))
        elapsed = time.monotonic() - started
    assert result.code == 0, result.err
    records = json.loads(snapshot.read_text())["fact_sets"]["endpoints.hosts"]["records"]
    assert {r["id"]: r["connection"] for r in records} == {
        **{f"HW-DEAD-{i}": "timed out" for i in range(10)},
        **{f"HW-OK-{i}": "reached" for i in range(2)},
    }
    assert elapsed < 4 * deadline


def test_an_audit_of_no_machines_is_an_error_not_compliant(run_cli, tmp_path: Path, password: str) -> None:
    inventory = tmp_path / "machines.yaml"
    inventory.write_text("hosts: []\n")
    config = tmp_path / "holyaudit.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "endpoints": {
                    "auth": "ntlm",
                    "user": "HOLYWELL\\audit",
                    "from_directory": False,
                    "inventory": inventory.name,
                }
            }
        )
    )
    result = run_cli("scan", "--config", str(config), "--format", "json", "--only", "laptop-encryption")
    assert result.code == 4, result.err
    source = json.loads(result.out)["sources"][0]
    assert source["error"] == f"no machines to audit: none in the inventory {inventory}"


def test_a_winlogon_key_the_account_cannot_read_is_an_error_not_a_pass(
    run_cli, tmp_path: Path, tls, password: str
) -> None:
    unreadable = machine().model_copy(update={"registry": {}})  # Get-Item finds nothing: access was denied
    hosts = [SimHost(address="127.0.0.37", name="HW-LOCKED", machine=unreadable)]
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic") as fleet:
        config = write_config(tmp_path, fleet, ca_file=tls.ca)
        result = run_cli("scan", "--config", str(config), "--format", "json", "--only", "autologon-no-stored-password")
    assert result.code == 4, result.err
    (only,) = json.loads(result.out)["findings"][0]["objects"]
    assert (only["id"], only["status"]) == ("HW-LOCKED", "ERROR")
    assert "the Winlogon registry key could not be read" in only["reason"]


def test_a_quiet_collect_says_nothing_but_still_writes_and_exits_by_outcome(
    run_cli, tmp_path: Path, tls, password: str
) -> None:
    hosts = [SimHost(address="127.0.0.38", name="HW-Q", machine=machine())]
    snapshot = tmp_path / "snapshot.json"
    with Fleet(hosts, credentials=[ACCOUNT], tls=tls.pair, auth="basic") as fleet:
        config = write_config(tmp_path, fleet, ca_file=tls.ca)
        result = run_cli("collect", "--config", str(config), "--output", str(snapshot), "--quiet")
    assert (result.code, result.out, result.err) == (0, "", "")
    records = json.loads(snapshot.read_text())["fact_sets"]["endpoints.hosts"]["records"]
    assert [(r["id"], r["connection"]) for r in records] == [("HW-Q", "reached")]


def test_ntlm_handshake_faults_and_a_hung_command_over_http(run_cli, tmp_path: Path, password: str) -> None:
    """NTLM over HTTP with message encryption: a 401 with no challenge is "auth failed", a connection dropped
    mid-handshake says so, a fault sent with HTTP 200 gives its text, and a command that never finishes leaves
    no shell behind even though its clean-up must authenticate a fresh connection."""
    kinds = [*NTLM_FAULTS, FaultKind.HTTP401, FaultKind.FAULT_HTTP200, FaultKind.COMMAND_HANGS]
    hosts = [SimHost(address="127.0.0.40", name="HW-OK", machine=machine())]
    hosts += [faulty(f"127.0.0.{41 + i}", kind) for i, kind in enumerate(kinds)]
    snapshot = tmp_path / "snapshot.json"
    with Fleet(hosts, credentials=[ACCOUNT], auth="ntlm") as fleet:
        config = write_config(tmp_path, fleet, transport="http", auth="ntlm", deadline=DEADLINE)
        result = run_cli("collect", "--config", str(config), "--output", str(snapshot))
        open_shells = fleet.open_shells()
        url = {h.name: h.endpoint for h in fleet.hosts}
    assert result.code == 0, result.err
    records = json.loads(snapshot.read_text())["fact_sets"]["endpoints.hosts"]["records"]
    assert {r["id"]: r.get("error") for r in records} == {
        "HW-OK": None,
        "HW-ntlm_no_challenge": f"auth failed: {url['HW-ntlm_no_challenge']}: answered NTLM's negotiate message "
        "with HTTP 401 and no challenge",
        "HW-ntlm_drop": f"error: {url['HW-ntlm_drop']}: closed the connection during the NTLM handshake (NTLM "
        "needs one connection kept open throughout: is a proxy or load balancer in between?)",
        "HW-http401": f"auth failed: {url['HW-http401']} refused the credentials of HOLYWELL\\audit-winrm",
        "HW-fault_http200": f"error: {url['HW-fault_http200']}: WS-Management fault: Access is denied.",
        "HW-command_hangs": "timed out: no complete answer before the deadline",
    }
    assert open_shells == {}


def test_a_scan_with_hung_commands_leaves_no_shell_on_any_machine(run_cli, tmp_path: Path, password: str) -> None:
    """Twelve machines over NTLM, four at a time, every third one's command never finishing: each hung visit
    times out with its Receive in flight, then stops its command and deletes its shell on a fresh connection."""
    hosts = [
        SimHost(
            address=f"127.0.0.{50 + i}",
            name=f"HW-{i:02}",
            machine=machine(name=f"HW-{i:02}"),
            fault=Fault(kind=FaultKind.COMMAND_HANGS) if i % 3 == 0 else None,
        )
        for i in range(12)
    ]
    snapshot = tmp_path / "snapshot.json"
    with Fleet(hosts, credentials=[ACCOUNT], auth="ntlm") as fleet:
        config = write_config(tmp_path, fleet, transport="http", auth="ntlm", deadline=2.0, extra={"concurrency": 4})
        result = run_cli("collect", "--config", str(config), "--output", str(snapshot))
        open_shells = fleet.open_shells()
        running = sum(h.running_commands for h in fleet.hosts)
        started = sum(1 for h in fleet.hosts if h.commands)
    assert result.code == 0, result.err
    records = json.loads(snapshot.read_text())["fact_sets"]["endpoints.hosts"]["records"]
    assert {r["id"]: r["connection"] for r in records} == {
        f"HW-{i:02}": "timed out" if i % 3 == 0 else "reached" for i in range(12)
    }
    assert started == 12  # every machine, hung or not, had a shell and a command to clean up
    assert (open_shells, running) == ({}, 0)
