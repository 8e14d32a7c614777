"""The shipped Windows lifecycle table: it loads, every row cites Microsoft, releases are found by platform, edition
family and build, and anything not in it is refused with the reason rather than guessed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from holyaudit.errors import InvalidInputError
from holyaudit.lifecycle import LIFECYCLE_FIELDS, UnknownRelease, lifecycle_fields, load, shipped


def test_every_shipped_row_cites_a_microsoft_page():
    sources = {row.source for row in shipped().releases.values()}
    assert all(url.startswith("https://learn.microsoft.com/") for url in sources)


@pytest.mark.parametrize(
    ("operating_system", "version", "product", "ends"),
    [
        ("Windows 10 Pro", "10.0 (19045)", "Windows 10, version 22H2 (Home and Pro)", dt.date(2025, 10, 14)),
        (
            "Windows 10 Education",
            "10.0 (19044)",
            "Windows 10, version 21H2 (Enterprise and Education)",
            dt.date(2024, 6, 11),
        ),
        ("Windows 10 Pro", "10.0 (19044)", "Windows 10, version 21H2 (Home and Pro)", dt.date(2023, 6, 13)),
        ("Windows 11 Pro Education", "10.0 (22631)", "Windows 11, version 23H2 (Home and Pro)", dt.date(2025, 11, 11)),
        (
            "Windows 11 Education",
            "10.0 (22631)",
            "Windows 11, version 23H2 (Enterprise and Education)",
            dt.date(2026, 11, 10),
        ),
        (
            "Windows 10 Enterprise LTSC",
            "10.0 (19044)",
            "Windows 10 Enterprise LTSC 2021 (Enterprise LTSC)",
            dt.date(2027, 1, 12),
        ),
        (
            "Windows 10 IoT Enterprise LTSC",
            "10.0 (19044)",
            "Windows 10 IoT Enterprise LTSC 2021 (IoT Enterprise LTSC)",
            dt.date(2032, 1, 13),
        ),
        ("Windows Server 2019 Standard", "10.0 (17763)", "Windows Server 2019 (Server)", dt.date(2029, 1, 9)),
        ("Windows 7 Professional", "6.1 (7601)", "Windows 7 Service Pack 1 (All editions)", dt.date(2020, 1, 14)),
    ],
)
def test_a_release_is_found_by_platform_edition_family_and_build(operating_system, version, product, ends):
    found = lifecycle_fields(operating_system, version)
    assert (found["os_release"], found["os_support_ends"]) == (product, ends)


@pytest.mark.parametrize("version", ["10.0 (26100)", "10.0.26100.7171", "10.0.26100", "26100"])
def test_the_build_is_read_as_the_directory_or_an_endpoint_reports_it(version):
    assert lifecycle_fields("Microsoft Windows 11 Education", version)["os_support_ends"] == dt.date(2027, 10, 12)


def test_windows_10_22h2_carries_its_esu_end_and_windows_11_none():
    assert lifecycle_fields("Windows 10 Enterprise", "10.0 (19045)")["os_esu_ends"] == dt.date(2028, 10, 10)
    assert lifecycle_fields("Windows 11 Enterprise", "10.0 (26100)")["os_esu_ends"] is None


@pytest.mark.parametrize(
    ("operating_system", "version", "reason"),
    [
        (
            "Windows 11 Pro",
            "10.0 (22632)",
            "'Windows 11 Pro' (Home and Pro) build 22632 is not in holyaudit's lifecycle table",
        ),
        ("Windows 11 SE", "10.0 (22631)", "'Windows 11 SE' build 22631 is not in holyaudit's lifecycle table"),
        ("Windows 10 Pro", None, "operatingSystemVersion None gives no build number"),
        ("Samba", "4.19.5", "'Samba' is not a Windows release holyaudit's lifecycle table covers"),
        (None, None, "the computer records no operatingSystem"),
    ],
)
def test_what_the_table_does_not_hold_is_unreadable_with_the_reason(operating_system, version, reason):
    found = lifecycle_fields(operating_system, version)
    assert set(found) == {"unreadable"}
    assert set(found["unreadable"]) == LIFECYCLE_FIELDS
    assert {why.split(" (src/")[0] for why in found["unreadable"].values()} == {reason}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lifecycle.yaml"
    path.write_text("updates_checked: 2026-06-23\n" + text, encoding="utf-8")
    return path


ROW = (
    '  - {product: "Windows 8.1", platform: Windows 8.1, editions: All editions, build: 9600, ends: 2023-01-10, '
    'source: "https://learn.microsoft.com/en-us/lifecycle/products/windows-81"}\n'
)


def test_a_table_row_repeated_is_refused_at_its_line(tmp_path):
    with pytest.raises(InvalidInputError) as caught:
        load(write(tmp_path, "rows:\n" + ROW + ROW))
    assert str(caught.value.problems[0]).endswith(
        "lifecycle.yaml:4:5: rows.1: Windows 8.1 repeats ('Windows 8.1', 'All editions', 9600)"
    )


def test_an_esu_end_without_its_source_is_refused(tmp_path):
    with pytest.raises(InvalidInputError, match="esu_ends must come after ends, with its own esu_source"):
        load(write(tmp_path, "rows:\n" + ROW.replace("ends: 2023-01-10,", "ends: 2023-01-10, esu_ends: 2024-01-09,")))


def test_an_unknown_key_is_refused_at_its_line(tmp_path):
    with pytest.raises(InvalidInputError, match=r"lifecycle.yaml:3:\d+: unknown key 'end'"):
        load(write(tmp_path, "rows:\n" + ROW.replace("ends:", "end:")))


def test_lookup_raises_for_an_unknown_release():
    with pytest.raises(UnknownRelease, match="build 1 is not in"):
        shipped().lookup("Windows 10 Pro", "10.0 (1)")
