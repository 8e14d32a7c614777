"""Config values that used to be accepted and only failed once a source was contacted (often as an internal
error) are refused when the config loads: exit 3, the file, line and column, and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from holyaudit.collectors.ldap.connection import endpoint
from holyaudit.collectors.ldap.source import DIRECTORY
from holyaudit.config import load_settings

SITE = """\
site:
  name: Test School
  timezone: Europe/London
"""
DIRECTORY_SECTION = """\
directory:
  server: dc1.school.test
  bind_user: svc@school.test
"""
"""Lines 4-6 of every case; its additions start at line 7."""
ENDPOINTS_SECTION = """\
endpoints:
  user: SCHOOL\\svc
  from_directory: false
  inventory: machines.yaml
"""
"""Lines 4-7 when the endpoints are configured instead; additions start at line 8."""


def refused(run_cli, folder: Path, text: str) -> str:
    """Run ``config check`` on ``text``; it must refuse the config (exit 3) without a traceback or an internal
    error. Returns stderr."""
    (folder / "config.yaml").write_text(text, encoding="utf-8")
    (folder / "machines.yaml").write_text("- name: pc1\n", encoding="utf-8")
    result = run_cli("config", "check", "--config", str(folder / "config.yaml"))
    assert result.code == 3, result.err
    assert "Traceback" not in result.err
    assert "internal error" not in result.err
    assert result.out == ""
    return result.err


@pytest.mark.parametrize(
    ("addition", "where", "message"),
    [
        ("  server: ldapx://dc1", "5:11", "directory.server: server 'ldapx://dc1': ldapx:// is not LDAP"),
        ("  server: https://dc1", "5:11", "directory.server: server 'https://dc1': https:// is not LDAP"),
        ("  server: ldaps://dc1/ou=x", "5:11", "directory.server: server 'ldaps://dc1/ou=x': give only the scheme"),
        ("  server: ldaps://dc1:99999", "5:11", "directory.server: server 'ldaps://dc1:99999' is not a valid LDAP URL"),
        ("  server: ldap://dc1", "5:3", "directory: server ldap://dc1 is an ldap:// URL but transport is ldaps"),
        ("  port: 70000", "7:9", "directory.port: Input should be less than or equal to 65535 (got 70000)"),
        ("  port: 0", "7:9", "directory.port: Input should be greater than or equal to 1 (got 0)"),
        ('  port: "636"', "7:9", "directory.port: expected a whole number (got '636')"),
        ("  ca_file: missing.pem", "7:12", "directory.ca_file: file '{folder}/missing.pem' does not exist"),
        ("  ca_file: not-pem.pem", "7:12", "directory.ca_file: '{folder}/not-pem.pem' holds no PEM certificate"),
        ("  ca_file: .", "7:12", "directory.ca_file: '{folder}' is not a regular file"),
        (
            '  categories: {staff: {name_pattern: "a(b"}}',
            "7:38",
            "directory.categories.staff.name_pattern: invalid regular expression 'a(b': missing ), unterminated",
        ),
        (
            r'  categories: {staff: {name_pattern: "(a)\\1"}}',
            "7:38",
            r"directory.categories.staff.name_pattern: regular expression '(a)\\1' cannot be matched in linear time",
        ),
        (
            "  leaving_date: {attribute: x, formats: ['%d/%Q/%Y']}",
            "7:41",
            "directory.leaving_date.formats: '%d/%Q/%Y': %Q is not a date format directive",
        ),
        ("  transport: ldapx", "7:14", "directory.transport: 'ldapx' is not one of 'ldaps', 'starttls' or 'plain'"),
        (
            "  categories: {staff: {ous: ['Staff']}}",
            "7:29",
            "directory.categories.staff.ous: 'Staff' is not a distinguished name",
        ),
        ("  base_dn: school.local", "7:12", "directory.base_dn: 'school.local' is not a distinguished name"),
    ],
    ids=[
        "ldap-url-scheme",
        "https-url",
        "url-with-path",
        "url-port-out-of-range",
        "ldap-url-with-ldaps-transport",
        "port-too-high",
        "port-zero",
        "port-as-text",
        "ca-file-missing",
        "ca-file-not-pem",
        "ca-file-a-folder",
        "bad-name-pattern",
        "backreference-name-pattern",
        "unknown-date-directive",
        "unknown-directory-transport",
        "ou-not-a-dn",
        "base-dn-not-a-dn",
    ],
)
def test_a_directory_value_that_would_fail_at_connect_time_is_refused_at_load(
    run_cli, tmp_path: Path, addition: str, where: str, message: str
) -> None:
    (tmp_path / "not-pem.pem").write_text("this is not a certificate\n", encoding="utf-8")
    text = SITE + DIRECTORY_SECTION
    if addition.startswith("  server:"):
        text = text.replace("  server: dc1.school.test", addition)
    else:
        text += addition + "\n"
    err = refused(run_cli, tmp_path, text)
    assert f"error: {tmp_path / 'config.yaml'}:{where}: {message.format(folder=tmp_path)}" in err


@pytest.mark.parametrize(
    ("addition", "where", "message"),
    [
        ("  transport: ftp", "8:14", "endpoints.transport: 'ftp' is not one of 'https' or 'http'"),
        ("  port: 65536", "8:9", "endpoints.port: Input should be less than or equal to 65535 (got 65536)"),
        ("  port: '5986'", "8:9", "endpoints.port: expected a whole number (got '5986')"),
        ("  ca_file: missing.pem", "8:12", "endpoints.ca_file: file '{folder}/missing.pem' does not exist"),
    ],
    ids=["unknown-transport", "port-too-high", "port-as-text", "ca-file-missing"],
)
def test_an_endpoint_value_that_would_fail_at_connect_time_is_refused_at_load(
    run_cli, tmp_path: Path, addition: str, where: str, message: str
) -> None:
    err = refused(run_cli, tmp_path, SITE + ENDPOINTS_SECTION + addition + "\n")
    assert f"error: {tmp_path / 'config.yaml'}:{where}: {message.format(folder=tmp_path)}" in err


def test_an_unknown_mis_date_directive_is_refused_at_load(run_cli, tmp_path: Path) -> None:
    text = SITE + "mis:\n  leavers_csv: leavers.csv\n  date_formats: ['%d/%m/%Y', '%Y-%q']\n"
    err = refused(run_cli, tmp_path, text)
    assert f"error: {tmp_path / 'config.yaml'}:6:17: mis.date_formats: '%Y-%q': %q is not a date format" in err


@pytest.mark.parametrize("name", ["Europe", "America", "Europe/" + "x" * 293])
def test_a_time_zone_that_is_not_one_is_refused_in_the_config(run_cli, tmp_path: Path, name: str) -> None:
    err = refused(run_cli, tmp_path, SITE.replace("Europe/London", name))
    shown = name if len(name) <= 60 else f"{name[:60]}... (300 characters)"
    assert f"error: {tmp_path / 'config.yaml'}:3:13: site.timezone: unknown time zone {shown!r}" in err


@pytest.mark.parametrize("name", ["Europe", "America", "x" * 300])
def test_a_time_zone_that_is_not_one_is_refused_from_the_environment(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("HOLYAUDIT_TIMEZONE", name)
    err = refused(run_cli, tmp_path, SITE)
    shown = name if len(name) <= 60 else f"{name[:60]}... (300 characters)"
    assert f"error: HOLYAUDIT_TIMEZONE: unknown time zone {shown!r}" in err


@pytest.mark.parametrize(
    ("server", "shown"),
    [
        ("ldaps://dc1.school.test", "ldaps://dc1.school.test:636"),
        ("LDAPS://dc1.school.test:1636", "ldaps://dc1.school.test:1636"),
        ("dc1.school.test", "ldaps://dc1.school.test:636"),
    ],
)
def test_an_ldaps_url_is_read_as_its_host_and_port(tmp_path: Path, server: str, shown: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(SITE + DIRECTORY_SECTION.replace("dc1.school.test", server), encoding="utf-8")
    directory = DIRECTORY.settings(load_settings(config))
    assert directory is not None
    assert endpoint(directory) == shown


def test_an_ldap_url_with_starttls_keeps_its_port(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    section = DIRECTORY_SECTION.replace("dc1.school.test", "ldap://dc1.school.test:3389") + "  transport: starttls\n"
    config.write_text(SITE + section, encoding="utf-8")
    directory = DIRECTORY.settings(load_settings(config))
    assert directory is not None
    assert (directory.server, directory.port, endpoint(directory)) == (
        "dc1.school.test",
        3389,
        "ldap://dc1.school.test:3389",
    )


def test_the_written_template_loads_and_a_scan_with_it_runs(run_cli, tmp_path: Path) -> None:
    """The template names a CA file only in comments, so the config ``init`` writes loads as it is."""
    config = tmp_path / "holyaudit.yaml"
    assert run_cli("init", str(config)).code == 0
    result = run_cli("scan", "--config", str(config), "--demo")
    assert result.code == 1, result.err
    assert "error" not in result.err
