"""The Group Policy collector against the real Samba DC and the GPOs of gpo_estate.py, through the CLI.

Proves the GPO list of every container (order, enforced, blocked, disabled), each GPO rule's exact objects and
statuses, that a scan writes nothing (directory or SYSVOL) and asks SMB for read access only, and that failures
end as ERROR findings with a reason, never PASS.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import smbclient
import yaml
from estate import AUDIT_PASSWORD, GENERIC_OU, LAPTOPS_OU, LOAN_OU, PUPILS_OU, STAFF_OU, SUPPLY_OU
from gpo_estate import (
    BASELINE,
    EXPECTED_APPLIED,
    KIOSK_TABLETS,
    LAPTOP_BITLOCKER,
    LOAN_PILOT,
    LOAN_SETTINGS,
    NO_TPM_QUERY,
    PUPIL_DRAFT,
    PUPIL_RELAXED,
    SCREENSAVER,
    STAFF_WIPE,
    SUPPLY_IDLE,
    SUPPLY_LOCK,
    TABLETS_QUERY,
    SeededGpos,
)
from seed import write_config
from sysvol_watch import record_opens, sysvol_fingerprint

from holyaudit.collectors.gpo.sysvol import READ_ONLY_ACCESS
from holyaudit.models import Status

PASS, FAIL, ERROR = Status.PASS.value, Status.FAIL.value, Status.ERROR.value
NOT_APPLICABLE = Status.NOT_APPLICABLE.value
GPO_RULES = ("gpo-screensaver-locking", "gpo-force-logoff", "gpo-password-settings-agree", "gpo-bitlocker-laptops")


@pytest.fixture
def audit_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)


@pytest.fixture
def config(samba_dc, tmp_path: Path) -> Path:
    return write_config(samba_dc, tmp_path / "site.yaml")


def dn(samba_dc, relative: str) -> str:
    return f"{relative},{samba_dc.base_dn}" if relative else samba_dc.base_dn


def scan_gpo(run_cli, config: Path):
    args = ["scan", "--config", str(config), "--format", "json"]
    for rule_id in GPO_RULES:
        args += ["--only", rule_id]
    result = run_cli(*args)
    return result, json.loads(result.out) if result.out else None


def statuses(report: dict, rule_id: str) -> dict[str, str]:
    finding = next(f for f in report["findings"] if f["rule_id"] == rule_id)
    return {o["id"]: o["status"] for o in finding["objects"]}


def collected_ous(run_cli, config: Path, tmp_path: Path) -> dict[str, dict]:
    snapshot = tmp_path / "estate.json"
    result = run_cli("collect", "--config", str(config), "--output", str(snapshot))
    assert result.code == 0, result.err
    records = json.loads(snapshot.read_text(encoding="utf-8"))["fact_sets"]["gpo.ous"]["records"]
    return {record["id"]: record for record in records}


def test_every_container_gets_exactly_the_expected_gpos_in_precedence_order(
    samba_dc, run_cli, config, audit_env, tmp_path
):
    ous = collected_ous(run_cli, config, tmp_path)
    assert {name: record["applied_gpos"] for name, record in ous.items()} == {
        dn(samba_dc, relative): names for relative, names in EXPECTED_APPLIED.items()
    }
    holywell = ous[dn(samba_dc, "OU=Holywell")]
    assert holywell["enforced_gpos"] == ["Device Lock"]
    assert {ou for ou, record in ous.items() if record["blocks_inheritance"]} == {
        dn(samba_dc, SUPPLY_OU),
        dn(samba_dc, LOAN_OU),
    }
    pupils = dn(samba_dc, PUPILS_OU)
    assert ous[pupils]["skipped_links"] == [f"'Old Kiosk' linked at {pupils}: link disabled"]
    loan = dn(samba_dc, LOAN_OU)
    assert {link.split(" linked at ")[0] for link in ous[loan]["skipped_links"]} == {
        "'Default Domain Policy'",
        "'Holywell Baseline'",
        "'Legacy Cleanup'",
        "'Laptop BitLocker'",
    }
    assert all(link.endswith(f"inheritance blocked at {loan}") for link in ous[loan]["skipped_links"])


def test_effective_values_name_the_gpo_that_set_them(samba_dc, run_cli, config, audit_env, tmp_path):
    ous = collected_ous(run_cli, config, tmp_path)
    pupils = ous[dn(samba_dc, PUPILS_OU)]
    assert (pupils["screensaver_timeout_secs"], pupils["screensaver_timeout_from"]) == (1800, PUPIL_RELAXED)
    assert (pupils["screensaver_active"], pupils["screensaver_active_from"]) == (True, "Holywell Baseline")
    desktops = ous[dn(samba_dc, "OU=Desktops,OU=Computers,OU=Holywell")]
    assert (desktops["inactivity_timeout_secs"], desktops["inactivity_timeout_from"]) == (900, "Device Lock")
    staff = ous[dn(samba_dc, "OU=Staff,OU=Holywell")]
    assert (staff["staff_users"], staff["pupil_users"]) == (14, 0)


SCREENSAVER_FIELDS = (
    ("screensaver_active", "screensaver_active_from"),
    ("screensaver_secure", "screensaver_secure_from"),
    ("screensaver_timeout_secs", "screensaver_timeout_from"),
)


def screensaver(record: dict) -> list[tuple[object, object]]:
    return [(record.get(value), record.get(source)) for value, source in SCREENSAVER_FIELDS]


def test_deletion_and_soft_markers_apply_across_gpos_lowest_precedence_first(
    samba_dc, run_cli, config, audit_env, tmp_path
):
    ous = collected_ous(run_cli, config, tmp_path)
    # Legacy Cleanup, the lowest at the domain, deletes the timeout; Holywell Baseline above it sets 600 again.
    baseline = [(True, BASELINE), (True, BASELINE), (600, BASELINE)]
    for relative in ("", "OU=Holywell", LAPTOPS_OU):
        assert screensaver(ous[dn(samba_dc, relative)]) == baseline, relative
    # Staff Screen Wipe deletes the whole key (**DeleteKeys, full path): Baseline's values are gone, and it is named.
    staff = ous[dn(samba_dc, STAFF_OU)]
    assert screensaver(staff) == [(None, STAFF_WIPE)] * 3
    assert [note for note in staff["notes"] if "deleted" in note] == [
        f"{label} is deleted by GPO '{STAFF_WIPE}' (**DeleteKeys)"
        for label in ("ScreenSaveActive", "ScreenSaverIsSecure", "ScreenSaveTimeOut")
    ]
    # Pupil Soft's **soft. 300 s does not overwrite Pupil Relaxed's 1800 s below it.
    assert screensaver(ous[dn(samba_dc, PUPILS_OU)])[2] == (1800, PUPIL_RELAXED)
    # Supply Lock: **delvals. then values; **soft. sets what nothing below set; **SecureKey is recorded.
    supply = ous[dn(samba_dc, SUPPLY_OU)]
    # (for hill.k, whom it reaches; morgan.l, denied it, gets Supply Idle's 1200 s: test_gpo_filtering.py)
    assert screensaver(supply)[:2] == [(True, SUPPLY_LOCK), (True, SUPPLY_LOCK)]
    assert [note for note in supply["notes"] if "SecureKey" in note] == [
        f"GPO '{SUPPLY_LOCK}' secures HKCU\\{SCREENSAVER} (**SecureKey)"
    ]
    assert not [note for note in supply["notes"] if "deleted" in note]


def test_each_gpo_rule_finds_exactly_the_planted_objects(samba_dc, run_cli, config, audit_env):
    result, report = scan_gpo(run_cli, config)
    assert result.code == 1, result.err
    domain = samba_dc.base_dn
    assert {rule_id: statuses(report, rule_id) for rule_id in GPO_RULES} == {
        "gpo-screensaver-locking": {
            dn(samba_dc, STAFF_OU): FAIL,  # Staff Screen Wipe deletes Baseline's screensaver
            # blocked inheritance; Supply Lock (300 s) is filtered to Staff and denied to morgan.l, who gets only
            # Supply Idle's 1200 s (test_gpo_filtering.py)
            dn(samba_dc, SUPPLY_OU): FAIL,
            dn(samba_dc, PUPILS_OU): FAIL,  # 1800 s from Pupil Relaxed; Pupil Soft's 300 s is only soft
            # loopback: replace gives every account the desktops' settings; merge leaves the staff without
            # ScreenSaveActive on the loan laptops (test_gpo_filtering.py)
            dn(samba_dc, "OU=Desktops,OU=Computers,OU=Holywell"): PASS,
            dn(samba_dc, LOAN_OU): FAIL,
        },
        "gpo-force-logoff": {domain: PASS},
        "gpo-password-settings-agree": {domain: FAIL},  # GPO 6 and complexity on; domain 8 and off
        "gpo-bitlocker-laptops": {
            dn(samba_dc, "OU=Laptops,OU=Computers,OU=Holywell"): PASS,
            dn(samba_dc, LOAN_OU): FAIL,
        },
    }
    finding = next(f for f in report["findings"] if f["rule_id"] == "gpo-screensaver-locking")
    pupils = next(o for o in finding["objects"] if o["id"] == dn(samba_dc, PUPILS_OU))
    assert pupils["observed"]["screensaver_timeout_secs"] == 1800
    assert pupils["context"]["screensaver_timeout_from"] == PUPIL_RELAXED
    staff = next(o for o in finding["objects"] if o["id"] == dn(samba_dc, STAFF_OU))
    assert staff["context"]["screensaver_timeout_from"] == STAFF_WIPE  # the GPO that deleted it
    assert staff["observed"].get("screensaver_timeout_secs") is None
    agree = next(f for f in report["findings"] if f["rule_id"] == "gpo-password-settings-agree")
    assert (
        agree["objects"][0]["observed"]["min_password_length"],
        agree["objects"][0]["observed"]["domain_min_pwd_length"],
    ) == (6, 8)


def bitlocker_objects(report: dict) -> dict[str, tuple[str, str]]:
    finding = next(f for f in report["findings"] if f["rule_id"] == "gpo-bitlocker-laptops")
    return {o["id"]: (o["status"], o.get("reason")) for o in finding["objects"]}


def test_bitlocker_policy_is_enforced_only_by_mbam_and_standard_settings_only_configure_it(
    samba_dc, run_cli, config, audit_env, tmp_path
):
    ous = collected_ous(run_cli, config, tmp_path)
    laptops, loan = ous[dn(samba_dc, LAPTOPS_OU)], ous[dn(samba_dc, LOAN_OU)]
    assert {ou: record["bitlocker_os_drive_policy"] for ou, record in ous.items()} == dict.fromkeys(
        ous, "no BitLocker policy"
    ) | {
        dn(samba_dc, LAPTOPS_OU): "encryption enforced by policy",
        dn(samba_dc, LOAN_OU): "BitLocker configured, encryption not enforced by policy",
    }
    assert (laptops["bitlocker_os_drive_required"], laptops["bitlocker_os_drive_from"]) == (True, LAPTOP_BITLOCKER)
    assert laptops["bitlocker_settings"] == {"EncryptionMethodWithXtsOs": 7, "OSRecovery": 1}
    assert loan.get("bitlocker_os_drive_required") is None
    assert loan["bitlocker_settings"] == {
        "EncryptionMethodWithXtsOs": 7,
        "OSEncryptionType": 1,
        "UseAdvancedStartup": 1,
        "UseTPM": 1,
        "OSRecovery": 1,
        "OSRequireActiveDirectoryBackup": 1,
        "OSActiveDirectoryBackup": 1,
    }
    assert set(loan["bitlocker_settings_from"].values()) == {LOAN_SETTINGS}
    result, report = scan_gpo(run_cli, config)
    assert result.code == 1, result.err
    assert bitlocker_objects(report) == {
        dn(samba_dc, LAPTOPS_OU): (PASS, None),
        dn(samba_dc, LOAN_OU): (
            FAIL,
            "bitlocker_os_drive_policy is 'BitLocker configured, encryption not enforced by policy'; "
            "expected bitlocker_os_drive_policy = 'encryption enforced by policy'",
        ),
    }


def test_a_wmi_filtered_gpo_makes_only_the_settings_it_could_change_unknown_and_names_its_query(
    samba_dc, run_cli, config, audit_env, tmp_path
):
    ous = collected_ous(run_cli, config, tmp_path)
    tablets = f"WMI filter 'Tablets' (root\\CIMv2: {TABLETS_QUERY})"
    no_tpm = f"WMI filter 'No TPM' (root\\CIMv2: {NO_TPM_QUERY})"
    assert {ou: record["wmi_filters"] for ou, record in ous.items() if record.get("wmi_filters")} == {
        dn(samba_dc, GENERIC_OU): {KIOSK_TABLETS: tablets},
        dn(samba_dc, LOAN_OU): {LOAN_PILOT: no_tpm},
    }
    generic, loan = ous[dn(samba_dc, GENERIC_OU)], ous[dn(samba_dc, LOAN_OU)]
    # Kiosk Tablets turns ScreenSaverIsSecure off over Baseline's 1 only where its filter is true.
    assert generic.get("screensaver_secure") is None
    assert generic["unreadable"] == {
        "screensaver_secure": (
            f"GPO '{KIOSK_TABLETS}' has {tablets}: each client evaluates it, so whether ScreenSaverIsSecure applies "
            "here is not known"
        )
    }
    # What it does not touch stays known: Baseline's ScreenSaveActive and timeout.
    assert screensaver(generic)[0::2] == [(True, BASELINE), (600, BASELINE)]
    # The loan pilot's EnableBDEWithNoTPM may or may not apply: it is left out, and Loan BitLocker Settings still
    # configure BitLocker either way.
    assert "EnableBDEWithNoTPM" not in loan["bitlocker_settings"]
    assert loan["bitlocker_os_drive_policy"] == "BitLocker configured, encryption not enforced by policy"
    assert "bitlocker_os_drive_policy" not in loan.get("unreadable", {})
    assert not any(
        "WMI" in reason
        for ou, record in ous.items()
        if ou != dn(samba_dc, GENERIC_OU)
        for reason in record.get("unreadable", {}).values()
    )


def test_a_declared_encryption_mechanism_leaves_standard_settings_to_the_endpoints(
    samba_dc, run_cli, audit_env, tmp_path
):
    config = write_config(samba_dc, tmp_path / "site.yaml")
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    config.write_text(yaml.safe_dump({**settings, "gpo": {"bitlocker_started_by": "intune"}}), encoding="utf-8")
    result, report = scan_gpo(run_cli, config)
    assert result.code == 1, result.err
    objects = bitlocker_objects(report)
    assert {ou: status for ou, (status, _) in objects.items()} == {
        dn(samba_dc, LAPTOPS_OU): PASS,
        dn(samba_dc, LOAN_OU): NOT_APPLICABLE,
    }
    assert "laptop-encryption decides from the laptops themselves" in objects[dn(samba_dc, LOAN_OU)][1]


def test_files_whose_extension_is_not_listed_are_not_applied_and_stale_sysvol_is_a_warning(
    samba_dc, run_cli, config, audit_env, tmp_path
):
    ous = collected_ous(run_cli, config, tmp_path)
    draft = (
        f"GPO '{PUPIL_DRAFT}': User\\Registry.pol is not applied by clients: the Registry extension "
        "{35378EAC-683F-11D2-A89A-00C04FBBCFA2} is not listed in gPCUserExtensionNames"
    )
    stale = (
        f"GPO '{SUPPLY_LOCK}': versionNumber in the directory is 65536 but GPT.INI's Version is 65535: SYSVOL may "
        "not have replicated, so clients may apply other settings"
    )
    assert {ou: record["warnings"] for ou, record in ous.items() if record.get("warnings")} == {
        dn(samba_dc, PUPILS_OU): [draft],
        dn(samba_dc, SUPPLY_OU): [stale],
    }
    pupils, supply = ous[dn(samba_dc, PUPILS_OU)], ous[dn(samba_dc, SUPPLY_OU)]
    # The draft's compliant 300 s is not applied: Pupil Relaxed's 1800 s stays.
    assert screensaver(pupils)[2] == (1800, PUPIL_RELAXED)
    assert pupils["gpo_versions"][PUPIL_DRAFT] == {"directory": 65536, "gpt_ini": 65536}
    assert supply["gpo_versions"] == {
        "Device Lock": {"directory": 1, "gpt_ini": 1},
        SUPPLY_LOCK: {"directory": 65536, "gpt_ini": 65535},
        SUPPLY_IDLE: {"directory": 65536, "gpt_ini": 65536},
    }
    _, report = scan_gpo(run_cli, config)
    finding = next(f for f in report["findings"] if f["rule_id"] == "gpo-screensaver-locking")
    by_id = {o["id"]: o for o in finding["objects"]}
    assert (by_id[dn(samba_dc, PUPILS_OU)]["status"], by_id[dn(samba_dc, PUPILS_OU)]["context"]["warnings"]) == (
        FAIL,
        [draft],
    )
    assert (by_id[dn(samba_dc, SUPPLY_OU)]["status"], by_id[dn(samba_dc, SUPPLY_OU)]["context"]["warnings"]) == (
        FAIL,  # for morgan.l, whom Supply Lock's security filter denies (test_gpo_filtering.py)
        [stale],
    )


def test_password_settings_agree_names_each_difference_with_both_values(samba_dc, run_cli, config, audit_env):
    _, report = scan_gpo(run_cli, config)
    (domain,) = next(f for f in report["findings"] if f["rule_id"] == "gpo-password-settings-agree")["objects"]
    assert domain["status"] == FAIL
    assert set(re.findall(r"(\w+_agrees) is false", domain["reason"])) == {
        "min_password_length_agrees",  # GPO 6, domain 8
        "password_complexity_agrees",  # GPO on, domain off
        "password_history_agrees",
        "lockout_threshold_agrees",
        "lockout_window_agrees",
    }
    shown = {**domain["observed"], **domain["context"]}
    pairs = (
        ("max_password_age_days", "domain_max_pwd_age_days"),
        ("min_password_age_days", "domain_min_pwd_age_days"),
        ("password_history_size", "domain_pwd_history_length"),
        ("lockout_threshold", "domain_lockout_threshold"),
        ("lockout_duration_mins", "domain_lockout_duration_mins"),
        ("lockout_window_mins", "domain_lockout_window_mins"),
        ("clear_text_password", "domain_clear_text_password"),
    )
    assert [(shown[ours], shown[theirs]) for ours, theirs in pairs] == [
        (42, 42),
        (1, 1),
        (12, 24),
        (10, 0),
        (30, 30),
        (15, 30),
        (False, False),
    ]


def test_a_scan_writes_nothing_and_opens_sysvol_files_for_reading_only(
    samba_dc, run_cli, config, audit_env, monkeypatch
):
    opened = record_opens(monkeypatch)
    before = (samba_dc.highest_committed_usn(), sysvol_fingerprint(samba_dc))
    result, _ = scan_gpo(run_cli, config)
    assert result.code == 1, result.err
    assert (samba_dc.highest_committed_usn(), sysvol_fingerprint(samba_dc)) == before
    file_open = 1  # FILE_OPEN: open an existing file, never create or overwrite
    assert opened
    assert {(access, disposition) for access, disposition in opened} == {(READ_ONLY_ACCESS, file_open)}


def test_wrong_password_gives_error_findings_and_exit_4(run_cli, config, monkeypatch):
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", "Wrong-Guess-99!")
    result, report = scan_gpo(run_cli, config)
    assert result.code == 4
    assert {f["status"] for f in report["findings"]} == {ERROR}
    assert "invalid credentials" in result.err
    assert "Wrong-Guess-99!" not in result.out + result.err


def test_dc_down_gives_error_findings_and_exit_4(run_cli, samba_dc, tmp_path, audit_env):
    config = write_config(samba_dc, tmp_path / "down.yaml", port=6399)
    result, report = scan_gpo(run_cli, config)
    assert result.code == 4
    assert {f["status"] for f in report["findings"]} == {ERROR}
    assert all("connection refused" in f["message"] for f in report["findings"])
    assert AUDIT_PASSWORD not in result.out + result.err


def test_an_ordinary_account_reads_group_policy(run_cli, samba_dc, tmp_path, monkeypatch):
    """Group Policy needs no delegated rights: jones.b, a plain teacher account, reads it as svc-audit does."""
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", "Chalk-Board-42!")
    plain = write_config(samba_dc, tmp_path / "jones.yaml", bind_user="jones.b@holywell.test")
    result, report = scan_gpo(run_cli, plain)
    assert result.code == 1, result.err  # an ordinary user reads GPOs as well as svc-audit does
    assert statuses(report, "gpo-force-logoff") == {samba_dc.base_dn: PASS}


@contextlib.contextmanager
def truncated_on_sysvol(samba_dc, path: str) -> Iterator[None]:
    """``path`` on SYSVOL with its last three bytes cut off (a corrupt file) while the block runs, then restored."""
    cache: dict[str, object] = {}
    smbclient.register_session(
        samba_dc.host, username=f"Administrator@{samba_dc.dns_domain}", password=samba_dc.admin_password,
        connection_cache=cache,
    )  # fmt: skip
    try:
        with smbclient.open_file(path, mode="rb", connection_cache=cache) as good:
            original = good.read()
        with smbclient.open_file(path, mode="wb", connection_cache=cache) as bad:
            bad.write(original[:-3])
        yield
    finally:
        with smbclient.open_file(path, mode="wb", connection_cache=cache) as restore:
            restore.write(original)
        smbclient.reset_connection_cache(connection_cache=cache)


def test_a_corrupt_file_no_client_applies_is_not_an_error(
    samba_dc, seeded_gpos: SeededGpos, run_cli, config, audit_env
):
    """Pupil Lock Draft does not list the Registry extension: clients never read its Registry.pol, corrupt or not."""
    path = f"{seeded_gpos.folder(samba_dc, PUPIL_DRAFT)}\\User\\Registry.pol"
    with truncated_on_sysvol(samba_dc, path):
        result, report = scan_gpo(run_cli, config)
    assert result.code == 1
    finding = next(f for f in report["findings"] if f["rule_id"] == "gpo-screensaver-locking")
    pupils = next(o for o in finding["objects"] if o["id"] == dn(samba_dc, PUPILS_OU))
    assert (pupils["status"], pupils["observed"]["screensaver_timeout_secs"]) == (FAIL, 1800)
    assert pupils["context"]["warnings"][0].startswith(f"GPO '{PUPIL_DRAFT}': User\\Registry.pol is not applied")


def test_a_corrupt_registry_pol_is_an_error_for_the_ous_it_reaches(
    samba_dc, seeded_gpos: SeededGpos, run_cli, config, audit_env
):
    path = f"{seeded_gpos.folder(samba_dc, PUPIL_RELAXED)}\\User\\Registry.pol"
    with truncated_on_sysvol(samba_dc, path):
        result, report = scan_gpo(run_cli, config)
    assert result.code == 1  # Staff still fails
    finding = next(f for f in report["findings"] if f["rule_id"] == "gpo-screensaver-locking")
    pupils = next(o for o in finding["objects"] if o["id"] == dn(samba_dc, PUPILS_OU))
    assert pupils["status"] == ERROR
    assert f"GPO '{PUPIL_RELAXED}': User\\Registry.pol is corrupt: Registry.pol:" in pupils["reason"]


def test_sysvol_unreachable_while_ldap_answers_is_an_error_for_every_gpo_rule(samba_dc, run_cli, tmp_path, audit_env):
    closed = _free_port()
    config = write_config(samba_dc, tmp_path / "site.yaml")
    settings = yaml.safe_load(config.read_text())
    settings["gpo"] = {"port": closed, "timeout_seconds": 2}
    config.write_text(yaml.safe_dump(settings))
    result, report = scan_gpo(run_cli, config)
    assert result.code == 4, result.err
    assert {f["rule_id"]: f["status"] for f in report["findings"]} == dict.fromkeys(GPO_RULES, ERROR)
    gpo_source = next(s for s in report["sources"] if s["name"] == "gpo.ous")
    assert f"cannot connect to port {closed}" in gpo_source["error"]
    assert AUDIT_PASSWORD not in result.out + result.err


def test_a_gpo_whose_gpt_ini_is_missing_is_an_error_for_the_ous_it_reaches(
    samba_dc, seeded_gpos: SeededGpos, run_cli, config, audit_env
):
    """A linked GPO whose folder has lost GPT.INI cannot be trusted to set nothing: ERROR, never a lower GPO's value."""
    guid = seeded_gpos.guids[PUPIL_RELAXED]
    (gpt_ini,) = samba_dc.workdir.glob(f"state/sysvol/*/Policies/{guid}/GPT.INI")
    hidden = gpt_ini.with_name("GPT.INI.hidden-by-test")
    gpt_ini.rename(hidden)
    try:
        result, report = scan_gpo(run_cli, config)
    finally:
        hidden.rename(gpt_ini)
    assert gpt_ini.is_file()
    assert result.code == 1  # Staff still fails
    finding = next(f for f in report["findings"] if f["rule_id"] == "gpo-screensaver-locking")
    pupils = next(o for o in finding["objects"] if o["id"] == dn(samba_dc, PUPILS_OU))
    assert pupils["status"] == ERROR
    assert PUPIL_RELAXED in pupils["reason"]
    assert "GPT.INI" in pupils["reason"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
