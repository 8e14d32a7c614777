"""The site config file as a network manager writes it."""

from __future__ import annotations

from pathlib import Path

from holyaudit.config import load_settings


def test_config_file_paths_are_relative_to_the_config_file(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
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
