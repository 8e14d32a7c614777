"""``holyaudit init`` and ``holyaudit config check`` as a network manager meets them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from holyaudit.config import load_settings, template


def test_init_writes_the_template_and_will_not_overwrite_without_force(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "holyaudit.yaml"
    assert run_cli("init", str(target)).code == 0
    assert target.read_text() == template()
    target.write_text("site: {name: edited}\n")
    refused = run_cli("init", str(target))
    assert refused.code == 2
    assert "already exists (use --force to overwrite it)" in refused.err
    assert target.read_text() == "site: {name: edited}\n"
    assert run_cli("init", str(target), "--force").code == 0
    assert target.read_text() == template()


def test_the_template_is_valid_as_written_and_with_its_optional_sections_switched_on(tmp_path: Path) -> None:
    written = tmp_path / "as-written.yaml"
    written.write_text(template())
    settings = load_settings(written)
    assert settings.directory is not None
    assert settings.endpoints is None
    switched_on = tmp_path / "everything.yaml"
    switched_on.write_text(re.sub(r"^# (?=\S+:|  )", "", template(), flags=re.MULTILINE))
    (tmp_path / "waivers.yaml").write_text("[]\n")  # unlike the MIS export, checked when the config is read
    everything = load_settings(switched_on)
    assert everything.waivers == tmp_path / "waivers.yaml"
    assert everything.endpoints is not None
    assert everything.endpoints.user == "EXAMPLE\\svc-holyaudit"
    assert everything.mis is not None


def test_config_check_reports_a_broken_config_with_file_and_line(run_cli, tmp_path: Path) -> None:
    config = tmp_path / "holyaudit.yaml"
    config.write_text("site:\n  name: x\n  timzone: Europe/London\n")
    result = run_cli("config", "check", "--config", str(config))
    assert result.code == 3
    assert f"{config}:3:3: unknown key 'timzone' in site" in result.err


def test_config_check_says_which_secret_is_missing_and_checks_the_rest(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOLYAUDIT_LDAP_PASSWORD", raising=False)
    (tmp_path / "leavers.csv").write_text("Username,Leaving Date\npupil.1,31/07/2026\n")
    config = tmp_path / "holyaudit.yaml"
    config.write_text(
        "directory: {server: dc1.example.local, bind_user: svc@example.local}\nmis: {leavers_csv: leavers.csv}\n"
    )
    result = run_cli("config", "check", "--config", str(config))
    assert result.code == 4
    lines = [" ".join(line.split()) for line in result.out.splitlines()]
    assert lines[0] == f"config: valid ({config})"
    assert lines[1].startswith("FAILED directory: no password for the directory bind user svc@example.local")
    assert lines[2].startswith("FAILED gpo: no password for the directory bind user svc@example.local")
    assert lines[3] == f"ok mis: {tmp_path / 'leavers.csv'}: 1 leavers read"


def test_config_check_loads_the_waivers_file_as_a_scan_would_and_exits_3_when_it_is_broken(
    run_cli, tmp_path: Path
) -> None:
    (tmp_path / "waivers.yaml").write_text("- rule: [\n")
    config = tmp_path / "holyaudit.yaml"
    config.write_text("waivers: waivers.yaml\n")
    result = run_cli("config", "check", "--config", str(config))
    assert result.code == 3
    assert f"{tmp_path / 'waivers.yaml'}:2:1: invalid YAML:" in result.err
    assert "config: valid" not in result.out


def test_config_check_loads_the_rule_folders_as_a_scan_would_and_exits_3_for_a_broken_rule(
    run_cli, tmp_path: Path
) -> None:
    (tmp_path / "local-rules").mkdir()
    (tmp_path / "local-rules" / "broken.yaml").write_text("id: local-broken\ntitel: typo\n")
    config = tmp_path / "holyaudit.yaml"
    config.write_text("rules: [local-rules]\n")
    result = run_cli("config", "check", "--config", str(config))
    assert result.code == 3
    assert f"{tmp_path / 'local-rules' / 'broken.yaml'}:2:1: unknown key 'titel'" in result.err
    assert "config: valid" not in result.out


def test_config_check_exits_3_for_a_malformed_inventory_before_contacting_anything(run_cli, tmp_path: Path) -> None:
    (tmp_path / "machines.yaml").write_text("hosts: [\n")
    config = tmp_path / "holyaudit.yaml"
    config.write_text("endpoints:\n  auth: kerberos\n  from_directory: false\n  inventory: machines.yaml\n")
    result = run_cli("config", "check", "--config", str(config))
    assert result.code == 3
    assert f"{tmp_path / 'machines.yaml'}:2:1: invalid YAML:" in result.err
    assert result.out == ""


def test_config_check_refuses_a_sample_of_no_machines(run_cli, tmp_path: Path) -> None:
    config = tmp_path / "holyaudit.yaml"
    config.write_text("site: {name: x}\n")
    result = run_cli("config", "check", "--config", str(config), "--sample", "0")
    assert result.code == 2
    assert "--sample" in result.err
