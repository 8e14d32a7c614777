"""A site config over a shared base file, and environment variables overriding any key."""

from __future__ import annotations

from pathlib import Path

import pytest

from holyaudit.config import load_settings
from holyaudit.errors import InvalidInputError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems(config: Path | None, base: Path | None = None) -> list[str]:
    with pytest.raises(InvalidInputError) as caught:
        load_settings(config, base=base)
    return [str(problem) for problem in caught.value.problems]


def test_a_site_file_gives_only_what_differs_from_the_base(tmp_path: Path, tls) -> None:
    write(tmp_path / "shared" / "ca.pem", tls.ca.read_text(encoding="utf-8"))
    base = write(
        tmp_path / "shared" / "base.yaml",
        "site:\n  timezone: Europe/London\nprofile: strict.yaml\n"
        "directory:\n  server: dc.trust.test\n  ca_file: ca.pem\n  timeout_seconds: 20\n"
        "mis:\n  leavers_csv: leavers.csv\n",
    )
    site = write(
        tmp_path / "schools" / "oak.yaml",
        "site:\n  name: Oak Primary\ndirectory:\n  server: dc1.oak.test\nmis:\n  leavers_csv: oak-leavers.csv\n",
    )
    settings = load_settings(site, base=base)
    assert settings.site.name == "Oak Primary"
    assert settings.site.timezone == "Europe/London"
    assert settings.profile == str(tmp_path / "shared" / "strict.yaml")
    assert settings.directory is not None
    assert settings.directory.server == "dc1.oak.test"
    assert settings.directory.timeout_seconds == 20
    # Each path is taken from the folder of the file that writes it.
    assert settings.directory.ca_file == tmp_path / "shared" / "ca.pem"
    assert settings.mis is not None
    assert settings.mis.leavers_csv == tmp_path / "schools" / "oak-leavers.csv"


def test_a_problem_names_the_file_and_line_that_wrote_the_value(tmp_path: Path) -> None:
    base = write(tmp_path / "base.yaml", "directory:\n  server: dc.trust.test\n  port: 99999\n")
    site = write(tmp_path / "oak.yaml", "site:\n  name: Oak\ndirectory:\n  page_size: 0\n  colour: blue\n")
    assert problems(site, base) == [
        f"{base}:3:9: directory.port: Input should be less than or equal to 65535 (got 99999)",
        f"{site}:4:14: directory.page_size: Input should be greater than or equal to 1 (got 0)",
        f"{site}:5:3: unknown key 'colour' in directory",
    ]


def test_any_key_can_be_overridden_by_an_environment_variable(tmp_path: Path, monkeypatch) -> None:
    site = write(tmp_path / "oak.yaml", "site:\n  name: Oak\ndirectory:\n  server: dc1.oak.test\n  port: 389\n")
    monkeypatch.setenv("HOLYAUDIT__DIRECTORY__PORT", "3269")
    monkeypatch.setenv("HOLYAUDIT__DIRECTORY__BASE_DN", "DC=oak,DC=test")
    monkeypatch.setenv("HOLYAUDIT__SITE__NAME", "Oak Primary School")
    settings = load_settings(site)
    assert settings.directory is not None
    assert (settings.directory.server, settings.directory.port) == ("dc1.oak.test", 3269)
    assert settings.directory.base_dn == "DC=oak,DC=test"
    assert settings.site.name == "Oak Primary School"


def test_an_environment_variable_overrides_the_site_file_and_the_base(tmp_path: Path, monkeypatch) -> None:
    base = write(tmp_path / "base.yaml", "site:\n  timezone: Europe/London\n")
    site = write(tmp_path / "oak.yaml", "site:\n  timezone: Europe/Dublin\n")
    monkeypatch.setenv("HOLYAUDIT__SITE__TIMEZONE", "Europe/Paris")
    assert load_settings(site, base=base).site.timezone == "Europe/Paris"


def test_an_environment_path_is_taken_from_the_working_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "waivers.yaml", "[]\n")
    site = write(tmp_path / "schools" / "oak.yaml", "site:\n  name: Oak\n")
    monkeypatch.setenv("HOLYAUDIT__WAIVERS", "waivers.yaml")
    assert load_settings(site).waivers == tmp_path / "waivers.yaml"


def test_a_bad_environment_value_is_refused_naming_the_variable(tmp_path: Path, monkeypatch) -> None:
    site = write(tmp_path / "oak.yaml", "directory:\n  server: dc1.oak.test\n")
    monkeypatch.setenv("HOLYAUDIT__DIRECTORY__PORT", "seventy")
    monkeypatch.setenv("HOLYAUDIT__DIRECTORY__COLOUR", "blue")
    assert problems(site) == [
        "environment variable HOLYAUDIT__DIRECTORY__PORT: directory.port: expected a whole number (got 'seventy')",
        "environment variable HOLYAUDIT__DIRECTORY__COLOUR: unknown key 'colour' in directory",
    ]


def test_a_variable_name_with_an_empty_key_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("HOLYAUDIT__DIRECTORY____PORT", "636")
    assert problems(None) == [
        "environment variable HOLYAUDIT__DIRECTORY____PORT: name keys as HOLYAUDIT__SECTION__KEY (two underscores "
        "between)"
    ]


def test_environment_overrides_apply_without_a_config_file(monkeypatch) -> None:
    monkeypatch.setenv("HOLYAUDIT__SITE__NAME", "Oak")
    assert load_settings(None).site.name == "Oak"


def test_the_scan_reads_environment_overrides(tmp_path: Path, monkeypatch, run_cli) -> None:
    site = write(tmp_path / "oak.yaml", "site:\n  name: Oak\n")
    monkeypatch.setenv("HOLYAUDIT__SITE__TIMEZONE", "Mars/Olympus")
    result = run_cli("scan", "--demo", "--config", str(site), "--no-history")
    assert result.code == 3
    assert "error: environment variable HOLYAUDIT__SITE__TIMEZONE: site.timezone: unknown time zone 'Mars/Olympus'" in (
        result.err
    )
