"""Which GPO's value is in force: precedence, disabled halves, unreadable files and bad values."""

from __future__ import annotations

from holyaudit.collectors.gpo import gpttmpl
from holyaudit.collectors.gpo.effective import GpoContent, GpoFile, effective_settings
from holyaudit.collectors.gpo.links import AppliedGpo

DESKTOP = ("software\\policies\\microsoft\\windows\\control panel\\desktop", "screensavetimeout")


def applied(precedence: int, name: str, *, user: bool = True, computer: bool = True) -> AppliedGpo:
    return AppliedGpo(precedence, f"cn={name}", name, "dc=x", 1, False, user, computer)


def user_pol(name: str, timeout: str) -> GpoContent:
    return GpoContent(name, user={DESKTOP: timeout})


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
