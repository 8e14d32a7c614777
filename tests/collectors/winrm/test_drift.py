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
