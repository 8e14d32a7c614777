"""The site config file as a network manager writes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from holyaudit.config import load_settings
from holyaudit.errors import InvalidInputError


def test_config_file_paths_are_relative_to_the_config_file(tmp_path: Path, tls):
    site = tmp_path / "site"
    site.mkdir()
    (site / "ca.pem").write_bytes(tls.ca.read_bytes())
    config = site / "holyaudit.yaml"
    config.write_text(
        "directory:\n  server: dc1.school.test\n  ca_file: ca.pem\n  password_file: secrets/ldap\n"
        "mis:\n  leavers_csv: exports/leavers.csv\n",
        encoding="utf-8",
    )
    settings = load_settings(config)
    assert settings.directory is not None
    assert settings.mis is not None
    assert settings.directory.ca_file == site / "ca.pem"
    assert settings.directory.password_file == site / "secrets" / "ldap"
    assert settings.mis.leavers_csv == site / "exports" / "leavers.csv"


def problems_of(config: Path) -> list[str]:
    """Each problem of a config that does not load, as ``file:line:col: message``."""
    with pytest.raises(InvalidInputError) as caught:
        load_settings(config)
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("section", "key", "value", "most"),
    [
        ("endpoints", "deadline_seconds", ".inf", "3600"),
        ("endpoints", "deadline_seconds", "1e400", "3600"),
        ("endpoints", "deadline_seconds", "3601", "3600"),
        ("endpoints", "connect_timeout_seconds", ".inf", "600"),
        ("endpoints", "connect_timeout_seconds", "601", "600"),
        ("directory", "timeout_seconds", ".inf", "600"),
        ("directory", "timeout_seconds", "1e20", "600"),
        ("gpo", "timeout_seconds", ".inf", "600"),
        ("gpo", "timeout_seconds", "601.5", "600"),
    ],
)
def test_a_timeout_beyond_its_limit_is_a_config_error_at_its_line(
    tmp_path: Path, section: str, key: str, value: str, most: str
) -> None:
    required = {"endpoints": "  auth: kerberos\n", "directory": "  server: dc1.school.test\n", "gpo": ""}[section]
    config = tmp_path / "holyaudit.yaml"
    config.write_text(f"{section}:\n{required}  {key}: {value}\n", encoding="utf-8")
    line = 3 if required else 2
    [problem] = problems_of(config)
    assert problem.startswith(f"{config}:{line}:{len(key) + 5}: {section}.{key}: ")
    assert f"less than or equal to {most}" in problem


def test_timeouts_at_their_limits_load(tmp_path: Path) -> None:
    config = tmp_path / "holyaudit.yaml"
    config.write_text(
        "directory: {server: dc1.school.test, timeout_seconds: 600}\n"
        "gpo: {timeout_seconds: 600}\n"
        "endpoints: {auth: kerberos, deadline_seconds: 3600, connect_timeout_seconds: 600}\n",
        encoding="utf-8",
    )
    settings = load_settings(config)
    assert settings.directory is not None
    assert settings.endpoints is not None
    assert (
        settings.directory.timeout_seconds,
        settings.gpo.timeout_seconds,
        settings.endpoints.deadline_seconds,
        settings.endpoints.connect_timeout_seconds,
    ) == (600, 600, 3600, 600)


DIRECTORY_WITH_CATEGORIES = (
    "directory:\n"
    "  server: dc1.school.test\n"
    "  categories:\n"
    "    laptop: {ous: ['OU=Laptops,DC=school,DC=test']}\n"
    "    pupil: {ous: ['OU=Pupils,DC=school,DC=test']}\n"
)


def test_an_endpoint_category_the_directory_does_not_define_is_an_error_at_its_name(tmp_path: Path) -> None:
    config = tmp_path / "holyaudit.yaml"
    config.write_text(
        DIRECTORY_WITH_CATEGORIES + "endpoints:\n  auth: kerberos\n  categories:\n    - pupil\n    - laptops\n",
        encoding="utf-8",
    )
    assert problems_of(config) == [
        f"{config}:10:7: endpoints.categories: unknown category 'laptops': directory.categories has: laptop, pupil"
    ]


def test_endpoint_categories_the_directory_defines_load(tmp_path: Path) -> None:
    config = tmp_path / "holyaudit.yaml"
    config.write_text(DIRECTORY_WITH_CATEGORIES + "endpoints: {auth: kerberos, categories: [laptop]}\n")
    settings = load_settings(config)
    assert settings.endpoints is not None
    assert settings.endpoints.categories == ["laptop"]


def test_endpoint_categories_with_no_directory_section_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "machines.yaml").write_text("hosts: [{name: HW-LT-01}]\n")
    config = tmp_path / "holyaudit.yaml"
    config.write_text("endpoints:\n  auth: kerberos\n  inventory: machines.yaml\n  categories: [laptop]\n")
    assert problems_of(config) == [
        f"{config}:4:15: endpoints.categories: these choose among the directory's computers, but no directory "
        "section is configured; add one (with its categories), or remove endpoints.categories"
    ]


def test_endpoint_categories_that_would_be_ignored_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "machines.yaml").write_text("hosts: [{name: HW-LT-01}]\n")
    config = tmp_path / "holyaudit.yaml"
    config.write_text(
        "endpoints:\n  auth: kerberos\n  from_directory: false\n  inventory: machines.yaml\n  categories: [laptop]\n"
    )
    assert problems_of(config) == [
        f"{config}:5:15: endpoints.categories: these choose among the directory's computers, but from_directory is "
        "false; remove endpoints.categories, or set from_directory: true"
    ]


def test_machines_from_the_directory_with_no_directory_section_and_no_inventory_are_an_error(tmp_path: Path) -> None:
    config = tmp_path / "holyaudit.yaml"
    config.write_text("endpoints:\n  auth: kerberos\n  from_directory: true\n")
    assert problems_of(config) == [
        f"{config}:3:19: endpoints.from_directory: no directory section is configured, so there are no computer "
        "accounts to audit; add a directory section, or set from_directory: false and name an inventory file"
    ]


def test_an_inventory_alone_needs_no_directory_section(tmp_path: Path) -> None:
    """As the endpoint collector does, machines come from the inventory when there is no directory to ask."""
    config = tmp_path / "holyaudit.yaml"
    config.write_text("endpoints: {auth: kerberos, inventory: machines.yaml}\n")
    settings = load_settings(config)
    assert settings.endpoints is not None
    assert settings.endpoints.inventory == tmp_path / "machines.yaml"
