"""WMI filters: the gPCWQLFilter link, msWMI-Parm2's queries, and settings a filtered GPO could change."""

from __future__ import annotations

import pytest

from holyaudit.collectors.gpo.effective import GpoContent, effective_settings
from holyaudit.collectors.gpo.links import AppliedGpo
from holyaudit.collectors.gpo.registry_pol import RegistryEntry, RegType
from holyaudit.collectors.gpo.wmi import WmiFilter, WmiFilterError, WmiQuery, filter_guid, parse_queries

DESKTOP = "Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop"
MBAM = "Software\\Policies\\Microsoft\\FVE\\MDOPBitLockerManagement"
VM = 'SELECT * FROM Win32_ComputerSystem WHERE Model = "Virtual Machine"'
FILTER = "WMI filter 'Laptops' (root\\CIMv2: SELECT * FROM Win32_Battery)"


def test_the_link_names_the_filter_guid_whatever_its_case():
    assert filter_guid("[holywell.test;{e988c890-bdbc-4946-87b5-bf70f39f4686};0]") == (
        "{E988C890-BDBC-4946-87B5-BF70F39F4686}"
    )


@pytest.mark.parametrize(
    "value",
    ["", "{E988C890-BDBC-4946-87B5-BF70F39F4686}", "[x;{not-a-guid};0]", "[x;{E988C890-BDBC-4946-87B5-BF70F39F4686}]"],
)
def test_a_link_of_another_shape_is_refused(value):
    with pytest.raises(WmiFilterError, match="is not \\[domain;\\{GUID\\};0\\]"):
        filter_guid(value)


def test_queries_are_read_by_their_lengths_so_a_semicolon_inside_one_is_kept():
    tricky = "SELECT * FROM Win32_OperatingSystem WHERE Caption LIKE '%;%'"
    parm2 = f"2;3;10;{len(VM)};WQL;root\\CIMv2;{VM};3;10;{len(tricky)};WQL;root\\CIMv2;{tricky};"
    assert parse_queries(parm2) == (WmiQuery("WQL", "root\\CIMv2", VM), WmiQuery("WQL", "root\\CIMv2", tricky))
    assert WmiFilter("Mixed", parse_queries(parm2)).describe() == (
        f"WMI filter 'Mixed' (root\\CIMv2: {VM}; root\\CIMv2: {tricky})"
    )


@pytest.mark.parametrize(
    "parm2", ["", "0;", "1;3;10;99;WQL;root\\CIMv2;SELECT * FROM Win32_Battery;", "1;3;x;5;WQL;", "1;3;10;5;WQL"]
)
def test_a_parm2_that_does_not_add_up_is_refused(parm2):
    with pytest.raises(WmiFilterError, match="msWMI-Parm2"):
        parse_queries(parm2)


def applied(precedence: int, name: str) -> AppliedGpo:
    return AppliedGpo(precedence, f"cn={name}", name, "dc=x", 1, False, True, True)


def timeout(name: str, value: str, wmi_filter: str | None = None) -> GpoContent:
    entry = RegistryEntry.of(DESKTOP, "ScreenSaveTimeOut", RegType.SZ, value)
    return GpoContent(name, user=(entry,), wmi_filter=wmi_filter)


def result_of(*gpos: GpoContent):
    return effective_settings(
        [applied(position, gpo.name) for position, gpo in enumerate(gpos, start=1)],
        {f"cn={gpo.name}": gpo for gpo in gpos},
    )


def test_a_setting_only_a_filtered_gpo_sets_is_unknown_and_names_the_filter():
    result = result_of(timeout("laptops", "300", FILTER))
    assert result.values == {}
    assert result.unreadable == {
        "screensaver_timeout_secs": f"GPO 'laptops' has {FILTER}: each client evaluates it, so whether "
        "ScreenSaveTimeOut applies here is not known"
    }


def test_a_filtered_gpo_above_a_different_value_makes_it_unknown():
    assert "screensaver_timeout_secs" in result_of(timeout("laptops", "300", FILTER), timeout("base", "600")).unreadable


def test_a_filtered_gpo_overridden_by_a_higher_one_changes_nothing():
    result = result_of(timeout("top", "600"), timeout("laptops", "300", FILTER))
    assert (result.values, result.set_by, result.unreadable) == (
        {"screensaver_timeout_secs": 600},
        {"screensaver_timeout_secs": "top"},
        {},
    )


def test_a_filtered_gpo_that_sets_the_same_value_as_below_changes_nothing():
    result = result_of(timeout("laptops", "600", FILTER), timeout("base", "600"))
    assert (result.values, result.unreadable) == ({"screensaver_timeout_secs": 600}, {})


def test_a_filtered_gpo_that_deletes_a_value_makes_it_unknown():
    wipe = GpoContent(
        "wipe", user=(RegistryEntry.of(DESKTOP, "**del.ScreenSaveTimeOut", RegType.SZ, " "),), wmi_filter=FILTER
    )
    assert "screensaver_timeout_secs" in result_of(wipe, timeout("base", "600")).unreadable


def test_mbam_filtered_to_some_laptops_is_unknown_but_settings_it_does_not_touch_stay_known():
    mbam = GpoContent(
        "mbam", machine=(RegistryEntry.of(MBAM, "ShouldEncryptOSDrive", RegType.DWORD, 1),), wmi_filter=FILTER
    )
    result = result_of(mbam, timeout("base", "600"))
    assert set(result.unreadable) == {"bitlocker_os_drive_required"}
    assert result.values == {"screensaver_timeout_secs": 600}


def test_a_filter_that_could_not_be_read_leaves_the_setting_unknown_without_blaming_the_client():
    missing = "WMI filter {8C2F6C84-6F0B-4D4B-9C8E-6A0F5B1E2A09}, which is not in the directory"
    gpo = GpoContent(
        "lost",
        user=(RegistryEntry.of(DESKTOP, "ScreenSaveTimeOut", RegType.SZ, "300"),),
        wmi_filter=missing,
        wmi_filter_readable=False,
    )
    assert result_of(gpo).unreadable == {
        "screensaver_timeout_secs": f"GPO 'lost' has {missing}: whether ScreenSaveTimeOut applies here is not known"
    }
