"""Endpoint facts deciding what Group Policy alone cannot: a WMI-filtered machine setting, and encryption required
by MDM or MBAM as each laptop received it. Plain records in, exact records and rule statuses out."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from holyaudit.collectors.endpoint_evidence import evidence_needs, with_endpoint_evidence
from holyaudit.collectors.gpo.bitlocker import CONFIGURED, ENFORCED, NOTHING
from holyaudit.engine.context import EvalContext
from holyaudit.engine.evaluate import evaluate_rule
from holyaudit.engine.loader import find_profile, load_catalogue, load_profile
from holyaudit.facts import Computer, FactRecord, FactSet, GpoContainer, Host

BASE = "DC=holywell,DC=test"
KIOSKS, LAPTOPS, LOAN = f"OU=Kiosks,{BASE}", f"OU=Laptops,{BASE}", f"OU=Loan,OU=Laptops,{BASE}"
FILTERED = (
    "GPO 'Kiosk Idle' has WMI filter 'Tablets' (root\\CIMv2: SELECT * FROM Win32_SystemEnclosure WHERE "
    "ChassisTypes = 30): each client evaluates it, so whether {} applies here is not known"
)
AS_OF = dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC)


def fact_set(name: str, *records: FactRecord, error: str | None = None) -> FactSet:
    return FactSet(name=name, source="test", collected_at=AS_OF, records=records, error=error)


def computer(name: str, ou: str, laptop: bool = True) -> Computer:
    return Computer(id=name, ou=ou, enabled=True, categories=["laptop"] if laptop else [])


def reached(name: str, inactivity: int | None = 900, mdm: bool = False, mbam: bool = False) -> Host:
    return Host(
        id=name,
        connection="reached",
        inactivity_timeout_secs=inactivity,
        mdm_require_device_encryption=mdm,
        mbam_should_encrypt_os_drive=mbam,
    )


def joined(containers: list[GpoContainer], computers: list[Computer], hosts: list[Host]) -> dict[str, GpoContainer]:
    facts = with_endpoint_evidence(
        {
            "gpo.ous": fact_set("gpo.ous", *containers),
            "directory.computers": fact_set("directory.computers", *computers),
            "endpoints.hosts": fact_set("endpoints.hosts", *hosts),
        }
    )
    return {record.id: record for record in facts["gpo.ous"].records if isinstance(record, GpoContainer)}


def statuses(records: dict[str, GpoContainer], rule_id: str) -> dict[str, str]:
    bound = load_profile(find_profile("holywell"), load_catalogue()).rule(rule_id)
    assert bound is not None
    finding = evaluate_rule(
        bound, fact_set("gpo.ous", *records.values()), EvalContext(as_of=AS_OF, tz=ZoneInfo("Europe/London"))
    )
    return {result.id: result.status.value for result in finding.objects}


def kiosk_ou(**fields: object) -> GpoContainer:
    unreadable = {"inactivity_timeout_secs": FILTERED.format("InactivityTimeoutSecs")}
    return GpoContainer(id=KIOSKS, dn=KIOSKS, computers=2, unreadable=unreadable, **fields)  # type: ignore[arg-type]


def test_a_wmi_filtered_inactivity_limit_is_judged_by_every_machine_that_shows_it() -> None:
    records = joined(
        [GpoContainer(id=BASE, dn=BASE, computers=0), kiosk_ou()],
        [computer("KIOSK-1", KIOSKS, laptop=False), computer("KIOSK-2", KIOSKS, laptop=False)],
        [reached("kiosk-1", 300), reached("KIOSK-2", 600)],
    )
    kiosks = records[KIOSKS]
    assert (kiosks.inactivity_timeout_secs, kiosks.unreadable, kiosks.judged_by_endpoints) == (
        600,
        {},
        ["inactivity_timeout_secs"],
    )
    assert kiosks.endpoint_evidence == {"inactivity_timeout_secs": {"KIOSK-1": "300", "KIOSK-2": "600"}}
    assert [r.all_computers_lock_within_secs for r in records.values()] == [600, 600]


def test_a_machine_without_a_limit_leaves_the_container_without_one() -> None:
    records = joined(
        [kiosk_ou()],
        [computer("KIOSK-1", KIOSKS, laptop=False), computer("KIOSK-2", KIOSKS, laptop=False)],
        [reached("KIOSK-1", 300), reached("KIOSK-2", None)],
    )
    assert records[KIOSKS].inactivity_timeout_secs is None
    assert records[KIOSKS].endpoint_evidence["inactivity_timeout_secs"]["KIOSK-2"] == "nothing set"
    assert records[KIOSKS].all_computers_lock_within_secs is None


def test_machines_without_facts_keep_the_filtered_setting_unknown_and_are_named() -> None:
    unreached = Host(id="KIOSK-2", connection="unreachable", error="unreachable: connection refused")
    records = joined(
        [kiosk_ou()],
        [computer("KIOSK-1", KIOSKS, laptop=False), computer("KIOSK-2", KIOSKS, laptop=False)],
        [reached("KIOSK-1", 300), unreached],
    )
    reason = records[KIOSKS].unreadable["inactivity_timeout_secs"]
    assert reason == (
        FILTERED.format("InactivityTimeoutSecs")
        + "; endpoint facts do not show it for KIOSK-2 (unreachable: connection refused)"
    )
    assert records[KIOSKS].inactivity_timeout_secs is None
    assert records[KIOSKS].unreadable["all_computers_lock_within_secs"] == f"{KIOSKS}: {reason}"


def laptop_ou(ou: str = LAPTOPS, policy: str | None = CONFIGURED, **fields: object) -> GpoContainer:
    settings = {"EncryptionMethodWithXtsOs": 7} if policy == CONFIGURED else {}
    return GpoContainer(
        id=ou, dn=ou, laptops=2, bitlocker_os_drive_policy=policy, bitlocker_settings=settings, **fields
    )  # type: ignore[arg-type]


def test_laptops_that_all_show_an_mdm_or_mbam_requirement_make_the_ou_enforced() -> None:
    records = joined(
        [laptop_ou(), laptop_ou(LOAN, NOTHING)],
        [computer("LT-1", LAPTOPS), computer("LT-2", LAPTOPS), computer("LN-1", LOAN), computer("LN-2", LOAN)],
        [reached("LT-1", mdm=True), reached("LT-2", mbam=True), reached("LN-1", mdm=True), reached("LN-2")],
    )
    laptops, loan = records[LAPTOPS], records[LOAN]
    assert (laptops.bitlocker_os_drive_policy, laptops.judged_by_endpoints) == (ENFORCED, ["bitlocker_os_drive_policy"])
    assert laptops.endpoint_evidence == {
        "bitlocker_os_drive_policy": {
            "LT-1": "encryption required: MDM RequireDeviceEncryption 1",
            "LT-2": "encryption required: MBAM ShouldEncryptOSDrive 1",
        }
    }
    # One loan laptop received Intune's requirement, the other nothing: the OU stays as its GPOs leave it.
    assert (loan.bitlocker_os_drive_policy, loan.judged_by_endpoints) == (NOTHING, [])
    assert loan.endpoint_evidence["bitlocker_os_drive_policy"]["LN-2"] == "no encryption requirement received"
    assert statuses(records, "gpo-bitlocker-laptops") == {LAPTOPS: "PASS", LOAN: "FAIL"}


def test_a_wmi_filtered_requirement_is_decided_by_the_laptops_and_unknown_where_one_has_no_facts() -> None:
    wmi = {"bitlocker_os_drive_policy": FILTERED.format("ShouldEncryptOSDrive")}
    records = joined(
        [laptop_ou(policy=None, unreadable=wmi), laptop_ou(LOAN, policy=None, unreadable=wmi)],
        [computer("LT-1", LAPTOPS), computer("LT-2", LAPTOPS), computer("LN-1", LOAN), computer("LN-2", LOAN)],
        [reached("LT-1", mbam=True), reached("LT-2"), reached("LN-1", mbam=True)],
    )
    # LT-2 shows no requirement: the filtered GPO did not reach it, so the OU is not enforced.
    assert (records[LAPTOPS].bitlocker_os_drive_policy, records[LAPTOPS].unreadable) == (NOTHING, {})
    assert records[LOAN].bitlocker_os_drive_policy is None
    assert records[LOAN].unreadable["bitlocker_os_drive_policy"] == (
        FILTERED.format("ShouldEncryptOSDrive") + "; endpoint facts do not show it for LN-2 (no endpoint facts)"
    )
    assert statuses(records, "gpo-bitlocker-laptops") == {LAPTOPS: "FAIL", LOAN: "ERROR"}


def test_a_requirement_the_laptop_cannot_report_is_unknown_never_not_required() -> None:
    wmi = {"bitlocker_os_drive_policy": FILTERED.format("ShouldEncryptOSDrive")}
    denied = "the BitLocker policy keys could not be read: Requested registry access is not allowed."
    unread = Host(
        id="LT-2",
        connection="reached",
        unreadable={"mdm_require_device_encryption": denied, "mbam_should_encrypt_os_drive": denied},
    )
    records = joined(
        [laptop_ou(policy=None, unreadable=wmi)],
        [computer("LT-1", LAPTOPS), computer("LT-2", LAPTOPS)],
        [reached("LT-1", mdm=True), unread],
    )
    assert records[LAPTOPS].unreadable["bitlocker_os_drive_policy"].endswith(f"LT-2 ({denied})")
    assert statuses(records, "gpo-bitlocker-laptops") == {LAPTOPS: "ERROR"}


def test_without_endpoint_facts_nothing_changes() -> None:
    containers = [laptop_ou()]
    facts = {
        "gpo.ous": fact_set("gpo.ous", *containers),
        "directory.computers": fact_set("directory.computers", computer("LT-1", LAPTOPS)),
        "endpoints.hosts": fact_set("endpoints.hosts", error="no machines to visit"),
    }
    assert with_endpoint_evidence(facts) is facts
    assert with_endpoint_evidence({"gpo.ous": facts["gpo.ous"]}) == {"gpo.ous": facts["gpo.ous"]}


def test_the_join_reads_endpoint_fields_only_when_the_scan_visits_endpoints_anyway() -> None:
    gpo_only = {"gpo.ous": frozenset({"bitlocker_os_drive_policy"})}
    assert evidence_needs(gpo_only) == gpo_only
    both = evidence_needs({**gpo_only, "endpoints.hosts": frozenset({"volumes"})})
    assert both["endpoints.hosts"] == {
        "volumes",
        "inactivity_timeout_secs",
        "mdm_require_device_encryption",
        "mbam_should_encrypt_os_drive",
    }
    assert both["directory.computers"] == {"ou", "categories", "enabled"}
