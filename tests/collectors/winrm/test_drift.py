"""The drift join, with plain data: which GPO record judges a machine and each signed-in user."""

from __future__ import annotations

import datetime as dt

from holyaudit.collectors.winrm.drift import Intent, drift
from holyaudit.facts import Computer, FactRecord, FactSet, GpoContainer, Host, ScreenSaverPolicy, User

BASE = "DC=holywell,DC=test"
LAPTOPS = f"OU=Laptops,{BASE}"
PUPILS = f"OU=Pupils,{BASE}"


def fact_set(name: str, *records: FactRecord, error: str | None = None) -> FactSet:
    return FactSet(name=name, source="test", collected_at=dt.datetime.now(dt.UTC), records=records, error=error)


def intent(**gpo_error: str) -> Intent:
    return Intent.from_facts(
        fact_set(
            "gpo.ous",
            GpoContainer(id=BASE, screensaver_timeout_secs=600, screensaver_timeout_from="Baseline"),
            GpoContainer(id=LAPTOPS, inactivity_timeout_secs=900, inactivity_timeout_from="Device Lock"),
            GpoContainer(
                id=PUPILS,
                screensaver_active=True,
                screensaver_active_from="Baseline",
                screensaver_timeout_secs=1800,
                screensaver_timeout_from="Pupil Relaxed",
            ),
            error=gpo_error.get("error"),
        ),
        fact_set(
            "directory.computers", Computer(id="HW-LT-01", ou=LAPTOPS), Computer(id="HW-KIOSK", ou=f"OU=Kiosks,{BASE}")
        ),
        fact_set(
            "directory.users",
            User(id="brown.a", ou=PUPILS),
            User(id="Administrator", ou=f"CN=Users,{BASE}"),
        ),
    )


def host(name: str = "HW-LT-01", inactivity: int | None = 900, *hives: ScreenSaverPolicy) -> Host:
    return Host(id=name, inactivity_timeout_secs=inactivity, screensaver_users=list(hives))


def test_a_machine_that_enforces_its_policy_agrees() -> None:
    hive = ScreenSaverPolicy(id="HOLYWELL\\brown.a", active=True, secure=False, timeout_secs=1800)
    assert drift(host("hw-lt-01", 900, hive), intent()) == (
        {"policy_ou": LAPTOPS, "policy_drift": [], "policy_agrees": True},
        {},
    )


def test_only_settings_a_gpo_configures_are_compared_and_each_difference_is_named() -> None:
    hives = (
        ScreenSaverPolicy(id="HOLYWELL\\brown.a", active=False, secure=False, timeout_secs=600),
        ScreenSaverPolicy(id="HOLYWELL\\Administrator", active=True, secure=True, timeout_secs=601),
        ScreenSaverPolicy(id="HW-LT-01\\localadmin", active=False, secure=False, timeout_secs=None),
    )
    fields, unreadable = drift(host("HW-LT-01", None, *hives), intent())
    assert unreadable == {}
    assert fields["policy_drift"] == [
        "InactivityTimeoutSecs: the machine has nothing set, GPO 'Device Lock' sets 900",
        "ScreenSaveActive for HOLYWELL\\brown.a: the machine has 0, GPO 'Baseline' sets 1",
        "ScreenSaveTimeOut for HOLYWELL\\brown.a: the machine has 600, GPO 'Pupil Relaxed' sets 1800",
        # CN=Users has no GPO links of its own: the domain's GPOs judge it.
        "ScreenSaveTimeOut for HOLYWELL\\Administrator: the machine has 601, GPO 'Baseline' sets 600",
    ]
    assert fields["policy_agrees"] is False


def test_when_policy_cannot_be_known_drift_is_unknown_never_agreed() -> None:
    reason = "what Group Policy sets for it is unknown: not a computer account in the directory"
    assert drift(host("HW-UNKNOWN"), intent()) == (
        {},
        dict.fromkeys(["policy_agrees", "policy_drift", "policy_ou"], reason),
    )
    no_record = f"what Group Policy sets for it is unknown: no Group Policy record for OU=Kiosks,{BASE}"
    assert drift(host("HW-KIOSK"), intent())[1]["policy_agrees"] == no_record
    failed = drift(host(), intent(error="SYSVOL: access denied"))[1]
    assert failed["policy_agrees"] == "what Group Policy sets is unknown: gpo.ous: SYSVOL: access denied"


def test_a_hive_that_could_not_be_read_makes_drift_unknown_never_a_difference() -> None:
    denied = ScreenSaverPolicy(id="HOLYWELL\\brown.a", error="the hive could not be read: Access is denied.")
    fields, unreadable = drift(host("HW-LT-01", 900, denied), intent())
    reason = "what the machine has for HOLYWELL\\brown.a is unknown: the hive could not be read: Access is denied."
    assert fields == {"policy_ou": "OU=Laptops,DC=holywell,DC=test"}
    assert unreadable == {"policy_drift": reason, "policy_agrees": reason}


def test_a_probe_that_failed_makes_drift_unknown() -> None:
    unread = Host(id="HW-LT-01", unreadable={"inactivity_timeout_secs": "the system probe's output could not be used"})
    fields, unreadable = drift(unread, intent())
    assert fields == {"policy_ou": LAPTOPS}
    assert unreadable["policy_agrees"] == "the system probe's output could not be used"


def test_a_gpo_setting_that_could_not_be_read_is_unknown_never_nothing_set() -> None:
    unread = "the files of GPO 'Lock screens' were not read: access denied"
    gpo = fact_set(
        "gpo.ous",
        GpoContainer(id=BASE),
        GpoContainer(id=LAPTOPS, unreadable={"inactivity_timeout_secs": unread}),
        GpoContainer(id=PUPILS, unreadable={"screensaver_timeout_secs": unread}),
    )
    computers = fact_set("directory.computers", Computer(id="HW-LT-01", ou=LAPTOPS), Computer(id="HW-PC-01", ou=BASE))
    users = fact_set("directory.users", User(id="brown.a", ou=PUPILS))
    joined = Intent.from_facts(gpo, computers, users)
    fields, unreadable = drift(host("HW-LT-01", 1800), joined)
    assert fields == {"policy_ou": LAPTOPS}
    assert unreadable["policy_agrees"] == f"what Group Policy sets for {LAPTOPS} is unknown: {unread}"
    pupil = ScreenSaverPolicy(id="HOLYWELL\\brown.a", active=True, secure=True, timeout_secs=600)
    _, unreadable = drift(host("HW-PC-01", None, pupil), joined)
    assert unreadable["policy_agrees"] == f"what Group Policy sets for HOLYWELL\\brown.a is unknown: {unread}"


def deleting_intent() -> Intent:
    """OU=Staff: 'Staff Wipe' deletes the screensaver timeout and 'Lock Cleanup' the machine inactivity limit."""
    staff = f"OU=Staff,{BASE}"
    return Intent.from_facts(
        fact_set(
            "gpo.ous",
            GpoContainer(id=BASE),
            GpoContainer(
                id=staff,
                screensaver_secure=True,
                screensaver_secure_from="Baseline",
                screensaver_timeout_from="Staff Wipe",
                inactivity_timeout_from="Lock Cleanup",
            ),
        ),
        fact_set("directory.computers", Computer(id="HW-ST-01", ou=staff)),
        fact_set("directory.users", User(id="jones.b", ou=staff)),
    )


def test_a_value_a_gpo_deletes_is_drift_where_the_machine_still_has_it() -> None:
    kept = ScreenSaverPolicy(
        id="HOLYWELL\\jones.b",
        secure=True,
        timeout_secs=900,
        policy_values=["ScreenSaveTimeOut", "ScreenSaverIsSecure"],
    )
    fields, unreadable = drift(host("HW-ST-01", 600, kept), deleting_intent())
    assert unreadable == {}
    assert fields["policy_drift"] == [
        "InactivityTimeoutSecs: the machine has 600, GPO 'Lock Cleanup' deletes it",
        "ScreenSaveTimeOut for HOLYWELL\\jones.b: the machine's policy key has 900, GPO 'Staff Wipe' deletes it",
    ]
    assert fields["policy_agrees"] is False


def test_absence_of_a_deleted_value_agrees_and_the_users_own_setting_is_not_drift() -> None:
    # The timeout of 900 s is the user's own (Control Panel\Desktop): no GPO deletes that.
    own = ScreenSaverPolicy(
        id="HOLYWELL\\jones.b", secure=True, timeout_secs=900, policy_values=["ScreenSaverIsSecure"]
    )
    assert drift(host("HW-ST-01", None, own), deleting_intent()) == (
        {"policy_ou": f"OU=Staff,{BASE}", "policy_drift": [], "policy_agrees": True},
        {},
    )


def test_a_deleted_value_without_the_policy_key_recorded_is_unknown_never_agreed() -> None:
    old_snapshot = ScreenSaverPolicy(id="HOLYWELL\\jones.b", secure=True, timeout_secs=900)
    fields, unreadable = drift(host("HW-ST-01", None, old_snapshot), deleting_intent())
    reason = "whether HOLYWELL\\jones.b's policy key still has ScreenSaveTimeOut was not recorded"
    assert (fields, unreadable) == (
        {"policy_ou": f"OU=Staff,{BASE}"},
        {"policy_drift": reason, "policy_agrees": reason},
    )


DESKTOPS, LOAN = f"OU=Desktops,{BASE}", f"OU=Loan,{BASE}"
BITLOCKER_WRITE = "Deny write access to removable drives not protected by BitLocker (RDVDenyWriteAccess)"
DISKS_WRITE = "Removable Disks: Deny write access (Deny_Write)"


def removable_intent() -> Intent:
    """OU=Desktops: 'Desktop USB' sets Removable Disks Deny_Write 1. OU=Loan: 'USB Cleanup' deletes RDVDenyWriteAccess.
    No GPO configures the all-classes Deny_All anywhere."""
    return Intent.from_facts(
        fact_set(
            "gpo.ous",
            GpoContainer(id=BASE),
            GpoContainer(
                id=DESKTOPS, removable_disks_write_denied=True, removable_disks_write_denied_from="Desktop USB"
            ),
            GpoContainer(id=LOAN, removable_write_needs_bitlocker_from="USB Cleanup"),
        ),
        fact_set("directory.computers", Computer(id="HW-DT-01", ou=DESKTOPS), Computer(id="HW-LN-01", ou=LOAN)),
        fact_set("directory.users"),
    )


def removable(name: str, **values: bool | None) -> Host:
    return Host(id=name, inactivity_timeout_secs=None, screensaver_users=[], **values)


def test_a_removable_media_setting_the_gpo_sets_and_the_machine_holds_alike_agrees() -> None:
    # Values no GPO here configures (BitLocker's, and every class's Deny_All) are not compared, whatever they are.
    same = removable(
        "HW-DT-01",
        removable_disks_write_denied=True,
        removable_write_needs_bitlocker=False,
        removable_storage_all_denied=True,
    )
    assert drift(same, removable_intent()) == ({"policy_ou": DESKTOPS, "policy_drift": [], "policy_agrees": True}, {})


def test_a_removable_media_setting_the_machine_holds_otherwise_than_its_gpo_sets_is_drift() -> None:
    for value, shown in ((False, "0"), (None, "nothing set")):
        fields, unreadable = drift(removable("HW-DT-01", removable_disks_write_denied=value), removable_intent())
        assert unreadable == {}
        assert fields["policy_drift"] == [f"{DISKS_WRITE}: the machine has {shown}, GPO 'Desktop USB' sets 1"]
        assert fields["policy_agrees"] is False


def test_a_removable_media_value_a_gpo_deletes_is_drift_only_where_the_machine_still_has_it() -> None:
    fields, _ = drift(removable("HW-LN-01", removable_write_needs_bitlocker=True), removable_intent())
    assert fields["policy_drift"] == [f"{BITLOCKER_WRITE}: the machine has 1, GPO 'USB Cleanup' deletes it"]
    fields, _ = drift(removable("HW-LN-01", removable_write_needs_bitlocker=False), removable_intent())
    assert fields["policy_drift"] == [f"{BITLOCKER_WRITE}: the machine has 0, GPO 'USB Cleanup' deletes it"]
    assert drift(removable("HW-LN-01"), removable_intent()) == (
        {"policy_ou": LOAN, "policy_drift": [], "policy_agrees": True},
        {},
    )


def test_a_removable_media_value_the_probe_could_not_read_leaves_drift_unknown_as_any_unread_value_does() -> None:
    # As for the inactivity limit: unknown whether or not a GPO sets it, so never a PASS.
    odd = "Deny_Write is '1', not the DWORD 0 or 1"
    for name, ou in (("HW-DT-01", DESKTOPS), ("HW-LN-01", LOAN)):
        unread = removable(name, unreadable={"removable_disks_write_denied": odd})
        assert drift(unread, removable_intent()) == ({"policy_ou": ou}, {"policy_drift": odd, "policy_agrees": odd})


def test_a_removable_media_setting_whose_gpo_file_was_not_read_is_unknown_never_nothing_set() -> None:
    unread = "the files of GPO 'Desktop USB' were not read: access denied"
    gpo = fact_set("gpo.ous", GpoContainer(id=DESKTOPS, unreadable={"removable_disks_write_denied": unread}))
    joined = Intent.from_facts(
        gpo, fact_set("directory.computers", Computer(id="HW-DT-01", ou=DESKTOPS)), fact_set("directory.users")
    )
    reason = f"what Group Policy sets for {DESKTOPS} is unknown: {unread}"
    assert drift(removable("HW-DT-01", removable_disks_write_denied=True), joined) == (
        {"policy_ou": DESKTOPS},
        {"policy_drift": reason, "policy_agrees": reason},
    )
