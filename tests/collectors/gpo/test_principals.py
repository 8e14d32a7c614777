"""Settings per principal: the weakest value any account gets, who gets what, and unordered settings that differ."""

from __future__ import annotations

from holyaudit.collectors.gpo.effective import SETTINGS, GpoContent
from holyaudit.collectors.gpo.links import AppliedGpo
from holyaudit.collectors.gpo.principals import judge, reaching
from holyaudit.collectors.gpo.registry_pol import RegistryEntry, RegType
from holyaudit.collectors.gpo.security import APPLY_GROUP_POLICY, AUTHENTICATED_USERS, Ace, SecurityFilter

SCREENSAVER = "Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop"
USER_SPECS = tuple(spec for spec in SETTINGS if spec.half == "user")
MACHINE_SPECS = tuple(spec for spec in SETTINGS if spec.half == "machine")


def gpo(name: str, precedence: int) -> AppliedGpo:
    return AppliedGpo(precedence, f"CN={name},CN=Policies", name, "OU=Supply", precedence, False, True, True)


LOCK, IDLE = gpo("Lock", 1), gpo("Idle", 2)
CONTENTS = {
    "cn=lock,cn=policies": GpoContent(
        "Lock",
        user=(RegistryEntry.of(SCREENSAVER, "ScreenSaveTimeOut", RegType.SZ, "300"),),
        template=None,
    ),
    "cn=idle,cn=policies": GpoContent(
        "Idle",
        user=(
            RegistryEntry.of(SCREENSAVER, "ScreenSaveActive", RegType.SZ, "1"),
            RegistryEntry.of(SCREENSAVER, "ScreenSaveTimeOut", RegType.SZ, "1200"),
        ),
    ),
}


def test_one_list_for_everyone_is_the_plain_effective_settings():
    judged = judge({"hill.k": (LOCK, IDLE), "morgan.l": (LOCK, IDLE)}, CONTENTS, USER_SPECS)
    assert judged.effective.values == {"screensaver_active": True, "screensaver_timeout_secs": 300}
    assert judged.varies == {}


def test_the_record_holds_the_weakest_value_and_names_who_gets_each():
    judged = judge({"hill.k": (LOCK, IDLE), "morgan.l": (IDLE,), "owen.n": ()}, CONTENTS, USER_SPECS)
    assert judged.effective.values == {}  # owen.n gets nothing at all
    assert judged.varies == {
        "ScreenSaveActive": "not set for owen.n; 1 (GPO 'Idle') for hill.k, morgan.l",
        "ScreenSaveTimeOut": "not set for owen.n; 1200 (GPO 'Idle') for morgan.l; 300 (GPO 'Lock') for hill.k",
    }
    longest = judge({"hill.k": (LOCK, IDLE), "morgan.l": (IDLE,)}, CONTENTS, USER_SPECS).effective
    assert (longest.values["screensaver_timeout_secs"], longest.set_by["screensaver_timeout_secs"]) == (1200, "Idle")


def test_an_unordered_setting_that_differs_is_unknown_naming_who_gets_what():
    contents = {
        "cn=lock,cn=policies": GpoContent(
            "Lock",
            machine=(
                RegistryEntry.of("Software\\Policies\\Microsoft\\Windows\\System", "UserPolicyMode", RegType.DWORD, 1),
            ),
        ),
        "cn=idle,cn=policies": GpoContent("Idle"),
    }
    judged = judge({"PC1": (LOCK, IDLE), "PC2": (IDLE,)}, contents, MACHINE_SPECS)
    assert "loopback_mode" not in judged.effective.values
    assert judged.effective.unreadable["loopback_mode"] == (
        "UserPolicyMode differs between the principals here: merge (GPO 'Lock') for PC1; not set for PC2"
    )


def test_reaching_keeps_a_gpo_whose_dacl_is_not_known():
    only_staff = SecurityFilter(
        (Ace(True, AUTHENTICATED_USERS, 0x20094, 0), Ace(True, "S-1-5-21-9-1102", 0x100, 0, APPLY_GROUP_POLICY))
    )
    filters = {"cn=lock,cn=policies": only_staff, "cn=idle,cn=policies": None}
    assert reaching((LOCK, IDLE), frozenset({AUTHENTICATED_USERS}), filters) == (IDLE,)
    assert reaching((LOCK, IDLE), frozenset({AUTHENTICATED_USERS, "S-1-5-21-9-1102"}), filters) == (LOCK, IDLE)
