"""Object ids stay unique where the directory's names do not, against the real Samba DC: two computers with one
cn in different OUs, and an MIS-only leaver whose employee ID is another user's sAMAccountName. Each is judged
under an id of its own, and ``collect`` writes a snapshot that ``scan --snapshot`` loads and judges as the live
scan does (a repeated id would be refused there, exit 3)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from estate import AUDIT_PASSWORD, LAPTOPS_OU, LOAN_OU, WORKSTATION
from expected import EXPECTED
from seed import write_config

BITLOCKER = "bitlocker-key-escrowed"
LEAVERS = "leaver-accounts-disabled"


@pytest.fixture
def second_hw_lt_01(samba_dc) -> Iterator[str]:
    """A second ``CN=HW-LT-01``, in the Loan OU (the first is in Laptops) as AD allows, with the domain-unique
    sAMAccountName ``HW-LT-06$`` and no recovery key; removed again afterwards so the shared estate stays as
    seeded."""
    dn = f"CN=HW-LT-01,{LOAN_OU},{samba_dc.base_dn}"
    with samba_dc.admin_connection() as conn:
        attributes = {"sAMAccountName": "HW-LT-06$", "userAccountControl": WORKSTATION}
        assert conn.add(dn, ["top", "person", "organizationalPerson", "user", "computer"], attributes), conn.result
    try:
        yield dn
    finally:
        with samba_dc.admin_connection() as conn:
            conn.delete(dn)


def scan(run_cli, config: Path, rule_id: str, *extra: str) -> tuple[int, dict[str, str]]:
    result = run_cli("scan", "--config", str(config), "--format", "json", "--only", rule_id, *extra)
    assert result.out, result.err
    (finding,) = json.loads(result.out)["findings"]
    return result.code, {o["id"]: o["status"] for o in finding["objects"]}


def collect_and_scan(run_cli, config: Path, rule_id: str, snapshot: Path, as_of: dt.datetime):
    collected = run_cli("collect", "--config", str(config), "--output", str(snapshot))
    assert collected.code == 0, collected.err
    live = scan(run_cli, config, rule_id, "--as-of", as_of.isoformat())
    offline = scan(run_cli, config, rule_id, "--snapshot", str(snapshot), "--as-of", as_of.isoformat())
    return live, offline, json.loads(snapshot.read_text(encoding="utf-8"))["fact_sets"]


def test_two_computers_with_one_cn_are_judged_under_their_own_ids(
    run_cli, samba_dc, second_hw_lt_01, seeded_at, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)
    config = write_config(samba_dc, tmp_path / "site.yaml")

    live, offline, fact_sets = collect_and_scan(run_cli, config, BITLOCKER, tmp_path / "estate.json", seeded_at)

    expected = {name: status.value for name, status in EXPECTED[BITLOCKER].items()}
    assert live == offline == (1, {**expected, "HW-LT-06": "FAIL"})
    assert expected["HW-LT-01"] == "PASS"  # the first HW-LT-01 keeps its id and its escrowed key
    computers = {c["id"]: c for c in fact_sets["directory.computers"]["records"]}
    assert (computers["HW-LT-06"]["ou"], computers["HW-LT-01"]["ou"]) == (
        f"{LOAN_OU},{samba_dc.base_dn}",
        f"{LAPTOPS_OU},{samba_dc.base_dn}",
    )


def test_an_mis_only_leaver_whose_employee_id_is_a_users_name_gets_an_id_of_its_own(
    run_cli, samba_dc, seeded_at, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)
    export = tmp_path / "leavers.csv"
    with export.open("w", newline="", encoding="utf-8") as out:
        left = (seeded_at.date() - dt.timedelta(days=20)).strftime("%d/%m/%Y")
        csv.writer(out).writerows([["Username", "Leaving Date"], ["parker.l", left]])
    config = write_config(samba_dc, tmp_path / "site.yaml")
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings["mis"] = {"leavers_csv": str(export), "match_on": "employeeID"}  # no seeded user has an employeeID
    config.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")

    live, offline, fact_sets = collect_and_scan(run_cli, config, LEAVERS, tmp_path / "estate.json", seeded_at)

    expected = {name: status.value for name, status in EXPECTED[LEAVERS].items()}
    assert live == offline == (1, {**expected, "mis:parker.l": "NOT_APPLICABLE"})
    users = {u["id"]: u for u in fact_sets["directory.users"]["records"]}
    assert users["mis:parker.l"]["in_directory"] is False
    assert users["parker.l"].get("in_directory", True) is True
