"""Reading the firewall, Remote Desktop, local administrators and removable media probes at their boundaries."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from holyaudit.collectors.winrm.interpret import host_fields
from holyaudit.facts import FirewallProfile, LocalGroupMember


def read(**outputs: object) -> tuple[dict[str, object], dict[str, str]]:
    return host_fields(outputs, ZoneInfo("Europe/London"))


def profile(name: str, enabled: str = "True", inbound: str = "Block") -> dict[str, str]:
    return {"name": name, "enabled": enabled, "inbound": inbound}


def test_the_firewall_profiles_come_back_in_a_fixed_order_whatever_order_windows_gives() -> None:
    fields, unreadable = read(
        firewall={"profiles": [profile("Public"), profile("Domain", inbound="NotConfigured"), profile("Private")]}
    )
    assert unreadable == {}
    assert fields["firewall_profiles"] == [
        FirewallProfile(id="Domain", enabled=True, default_inbound_action="Block"),
        FirewallProfile(id="Private", enabled=True, default_inbound_action="Block"),
        FirewallProfile(id="Public", enabled=True, default_inbound_action="Block"),
    ]


def test_a_missing_profile_leaves_the_firewall_unknown_not_judged_on_the_others() -> None:
    fields, unreadable = read(firewall={"profiles": [profile("Domain"), profile("Private")], "error": None})
    assert "firewall_profiles" not in fields
    assert unreadable == {"firewall_profiles": "the firewall reported no Public profile"}


def test_an_enum_printed_as_a_number_is_unknown_for_that_profile() -> None:
    # ConvertTo-Json prints an enum's number (GpoBoolean True is 1) when the probe does not cast it.
    fields, _ = read(firewall={"profiles": [profile("Domain", enabled="1"), profile("Private"), profile("Public")]})
    domain = fields["firewall_profiles"][0]
    assert (domain.enabled, domain.unreadable) == (None, {"enabled": "Enabled is '1', not True or False"})


def test_a_policy_value_of_zero_still_wins_over_the_machine_value() -> None:
    # 0 is falsy: a reader that tested "policy value or local value" would take the machine's 1 here.
    local = {"fDenyTSConnections": 0, "UserAuthentication": 1, "SecurityLayer": 2}
    policy = {"fDenyTSConnections": None, "UserAuthentication": 0, "SecurityLayer": 0}
    fields, unreadable = read(remotedesktop={"policy": policy, "local": local, "error": None})
    assert unreadable == {}
    assert (fields["rdp_enabled"], fields["rdp_nla_required"], fields["rdp_security_layer"]) == (True, False, 0)


@pytest.mark.parametrize("value", [True, "2", 3, -1])
def test_a_security_layer_outside_its_documented_dwords_is_unknown(value: object) -> None:
    local = {"fDenyTSConnections": 0, "UserAuthentication": 1, "SecurityLayer": value}
    fields, unreadable = read(remotedesktop={"policy": None, "local": local, "error": None})
    assert fields["rdp_enabled"] is True
    assert unreadable == {"rdp_security_layer": f"SecurityLayer in the machine's key is {value!r}, not one of 0, 1, 2"}


def test_an_orphaned_member_is_named_by_its_sid_and_sids_are_upper_case() -> None:
    members = [
        {
            "sid": "S-1-5-21-1-2-3-500",
            "name": "PC\\Administrator",
            "class": "User",
            "path": "WinNT://HW/PC/Administrator",
        },
        {"sid": "s-1-5-21-9-8-7-1187", "name": None, "class": "User", "path": "WinNT://S-1-5-21-9-8-7-1187"},
    ]
    fields, _ = read(localadmins={"members": members, "error": None})
    assert fields["local_admins"] == [
        LocalGroupMember(id="PC\\Administrator", sid="S-1-5-21-1-2-3-500", member_class="User", resolved=True),
        LocalGroupMember(id="s-1-5-21-9-8-7-1187", sid="S-1-5-21-9-8-7-1187", member_class="User", resolved=False),
    ]


def test_a_member_without_a_sid_makes_the_whole_group_unknown() -> None:
    fields, unreadable = read(localadmins={"members": [{"sid": None, "name": "x"}], "error": None})
    assert "local_admins" not in fields
    assert unreadable["local_admins"].startswith("the localadmins probe's output could not be used: not a SID")


def test_one_value_that_denies_writes_decides_although_another_is_not_a_dword() -> None:
    output = {"fveEffective": None, "diskDenyWrite": "yes", "diskDenyAll": None, "allDenyAll": 1, "error": None}
    fields, unreadable = read(removablemedia=output)
    assert fields == {
        "removable_bitlocker_write_denied": False,
        "removable_write_denied": True,
        "removable_write_needs_bitlocker": None,
        "removable_storage_all_denied": True,
    }
    # The odd value itself stays unknown, for drift against what Group Policy sets.
    assert unreadable == {"removable_disks_write_denied": "Deny_Write is 'yes', not the DWORD 0 or 1"}


def test_the_values_group_policy_sets_are_kept_as_the_machine_holds_them_0_1_or_not_there() -> None:
    output = {"fveEffective": 0, "fvePolicy": 1, "diskDenyWrite": None, "diskDenyAll": 1, "allDenyAll": 0}
    output["error"] = None
    fields, unreadable = read(removablemedia=output)
    assert unreadable == {}
    assert fields == {
        "removable_bitlocker_write_denied": False,
        "removable_write_denied": True,  # the disks' Deny_All, which no drift compares
        "removable_write_needs_bitlocker": False,
        "removable_disks_write_denied": None,
        "removable_storage_all_denied": False,
    }


def test_an_output_that_lacks_a_value_is_not_read_as_not_denied() -> None:
    fields, unreadable = read(removablemedia={"fveEffective": 1, "error": None})
    assert fields == {}
    assert set(unreadable) == {
        "removable_bitlocker_write_denied",
        "removable_write_denied",
        "removable_write_needs_bitlocker",
        "removable_disks_write_denied",
        "removable_storage_all_denied",
    }
    assert "no diskDenyWrite" in unreadable["removable_write_denied"]
