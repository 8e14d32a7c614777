"""A machine's own release values (EditionID, build, UBR, InstallationType) found in the shipped lifecycle table:
the platform from the build and installation type, never from ProductName; the edition family from EditionID;
the cumulative update it lacks first; and anything the table does not hold refused with the reason."""

from __future__ import annotations

import datetime as dt

import pytest

from holyaudit.installed_windows import EDITION_FAMILIES, Unknown, installed_fields, platform_of
from holyaudit.lifecycle import shipped


def reasons(found: dict[str, object]) -> set[str]:
    return {value.reason for value in found.values() if isinstance(value, Unknown)}


@pytest.mark.parametrize(
    ("edition", "build", "installation", "release", "ends"),
    [
        ("Education", 26100, "Client", "Windows 11, version 24H2 (Enterprise and Education)", dt.date(2027, 10, 12)),
        ("Professional", 26100, "Client", "Windows 11, version 24H2 (Home and Pro)", dt.date(2026, 10, 13)),
        ("ProfessionalEducation", 22631, "Client", "Windows 11, version 23H2 (Home and Pro)", dt.date(2025, 11, 11)),
        ("Professional", 19045, "Client", "Windows 10, version 22H2 (Home and Pro)", dt.date(2025, 10, 14)),
        ("EnterpriseS", 26100, "Client", "Windows 11 Enterprise LTSC 2024 (Enterprise LTSC)", dt.date(2029, 10, 9)),
        (
            "IoTEnterpriseS",
            19044,
            "Client",
            "Windows 10 IoT Enterprise LTSC 2021 (IoT Enterprise LTSC)",
            dt.date(2032, 1, 13),
        ),
        ("ServerStandard", 20348, "Server", "Windows Server 2022 (Server)", dt.date(2031, 10, 14)),
        ("ServerDatacenter", 17763, "Server Core", "Windows Server 2019 (Server)", dt.date(2029, 1, 9)),
    ],
)
def test_the_release_comes_from_edition_build_and_installation_type(edition, build, installation, release, ends):
    found = installed_fields(edition, build, 1, installation)
    assert (found["os_release"], found["os_support_ends"]) == (release, ends)


def test_windows_11_is_told_by_its_build_and_a_server_by_its_installation_type():
    assert platform_of(22000, "Client") == "Windows 11"
    assert platform_of(21999, "Client") == "Windows 10"
    assert platform_of(26100, "Server") == "Windows Server"
    with pytest.raises(ValueError, match="InstallationType 'Nano Server' is neither Client nor Server"):
        platform_of(14393, "Nano Server")


@pytest.mark.parametrize(
    ("edition", "build", "installation", "reason"),
    [
        (
            "CloudEdition",
            22631,
            "Client",
            "EditionID 'CloudEdition' is not an edition holyaudit's lifecycle table knows",
        ),
        ("Education", 26400, "Client", "Windows 11 Education (Enterprise and Education) build 26400 is not in"),
        ("ServerStandard", 26100, "Client", "EditionID 'ServerStandard' does not match InstallationType 'Client'"),
        (None, 26100, "Client", "the machine reports no EditionID"),
        ("Education", None, None, "the machine reports no CurrentBuild, InstallationType"),
    ],
)
def test_what_the_table_does_not_hold_is_unknown_with_the_reason(edition, build, installation, reason):
    found = installed_fields(edition, build, 1, installation)
    (said,) = reasons(found)
    assert said.startswith(reason)
    assert all(isinstance(value, Unknown) for value in found.values())


def test_a_machine_lacking_updates_names_the_earliest_it_lacks():
    found = installed_fields("Education", 26100, 7171, "Client")
    assert found["os_update_missing"] is True
    assert (found["os_oldest_missing_update"], found["os_oldest_missing_build"]) == (dt.date(2025, 12, 9), "26100.7462")
    assert found["os_updates_listed_until"] == shipped().updates_checked == dt.date(2026, 6, 23)


def test_a_machine_at_the_last_listed_update_lacks_none_but_what_came_after_is_never_known():
    found = installed_fields("ServerStandard", 20348, 5256, "Server")
    assert (found["os_update_missing"], found["os_oldest_missing_update"]) == (False, None)
    assert reasons(found) == {
        "holyaudit's update list ends on 2026-06-23: update holyaudit "
        "(a cumulative update released since may be missing)"
    }


def test_a_release_with_no_updates_listed_leaves_the_update_fields_unknown():
    found = installed_fields("ServerStandard", 26100, 32995, "Server")
    assert found["os_release"] == "Windows Server 2025 (Server)"
    assert reasons(found) == {
        "holyaudit's lifecycle table lists no cumulative updates for Windows Server 2025 (Server)"
    }
    assert isinstance(found["os_update_missing"], Unknown)


def test_every_listed_update_is_newer_than_the_last_and_cites_its_kb_article():
    for release in shipped().releases.values():
        ubrs = [update.ubr for update in release.updates]
        assert ubrs == sorted(set(ubrs)), release.product
        assert [u.released for u in release.updates] == sorted(u.released for u in release.updates), release.product
        assert all(u.source.startswith("https://support.microsoft.com/help/") for u in release.updates)
        assert all(u.released <= shipped().updates_checked for u in release.updates)


def test_every_edition_family_is_one_the_table_uses():
    families = {editions for _, editions, _ in shipped().releases}
    assert set(EDITION_FAMILIES.values()) <= families
