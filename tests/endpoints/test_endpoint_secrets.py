"""The WinRM password never shows, however short or common it is: every message is built without it, so what a
scan reports is the same whatever the password, and nothing is masked letter by letter (a password ``e`` once
turned ``refused`` into ``r********fus********d``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from endpoint_support import ACCOUNT, AS_OF, USER, machine, write_config

from holyaudit.history.store import HistoryStore
from holyaudit.winrm_sim import Account, Fleet, SimHost
from holyaudit.winrm_sim.faults import Fault, FaultKind

LONG = ACCOUNT.password
SHORT_AND_COMMON = ["e", "s", "1", "HW-", "https", "wsman", "Access is denied.", "refused the credentials"]
"""One character; and words that occur in the hosts' names, the URLs and the messages themselves."""
RULE = "laptop-encryption"


def fleet_hosts() -> list[SimHost]:
    def host(n: int, name: str, kind: FaultKind | None) -> SimHost:
        fault = Fault(kind=kind) if kind is not None else None
        return SimHost(address=f"127.0.0.{n}", name=name, machine=machine(name=name), fault=fault)

    return [
        host(35, "HW-LT-35", None),
        host(36, "HW-LT-36", FaultKind.REFUSED),
        host(37, "HW-LT-37", FaultKind.SOAP_FAULT),
        host(38, "HW-LT-38", FaultKind.HTTP500_EMPTY),
        host(39, "HW-LT-39", FaultKind.HTTP401),
    ]


def everything_shown(run_cli, tmp_path: Path, tls, accepted: str, configured: str, monkeypatch) -> dict[str, str]:
    """Everything a scan and a config check show, write and store, with times and run ids made constant."""
    monkeypatch.setenv("HOLYAUDIT_WINRM_PASSWORD", configured)
    folder = tmp_path / f"run-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    log, history = folder / "scan.log", folder / "history.sqlite3"
    account = Account(ACCOUNT.domain, ACCOUNT.user, accepted)
    with Fleet(fleet_hosts(), credentials=[account], tls=tls.pair, auth="basic") as fleet:
        config = write_config(folder, fleet, ca_file=tls.ca, deadline=5)
        scan = run_cli("scan", "--config", str(config), "--as-of", AS_OF, "--only", RULE, "--format", "json",
                       "--log-file", str(log), "--history", str(history))  # fmt: skip
        check = run_cli("config", "check", "--config", str(config), "--sample", "5")
    assert scan.code == check.code == 4, scan.err + check.err
    with HistoryStore.open(history, read_only=True) as store:
        stored = [result for run in store.runs() for result in store.results(run)]
    shown = {
        "scan stdout": scan.out,
        "scan stderr": scan.err,
        "log": log.read_text(),
        "history": repr(stored),
        "check stdout": check.out,
        "check stderr": check.err,
    }
    raw = history.read_bytes() + b"".join(p.read_bytes() for p in folder.glob("history.sqlite3-*"))
    for password in {accepted, configured}:
        if password not in SHORT_AND_COMMON:  # a password no message holds by chance: nowhere at all
            assert password.encode() not in raw
            for name, text in shown.items():
                assert password not in text, name
    return {name: _constant_times(text.replace(str(folder), "FOLDER")) for name, text in shown.items()}


def _constant_times(text: str) -> str:
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?", "TIME", text)
    text = re.sub(r"\b[0-9a-f]{32}\b|\b[0-9a-f]{12}\b", "RUN", text)
    text = re.sub(r":\d+/wsman", ":PORT/wsman", text)  # each fleet gets free ports
    return re.sub(r"\d+(\.\d+)? s\b", "N s", text)


def test_with_the_long_password_every_host_s_reason_is_as_built_and_the_password_is_nowhere(
    run_cli, tmp_path: Path, tls, monkeypatch
) -> None:
    shown = everything_shown(run_cli, tmp_path, tls, LONG, LONG, monkeypatch)
    objects = json.loads(shown["scan stdout"])["findings"][0]["objects"]
    reasons = {o["id"]: o["reason"] for o in objects if o["status"] == "ERROR"}
    assert reasons == {
        "HW-LT-36": "could not be read: unreachable: https://127.0.0.36:PORT/wsman: connection refused (is WinRM "
        "listening on that port?)",
        "HW-LT-37": "could not be read: error: https://127.0.0.37:PORT/wsman: WS-Management fault: Access is denied.",
        "HW-LT-38": "could not be read: error: https://127.0.0.38:PORT/wsman: HTTP 500 from the WinRM service",
        "HW-LT-39": f"could not be read: auth failed: https://127.0.0.39:PORT/wsman refused the credentials of {USER}",
    }


@pytest.mark.parametrize("password", SHORT_AND_COMMON)
def test_a_short_or_common_password_changes_nothing_shown(run_cli, tmp_path: Path, tls, monkeypatch, password) -> None:
    assert everything_shown(run_cli, tmp_path, tls, password, password, monkeypatch) == everything_shown(
        run_cli, tmp_path, tls, LONG, LONG, monkeypatch
    )


@pytest.mark.parametrize("wrong", ["e", "wsman", "Wr0ng-But-Still-Secret"])
def test_a_wrong_password_short_or_long_changes_nothing_shown(run_cli, tmp_path: Path, tls, monkeypatch, wrong) -> None:
    refused = everything_shown(run_cli, tmp_path, tls, LONG, wrong, monkeypatch)
    assert refused == everything_shown(run_cli, tmp_path, tls, LONG, "Another-Wrong-0ne", monkeypatch)
    objects = {o["id"]: o for o in json.loads(refused["scan stdout"])["findings"][0]["objects"]}
    assert objects["HW-LT-35"]["reason"] == (
        f"could not be read: auth failed: https://127.0.0.35:PORT/wsman refused the credentials of {USER}"
    )
