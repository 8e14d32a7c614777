"""Which GPO's value is in force: precedence, deletions and soft values across GPOs, disabled halves, unreadable
files and bad values."""

from __future__ import annotations

from holyaudit.collectors.gpo import gpttmpl
from holyaudit.collectors.gpo.effective import GpoContent, GpoFile, effective_settings
from holyaudit.collectors.gpo.links import AppliedGpo
from holyaudit.collectors.gpo.registry_pol import RegistryEntry, RegType

DESKTOP = "Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop"
TIMEOUT = "screensaver_timeout_secs"


def applied(precedence: int, name: str, *, user: bool = True, computer: bool = True) -> AppliedGpo:
    return AppliedGpo(precedence, f"cn={name}", name, "dc=x", 1, False, user, computer)


def user_pol(name: str, timeout: str) -> GpoContent:
    return GpoContent(name, user=(RegistryEntry.of(DESKTOP, "ScreenSaveTimeOut", RegType.SZ, timeout),))


def entries(name: str, *pairs: tuple[str, str], key: str = DESKTOP) -> GpoContent:
    """A GPO whose user Registry.pol holds (value name, string data) entries in order."""
    return GpoContent(name, user=tuple(RegistryEntry.of(key, entry, RegType.SZ, data) for entry, data in pairs))


def timeout_of(*gpos: GpoContent) -> tuple[object, object, object, object]:
    """(value, source, deletion, unreadable) of the screensaver timeout for GPOs given highest precedence first."""
    result = effective_settings(
        [applied(position, gpo.name) for position, gpo in enumerate(gpos, start=1)],
        {f"cn={gpo.name}": gpo for gpo in gpos},
    )
    return (
        result.values.get(TIMEOUT),
        result.set_by.get(TIMEOUT),
        result.deleted.get(TIMEOUT),
        result.unreadable.get(TIMEOUT),
    )


def test_the_highest_precedence_gpo_that_sets_a_value_wins_and_is_named():
    contents = {"cn=relaxed": user_pol("relaxed", "1800"), "cn=base": user_pol("base", "600")}
    result = effective_settings([applied(1, "relaxed"), applied(2, "base")], contents)
    assert (result.values, result.set_by, result.unreadable) == (
        {"screensaver_timeout_secs": 1800},
        {"screensaver_timeout_secs": "relaxed"},
        {},
    )


def test_a_gpo_with_its_user_half_disabled_is_passed_over_for_user_settings():
    contents = {"cn=relaxed": user_pol("relaxed", "1800"), "cn=base": user_pol("base", "600")}
    result = effective_settings([applied(1, "relaxed", user=False), applied(2, "base")], contents)
    assert result.set_by == {"screensaver_timeout_secs": "base"}


def test_an_unreadable_file_above_a_good_value_makes_the_setting_unknown_not_the_lower_value():
    broken = GpoContent("broken", errors={GpoFile.USER_POL: "User\\Registry.pol is corrupt: truncated"})
    result = effective_settings(
        [applied(1, "broken"), applied(2, "base")], {"cn=broken": broken, "cn=base": user_pol("base", "600")}
    )
    assert "screensaver_timeout_secs" not in result.values
    assert result.unreadable["screensaver_timeout_secs"] == "GPO 'broken': User\\Registry.pol is corrupt: truncated"


def test_an_unreadable_file_below_the_deciding_gpo_does_not_matter():
    broken = GpoContent("broken", errors={GpoFile.USER_POL: "could not be read"})
    result = effective_settings(
        [applied(1, "base"), applied(2, "broken")], {"cn=broken": broken, "cn=base": user_pol("base", "600")}
    )
    assert result.values == {"screensaver_timeout_secs": 600}
    # Settings the deciding GPO leaves alone may still be in the broken file: those are unknown.
    assert set(result.unreadable) == {"screensaver_active", "screensaver_secure"}


def test_a_value_that_is_not_a_number_is_unknown_with_the_value_shown():
    result = effective_settings([applied(1, "odd")], {"cn=odd": user_pol("odd", "ten minutes")})
    assert result.unreadable == {
        "screensaver_timeout_secs": "GPO 'odd' sets ScreenSaveTimeOut to 'ten minutes': 'ten minutes' is not a number"
    }


def test_gpttmpl_registry_values_and_system_access_are_read():
    template = gpttmpl.decode(
        b"[System Access]\r\nMinimumPasswordLength = 6\r\nPasswordComplexity = 1\r\n"
        b"[Registry Values]\r\n"
        b"MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\System\\InactivityTimeoutSecs=4,600\r\n"
    )
    result = effective_settings([applied(1, "base")], {"cn=base": GpoContent("base", template=template)})
    assert result.values == {"inactivity_timeout_secs": 600, "min_password_length": 6, "password_complexity": True}


def test_a_higher_gpo_that_deletes_the_value_removes_the_lower_gpos_value_and_is_named():
    override = entries("override", ("**del.ScreenSaveTimeOut", " "))
    assert timeout_of(override, user_pol("base", "600")) == (
        None,
        "override",
        "ScreenSaveTimeOut is deleted by GPO 'override' (**del.ScreenSaveTimeOut)",
        None,
    )


def test_a_lower_gpo_that_deletes_the_value_is_overridden_by_a_higher_gpo_that_sets_it():
    assert timeout_of(user_pol("strict", "300"), entries("cleaner", ("**del.ScreenSaveTimeOut", " "))) == (
        300,
        "strict",
        None,
        None,
    )


def test_each_deletion_marker_deletes_a_lower_gpos_value():
    markers = {
        "**delvals.": entries("wipe", ("**delvals.", " ")),
        "**DeleteValues": entries("wipe", ("**DeleteValues", "ScreenSaveActive;screensavetimeout")),
        "**DeleteKeys": entries(
            "wipe", ("**DeleteKeys", DESKTOP), key="Software\\Policies\\Microsoft\\Windows\\Control Panel"
        ),
    }
    for marker, wipe in markers.items():
        assert timeout_of(wipe, user_pol("base", "600")) == (
            None,
            "wipe",
            f"ScreenSaveTimeOut is deleted by GPO 'wipe' ({marker})",
            None,
        ), marker


def test_delvals_then_a_value_in_one_gpo_leaves_that_value():
    assert timeout_of(entries("list", ("**delvals.", " "), ("ScreenSaveTimeOut", "420")), user_pol("base", "600")) == (
        420,
        "list",
        None,
        None,
    )


def test_a_soft_value_sets_only_what_no_lower_gpo_set():
    soft = entries("gentle", ("**soft.ScreenSaveTimeOut", "900"))
    assert timeout_of(soft, user_pol("base", "600")) == (600, "base", None, None)
    assert timeout_of(soft) == (900, "gentle", None, None)
    assert timeout_of(soft, entries("cleaner", ("**del.ScreenSaveTimeOut", " "))) == (900, "gentle", None, None)


def test_a_soft_value_over_an_unreadable_lower_file_stays_unknown_and_a_deletion_over_it_is_known():
    broken = GpoContent("broken", errors={GpoFile.USER_POL: "User\\Registry.pol could not be read: denied"})
    soft = entries("gentle", ("**soft.ScreenSaveTimeOut", "900"))
    assert timeout_of(soft, broken) == (
        None,
        None,
        None,
        "GPO 'broken': User\\Registry.pol could not be read: denied",
    )
    wipe = entries("wipe", ("**del.ScreenSaveTimeOut", " "))
    assert timeout_of(wipe, broken)[:3] == (
        None,
        "wipe",
        "ScreenSaveTimeOut is deleted by GPO 'wipe' (**del.ScreenSaveTimeOut)",
    )


def test_a_deletion_in_a_gpo_whose_user_half_is_disabled_deletes_nothing():
    wipe = entries("wipe", ("**del.ScreenSaveTimeOut", " "))
    result = effective_settings(
        [applied(1, "wipe", user=False), applied(2, "base")], {"cn=wipe": wipe, "cn=base": user_pol("base", "600")}
    )
    assert (result.values[TIMEOUT], result.set_by[TIMEOUT], result.deleted) == (600, "base", {})


def account_policy(lines: str) -> dict[str, object]:
    template = gpttmpl.decode(f"[System Access]\r\n{lines}".encode())
    result = effective_settings([applied(1, "base")], {"cn=base": GpoContent("base", template=template)})
    assert set(result.set_by.values()) <= {"base"}
    return {**result.values, **{name: f"unknown: {why}" for name, why in result.unreadable.items()}}


def test_password_ages_history_lockout_and_reversible_encryption_are_read_in_their_units():
    assert account_policy(
        "MaximumPasswordAge = 90\r\nMinimumPasswordAge = 1\r\nPasswordHistorySize = 24\r\nLockoutBadCount = 10\r\n"
        "LockoutDuration = 30\r\nResetLockoutCount = 15\r\nClearTextPassword = 0\r\n"
    ) == {
        "max_password_age_days": 90,
        "min_password_age_days": 1,
        "password_history_size": 24,
        "lockout_threshold": 10,
        "lockout_duration_mins": 30,
        "lockout_window_mins": 15,
        "clear_text_password": False,
    }


def test_never_expires_and_locked_until_unlocked_read_the_way_the_domain_object_says_them():
    # MaximumPasswordAge 0 or -1: never (the domain's maxPwdAge "never" reads as 0 days).
    assert account_policy("MaximumPasswordAge = -1\r\n") == {"max_password_age_days": 0}
    assert account_policy("MaximumPasswordAge = 0\r\n") == {"max_password_age_days": 0}
    # LockoutDuration -1 (written by GPMC) or 0 (shown by its dialog): until an administrator unlocks, -1.
    assert account_policy("LockoutDuration = -1\r\n") == {"lockout_duration_mins": -1}
    assert account_policy("LockoutDuration = 0\r\n") == {"lockout_duration_mins": -1}
    assert account_policy("LockoutBadCount = 0\r\nClearTextPassword = 1\r\n") == {
        "lockout_threshold": 0,
        "clear_text_password": True,
    }


def test_out_of_range_account_policy_values_are_unknown_with_the_value_shown():
    assert account_policy("MaximumPasswordAge = -2\r\nPasswordHistorySize = -1\r\nClearTextPassword = 2\r\n") == {
        "max_password_age_days": (
            "unknown: GPO 'base' sets MaximumPasswordAge to -2: -2 is not a number of days, 0 or -1"
        ),
        "password_history_size": "unknown: GPO 'base' sets PasswordHistorySize to -1: -1 is negative",
        "clear_text_password": "unknown: GPO 'base' sets ClearTextPassword to 2: 2 is not 0 or 1",
    }


FIREWALL_PUBLIC = "Software\\Policies\\Microsoft\\WindowsFirewall\\PublicProfile"
FVE = "Software\\Policies\\Microsoft\\FVE"


def machine_dwords(name: str, *entries: tuple[str, str, int]) -> GpoContent:
    """A GPO whose machine Registry.pol holds (key, value name, DWORD) entries in order."""
    return GpoContent(name, machine=tuple(RegistryEntry.of(k, v, RegType.DWORD, d) for k, v, d in entries))


def test_firewall_and_removable_media_values_are_read_per_profile_and_named_by_their_gpo():
    firewall = machine_dwords(
        "firewall",
        (FIREWALL_PUBLIC, "EnableFirewall", 1),
        (FIREWALL_PUBLIC, "DefaultInboundAction", 0),
        (FVE, "RDVDenyWriteAccess", 1),
    )
    result = effective_settings([applied(1, "firewall")], {"cn=firewall": firewall})
    assert {k: v for k, v in result.values.items() if k.startswith(("firewall", "removable"))} == {
        "firewall_public_on": True,
        "firewall_public_blocks_inbound": False,
        "removable_write_needs_bitlocker": True,
    }
    assert result.set_by["firewall_public_on"] == "firewall"


def test_a_higher_gpo_deleting_the_firewall_value_leaves_it_unset_and_named():
    lower = machine_dwords("school firewall", (FIREWALL_PUBLIC, "EnableFirewall", 1))
    higher = GpoContent("lab", machine=(RegistryEntry.of(FIREWALL_PUBLIC, "**del.EnableFirewall", RegType.SZ, " "),))
    result = effective_settings(
        [applied(1, "lab"), applied(2, "school firewall")], {"cn=lab": higher, "cn=school firewall": lower}
    )
    assert "firewall_public_on" not in result.values
    assert (result.set_by["firewall_public_on"], result.deleted["firewall_public_on"]) == (
        "lab",
        "PublicProfile EnableFirewall is deleted by GPO 'lab' (**del.EnableFirewall)",
    )
