"""The privileged-account, LAPS and directory-text rules against the seeded Samba DC, through the CLI.

Their statuses are checked with every other directory rule (test_directory_scan.py, expected.py); here, what a
network manager reads beside them: each privileged account's groups with their sizes, the plain messages, and
that no secret planted in the directory (passwords in descriptions, notes and comments, LAPS passwords) reaches
any report format, the snapshot or the history.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from estate import (
    AUDIT_PASSWORD,
    CODE_WORD,
    COMPUTER_SECRET,
    DESCRIPTION_SECRET,
    INFO_SECRET,
    LAPS_SECRETS,
)
from expected import PRIVILEGED_GROUP_SIZES
from seed import write_config

NEW_RULES = (
    "privileged-accounts-separate",
    "privileged-password-age",
    "local-admin-passwords-managed",
    "no-passwords-in-directory-text",
    "kerberos-preauth-required",
)
SECRETS = (DESCRIPTION_SECRET, INFO_SECRET, CODE_WORD, COMPUTER_SECRET, *LAPS_SECRETS)


@pytest.fixture
def config(samba_dc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)
    return write_config(samba_dc, tmp_path / "site.yaml")


def only_new_rules() -> list[str]:
    return [arg for rule_id in NEW_RULES for arg in ("--only", rule_id)]


@pytest.fixture
def report(run_cli, config: Path, seeded_at) -> dict:
    args = ["scan", "--config", str(config), "--format", "json", "--as-of", seeded_at.isoformat(), *only_new_rules()]
    result = run_cli(*args)
    assert result.code == 1, result.err
    return json.loads(result.out)


def objects(report: dict, rule_id: str) -> dict[str, dict]:
    finding = next(f for f in report["findings"] if f["rule_id"] == rule_id)
    return {o["id"]: o for o in finding["objects"]}


def sizes(*groups: str) -> dict[str, int]:
    return {group: PRIVILEGED_GROUP_SIZES[group] for group in groups}


def test_each_privileged_account_lists_its_groups_with_their_sizes(report: dict) -> None:
    found = {
        name: o["context"]["privileged_groups"] for name, o in objects(report, "privileged-accounts-separate").items()
    }
    assert found == {
        "Administrator": sizes(
            "Administrators", "Domain Admins", "Enterprise Admins", "Group Policy Creator Owners", "Schema Admins"
        ),
        "adm-hughes.t": sizes("Administrators", "DnsAdmins", "Domain Admins"),  # nested: IT Admins in Domain Admins
        "adm-old.s": sizes("Administrators", "Domain Admins"),
        "svc-backup": sizes("Administrators", "Domain Admins"),  # through its primary group only
        "adm-idle.d": sizes("Backup Operators"),
        "morris.t": sizes("Print Operators"),
        "taylor.p": sizes("Account Operators"),
    }


def test_privileged_failures_say_why_in_plain_english(report: dict) -> None:
    messages = {name: o["message"] for name, o in objects(report, "privileged-accounts-separate").items()}
    assert messages["adm-old.s"] == "a disabled account is still in a privileged group: remove it from the group"
    assert messages["adm-idle.d"] == "a privileged account unused for 90 days (limit 60)"
    assert messages["morris.t"] == "an everyday (staff or pupil) account holds administrative rights"
    assert messages["taylor.p"] == "an everyday (staff or pupil) account holds administrative rights"
    assert messages["svc-backup"] == (
        "not a dedicated admin account: its name does not follow the admin naming convention and it is not approved"
    )
    ages = {name: o["message"] for name, o in objects(report, "privileged-password-age").items()}
    assert ages["krbtgt"] == "krbtgt password last changed 200 days ago (limit 180)"
    assert ages["adm-old.s"] == "privileged account's password last changed 400 days ago (limit 365)"


def test_laps_findings_name_the_overdue_days_and_the_domain_controller(report: dict) -> None:
    laps = objects(report, "local-admin-passwords-managed")
    assert laps["HW-LT-03"]["message"] == (
        "local administrator password change overdue: Windows LAPS expiry was 43 days ago (limit 42)"
    )
    assert laps["HW-DT-01"]["message"] == (
        "no managed local administrator password: neither Windows LAPS nor legacy LAPS has recorded an expiry time"
    )
    assert laps["DC1"]["reason"].startswith("a domain controller has no local administrator account")


def test_a_password_in_directory_text_is_named_by_its_attribute_only(report: dict) -> None:
    text = objects(report, "no-passwords-in-directory-text")
    failing = {
        name: (o["observed"]["password_text_in"], o["message"]) for name, o in text.items() if o["status"] == "FAIL"
    }
    assert failing == {
        "svc-backup": (["description"], "a password appears to be written in its description (the text is not shown)"),
        "morris.t": (["info"], "a password appears to be written in its info (the text is not shown)"),
        "adm-idle.d": (["comment"], "a password appears to be written in its comment (the text is not shown)"),
        "HW-DT-01": (["description"], "a password appears to be written in its description (the text is not shown)"),
    }
    assert (text["HW-DT-01"]["kind"], text["svc-backup"]["kind"]) == ("computer", "user")
    # A description that only mentions passwords is not one.
    assert text["adm-hughes.t"]["status"] == "PASS"


def test_computer_accounts_that_skip_pre_authentication_or_use_des_keys_fail_beside_users(report: dict) -> None:
    failing = {
        name: (o["kind"], hex(o["observed"]["uac"]), o["message"])
        for name, o in objects(report, "kerberos-preauth-required").items()
        if o["status"] == "FAIL"
    }
    preauth = "does not require Kerberos pre-authentication (DONT_REQ_PREAUTH): anyone may ask for data to guess its "
    preauth += "password offline"
    des = "is limited to DES Kerberos keys (USE_DES_KEY_ONLY), which are broken"
    assert failing == {
        "copier": ("user", "0x400200", preauth),
        "old-nas": ("user", "0x200200", des),
        "HW-DT-02": ("computer", "0x401000", preauth),
        "HW-DT-03": ("computer", "0x201000", des),
    }


def test_computers_text_is_matched_too_and_only_its_name_kept(run_cli, config: Path, tmp_path: Path) -> None:
    snapshot = tmp_path / "estate.json"
    assert run_cli("collect", "--config", str(config), "--output", str(snapshot)).code == 0
    sets = json.loads(snapshot.read_text(encoding="utf-8"))["fact_sets"]
    computers = {c["id"]: c for c in sets["directory.computers"]["records"]}
    assert computers["HW-DT-01"]["password_text_in"] == ["description"]
    assert computers["HW-LT-01"]["password_text_in"] == []


def test_no_planted_secret_reaches_any_format_the_log_the_snapshot_or_the_history(
    run_cli, config: Path, tmp_path: Path
) -> None:
    history, log = tmp_path / "history.sqlite3", tmp_path / "holyaudit.log"
    outputs = []
    for fmt in ("table", "json", "html", "junit", "csv", "markdown"):
        result = run_cli(
            "scan", "--config", str(config), "--format", fmt, "--details", "--history", str(history),
            "--log-file", str(log),
        )  # fmt: skip
        assert result.code == 1, result.err
        outputs += [result.out, result.err]
    outputs.append(log.read_text(encoding="utf-8"))
    snapshot = tmp_path / "estate.json"
    assert run_cli("collect", "--config", str(config), "--output", str(snapshot)).code == 0
    outputs.append(snapshot.read_text(encoding="utf-8"))
    listing = run_cli("history", "--history", str(history), "--format", "json")
    outputs += [listing.out, listing.err]
    with sqlite3.connect(history) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        outputs += [repr(row) for table in tables for row in db.execute(f'SELECT * FROM "{table}"')]
    assert "privileged-accounts-separate" in outputs[2]  # the formats were written, with the new rules in them
    leaked = {secret for secret in SECRETS for text in outputs if secret in text}
    assert leaked == set()
