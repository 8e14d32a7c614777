"""The account-policy rules against the Samba DC: each policy named where it decides, what a collection records,
and an audit account that may not read the PSOs getting ERROR, never a PASS."""

from __future__ import annotations

import json
from pathlib import Path

import ldap3
import pytest
from estate import AUDIT_PASSWORD, PASSWORD
from expected import DOMAIN_ID, ENABLED_USERS, PSO_IDS, STAFF
from seed import write_config

POLICY_RULES = ("account-lockout", "reversible-encryption-disabled", "staff-passwords-expire")


@pytest.fixture
def config(samba_dc, tmp_path: Path) -> Path:
    return write_config(samba_dc, tmp_path / "site.yaml")


def scan(run_cli, config: Path, *rule_ids: str) -> tuple[int, dict[str, dict]]:
    args = ["scan", "--config", str(config), "--format", "json"]
    for rule_id in rule_ids:
        args += ["--only", rule_id]
    result = run_cli(*args)
    return result.code, {f["rule_id"]: f for f in json.loads(result.out)["findings"]}


def objects(finding: dict) -> dict[str, dict]:
    return {o["id"]: o for o in finding["objects"]}


def test_each_failure_says_which_policy_or_flag_decided_it(run_cli, config, monkeypatch):
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)
    code, findings = scan(run_cli, config, *POLICY_RULES)
    assert code == 1
    lockout = objects(findings["account-lockout"])
    assert lockout[DOMAIN_ID]["message"] == (
        "never locks an account, however many passwords are tried (lockout threshold 0; limit 10)"
    )
    assert lockout["PSO-Invigilators"]["message"] == "locks an account only after 11 failed attempts (limit 10)"
    assert lockout["PSO-Supply-Teachers"]["observed"] == {"lockout_threshold": 10, "lockout_duration_mins": 30}
    reversible = objects(findings["reversible-encryption-disabled"])
    assert reversible["turner.k"]["message"] == (
        "its password is stored with reversible encryption: the policy that governs it, PSO-Legacy-Apps, stores "
        "passwords so"
    )
    assert reversible["digest"]["message"] == (
        "its password is stored with reversible encryption (ENCRYPTED_TEXT_PWD_ALLOWED is set on the account)"
    )
    # A PSO that stores passwords reversibly is named itself, whether it governs anyone or not.
    assert {name: reversible[name]["message"] for name in ("PSO-Legacy-Apps", "PSO-Old-Digest")} == dict.fromkeys(
        ("PSO-Legacy-Apps", "PSO-Old-Digest"),
        "this fine-grained policy stores passwords with reversible encryption for every account it governs, now or "
        "once linked",
    )
    assert reversible["PSO-Old-Digest"]["context"] == {"applies_to": []}
    assert reversible[DOMAIN_ID]["status"] == "PASS"
    expiry = objects(findings["staff-passwords-expire"])
    assert expiry["ward.s"]["message"] == (
        "the policy that governs it, PSO-Invigilators, has no maximum password age, so its password never expires"
    )
    assert (
        expiry["lewis.t"]["message"]
        == "password set never to expire (DONT_EXPIRE_PASSWORD), so nothing makes it change"
    )
    # Supply teachers are staff through a nested group and governed by their own PSO (precedence 10 beats 20).
    assert expiry["hill.k"]["context"]["password_policy"] == "PSO-Supply-Teachers"
    assert expiry["bloggs.j"]["context"]["password_policy"] == "PSO-Staff"


def test_collect_records_every_policy_in_force_and_the_one_governing_each_account(
    run_cli, samba_dc, config, monkeypatch, tmp_path
):
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)
    snapshot = tmp_path / "estate.json"
    assert run_cli("collect", "--config", str(config), "--output", str(snapshot)).code == 0
    fact_sets = json.loads(snapshot.read_text(encoding="utf-8"))["fact_sets"]
    policies = {r["id"]: r for r in fact_sets["directory.account_policies"]["records"]}
    wanted = ("is_domain", "precedence", "lockout_threshold", "lockout_duration_mins", "reversible_encryption")
    assert {name: [record.get(k) for k in (*wanted, "max_pwd_age_days")] for name, record in policies.items()} == {
        DOMAIN_ID: [True, None, 0, 30, False, 42],  # Samba's provisioned defaults, pwdProperties 0
        "PSO-Supply-Teachers": [False, 10, 10, 30, False, 42],
        "PSO-Staff": [False, 20, 10, 30, False, 42],
        "PSO-Invigilators": [False, 5, 11, 30, False, 0],
        "PSO-Legacy-Apps": [False, 40, 0, 30, True, 42],
        "PSO-Old-Digest": [False, 50, 10, 30, True, 42],
    }
    accounts = [r for r in fact_sets["directory.users"]["records"] if r.get("in_directory", True)]  # not MIS-only
    governing = {r["id"]: r["password_policy"] for r in accounts}
    assert {sam: governing[sam] for sam in ("bloggs.j", "hill.k", "ward.s", "turner.k", "sims-sync", "brown.a")} == {
        "bloggs.j": "PSO-Staff",
        "hill.k": "PSO-Supply-Teachers",
        "ward.s": "PSO-Invigilators",
        "turner.k": "PSO-Legacy-Apps",
        "sims-sync": "PSO-Legacy-Apps",
        "brown.a": DOMAIN_ID,
    }
    assert governing == resultant_psos(samba_dc), "holyaudit chooses every account's policy as the DC itself does"


def resultant_psos(samba_dc) -> dict[str, str]:
    """Each user's msDS-ResultantPSO as Samba constructs it (the PSO's name), else the domain's name."""
    with samba_dc.admin_connection() as admin:
        users = "(&(objectCategory=person)(objectClass=user))"
        admin.search(samba_dc.base_dn, users, attributes=["sAMAccountName", "msDS-ResultantPSO"])
        found = {}
        for entry in admin.entries:
            pso = entry["msDS-ResultantPSO"].value
            found[entry.sAMAccountName.value] = ldap3.utils.dn.parse_dn(pso)[0][1] if pso else DOMAIN_ID
        return found


def test_an_account_that_cannot_read_the_psos_gets_error_for_every_policy_never_pass(
    run_cli, samba_dc, tmp_path, monkeypatch
):
    """Without delegated read access the container is hidden: no policy, and no account's governing policy, is
    taken as known. What an account's own flags already fail still fails."""
    config = write_config(samba_dc, tmp_path / "plainuser.yaml", bind_user="jones.b@holywell.test")
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", PASSWORD)
    code, findings = scan(run_cli, config, *POLICY_RULES)
    assert code == 1
    lockout = objects(findings["account-lockout"])
    assert {i: o["status"] for i, o in lockout.items()} == {DOMAIN_ID: "FAIL", **dict.fromkeys(PSO_IDS, "ERROR")}
    assert "grant it read access to the Password Settings Container" in lockout["PSO-Staff"]["reason"]
    reversible = {i: o["status"] for i, o in objects(findings["reversible-encryption-disabled"]).items()}
    assert reversible == {
        **dict.fromkeys(ENABLED_USERS, "ERROR"),
        "digest": "FAIL",
        DOMAIN_ID: "PASS",
        **dict.fromkeys(PSO_IDS, "ERROR"),
    }
    expiry = {i: o["status"] for i, o in objects(findings["staff-passwords-expire"]).items()}
    assert expiry == {**dict.fromkeys(STAFF, "ERROR"), "lewis.t": "FAIL"}
    reason = objects(findings["staff-passwords-expire"])["bloggs.j"]["reason"]
    assert reason.startswith("policy_max_pwd_age_days could not be read: whom PSO-Invigilators, PSO-Legacy-Apps")
