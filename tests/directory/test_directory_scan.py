"""holyaudit against a real Samba AD DC, the way a network manager and a scheduled job run it: the CLI.

Every directory rule is checked against the seeded estate for exact objects and statuses; the scan is shown
to write nothing; and each way the directory can fail ends in a clear message or ERROR findings, never a PASS,
with the password nowhere in the output.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from estate import AUDIT_PASSWORD, GROUPS, MIS_ONLY_LEAVER, PASSWORD, PEOPLE, PSOS, Person
from expected import EXPECTED
from seed import write_config

DIRECTORY_RULES = sorted(EXPECTED)


@pytest.fixture
def audit_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)


@pytest.fixture
def config(samba_dc, tmp_path: Path) -> Path:
    return write_config(samba_dc, tmp_path / "site.yaml")


def scan_json(run_cli, config: Path, *extra: str):
    args = ["scan", "--config", str(config), "--format", "json"]
    for rule_id in DIRECTORY_RULES:
        args += ["--only", rule_id]
    result = run_cli(*args, *extra)
    return result, json.loads(result.out) if result.out else None


def statuses(report: dict, rule_id: str) -> dict[str, str]:
    finding = next(f for f in report["findings"] if f["rule_id"] == rule_id)
    return {o["id"]: o["status"] for o in finding["objects"]}


@pytest.fixture
def live_report(run_cli, config, audit_env, seeded_at):
    result, report = scan_json(run_cli, config, "--as-of", seeded_at.isoformat())
    assert result.code == 1, result.err
    return report


@pytest.mark.parametrize("rule_id", DIRECTORY_RULES)
def test_each_directory_rule_finds_exactly_the_planted_objects(live_report, rule_id):
    expected = {name: status.value for name, status in EXPECTED[rule_id].items()}
    if rule_id == "leaver-accounts-disabled":
        expected[MIS_ONLY_LEAVER[0]] = "NOT_APPLICABLE"  # in the MIS export, no account: listed, not dropped
    assert statuses(live_report, rule_id) == expected


def test_leaver_timing_reasons_count_calendar_days(live_report):
    finding = next(f for f in live_report["findings"] if f["rule_id"] == "leaver-accounts-disabled")
    reasons = {o["id"]: o["reason"] for o in finding["objects"]}
    assert "days from leaving_date to disabled_at is 8" in reasons["king.m"]
    assert "cannot read 'TBC' as a date" in reasons["roberts.r"]
    assert "no directory account was found" in reasons[MIS_ONLY_LEAVER[0]]


def test_pso_evidence_names_the_people_it_governs(live_report):
    finding = next(f for f in live_report["findings"] if f["rule_id"] == "fine-grained-password-minimum")
    assert finding["message"] == "1 of 5 password policies fail, 4 pass"
    supply = next(o for o in finding["objects"] if o["id"] == "PSO-Supply-Teachers")
    assert supply["observed"] == {"min_length": 4}


def test_each_pso_names_every_account_it_applies_to_through_its_group_nested_groups_and_direct_links(live_report):
    # Worked out from the seeded estate: a group's members and the members of the groups nested in it (one level,
    # as GROUPS nests them), and the people a PSO is linked to directly.
    def in_group(person: Person, group: str) -> bool:
        return group in person.groups or any(inner in person.groups for inner in GROUPS[group])

    expected = {
        pso.name: sorted(
            {p.sam for p in PEOPLE if pso.applies_to is not None and in_group(p, pso.applies_to)}
            | set(pso.linked_people)
        )
        for pso in PSOS
    }
    assert expected["PSO-Supply-Teachers"] == ["hill.k", "morgan.l"]  # the estate as the other tests know it
    assert expected["PSO-Old-Digest"] == []
    finding = next(f for f in live_report["findings"] if f["rule_id"] == "fine-grained-password-minimum")
    assert {o["id"]: o["context"]["governs"] for o in finding["objects"]} == expected


def test_a_full_scan_writes_nothing_to_the_directory(samba_dc, run_cli, config, audit_env):
    before = samba_dc.highest_committed_usn()
    result = run_cli("scan", "--config", str(config), "--format", "json")
    assert result.code == 1, result.err
    assert samba_dc.highest_committed_usn() == before


def test_collect_then_scan_snapshot_gives_the_same_findings(run_cli, config, audit_env, tmp_path, seeded_at):
    snapshot = tmp_path / "estate.json"
    collected = run_cli("collect", "--config", str(config), "--output", str(snapshot))
    assert collected.code == 0, collected.err
    as_of = ("--as-of", seeded_at.isoformat())
    _, live = scan_json(run_cli, config, *as_of)
    _, offline = scan_json(run_cli, config, "--snapshot", str(snapshot), *as_of)
    assert offline["findings"] == live["findings"]


def test_password_never_appears_in_any_output(run_cli, config, audit_env, tmp_path):
    table = run_cli("scan", "--config", str(config), "--details")
    json_run = run_cli("scan", "--config", str(config), "--format", "json")
    snapshot = tmp_path / "s.json"
    run_cli("collect", "--config", str(config), "--output", str(snapshot))
    for text in (table.out, table.err, json_run.out, json_run.err, snapshot.read_text(encoding="utf-8")):
        assert AUDIT_PASSWORD not in text


def directory_errors(report: dict) -> set[str]:
    return {f["status"] for f in report["findings"]}


def test_dc_down_gives_error_findings_and_exit_4(run_cli, samba_dc, tmp_path, audit_env):
    config = write_config(samba_dc, tmp_path / "down.yaml", port=6399)
    result, report = scan_json(run_cli, config)
    assert result.code == 4
    assert directory_errors(report) == {"ERROR"}
    assert "connection refused" in result.err
    assert all("connection refused" in f["message"] for f in report["findings"])


def test_wrong_password_gives_error_findings_and_never_echoes_it(run_cli, config, monkeypatch):
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", "Wrong-Guess-99!")
    result, report = scan_json(run_cli, config)
    assert result.code == 4
    assert directory_errors(report) == {"ERROR"}
    assert "invalid credentials" in result.err
    assert "Wrong-Guess-99!" not in result.out + result.err


def test_untrusted_certificate_is_refused(run_cli, samba_dc, tmp_path, audit_env):
    config = write_config(samba_dc, tmp_path / "untrusted.yaml", ca_file=str(samba_dc.untrusted_ca_file))
    result, report = scan_json(run_cli, config)
    assert result.code == 4
    assert directory_errors(report) == {"ERROR"}
    assert "certificate is not trusted" in result.err


def test_skipping_tls_verification_works_but_warns(run_cli, samba_dc, tmp_path, audit_env, seeded_at):
    config = write_config(samba_dc, tmp_path / "untrusted.yaml", ca_file=str(samba_dc.untrusted_ca_file))
    result, _ = scan_json(run_cli, config, "--insecure-skip-tls-verify", "--as-of", seeded_at.isoformat())
    assert result.code == 1
    assert "TLS certificates are NOT checked" in result.err


def test_missing_leaving_date_attribute_is_error_not_silence(run_cli, samba_dc, tmp_path, audit_env):
    """Only the MIS export's dates remain; everyone else's leaving date is unknown, so ERROR, never PASS."""
    config = write_config(samba_dc, tmp_path / "noattr.yaml", leaving_date={"attribute": "extensionAttribute1"})
    result = run_cli(
        "scan", "--config", str(config), "--only", "leaver-accounts-disabled", "--format", "json"
    )  # fmt: skip
    objects = {o["id"]: o for o in json.loads(result.out)["findings"][0]["objects"]}
    assert objects["bloggs.j"]["status"] == "ERROR"
    assert "extensionAttribute1 is not in the directory schema" in objects["bloggs.j"]["reason"]
    assert objects["king.m"]["status"] == "FAIL"  # the MIS export still dates the leavers
    assert result.code == 1


def test_unattended_without_a_password_exits_3_before_contacting_anything(run_cli, config, monkeypatch):
    monkeypatch.delenv("HOLYAUDIT_LDAP_PASSWORD", raising=False)
    result = run_cli("scan", "--config", str(config))
    assert result.code == 3
    assert "no password for the directory bind user svc-audit@holywell.test" in result.err.replace("\n", " ")


def test_plain_ldap_with_a_password_is_refused(run_cli, samba_dc, tmp_path, audit_env):
    config = write_config(samba_dc, tmp_path / "plain.yaml", transport="plain", port=389)
    result = run_cli("scan", "--config", str(config))
    assert result.code == 3
    assert "refusing to send the directory password unencrypted" in result.err.replace("\n", " ")


def test_ntlm_bind_against_samba_explains_itself(run_cli, samba_dc, tmp_path, audit_env):
    config = write_config(samba_dc, tmp_path / "ntlm.yaml", auth="ntlm", bind_user="HOLYWELL\\svc-audit")
    result, report = scan_json(run_cli, config)
    assert result.code == 4
    assert directory_errors(report) == {"ERROR"}
    assert "Samba does not" in result.err.replace("\n", " ")


def test_as_of_five_days_later_makes_the_enabled_leaver_overdue(run_cli, config, audit_env, seeded_at):
    later = (seeded_at + dt.timedelta(days=5)).isoformat()
    _, report = scan_json(run_cli, config, "--as-of", later)
    assert statuses(report, "leaver-accounts-disabled")["owen.n"] == "FAIL"


def test_an_account_that_cannot_see_password_policies_gets_error_not_none(run_cli, samba_dc, tmp_path, monkeypatch):
    """Without delegated read access the container is hidden; 'no policies found' must not pass for 'none'."""
    config = write_config(samba_dc, tmp_path / "plainuser.yaml", bind_user="jones.b@holywell.test")
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", PASSWORD)
    result = run_cli(
        "scan", "--config", str(config), "--format", "json",
        "--only", "fine-grained-password-minimum", "--only", "password-minimum-length",
    )  # fmt: skip
    findings = {f["rule_id"]: f for f in json.loads(result.out)["findings"]}
    assert findings["fine-grained-password-minimum"]["status"] == "ERROR"
    assert "grant it read access to the Password Settings Container" in json.dumps(
        findings["fine-grained-password-minimum"]
    )
    assert findings["password-minimum-length"]["status"] == "PASS"
    assert result.code == 4


def test_several_connections_read_exactly_the_users_one_connection_reads(run_cli, samba_dc, tmp_path, audit_env):
    """directory.search_connections cuts the user search into parts read at once: the same records, each user
    once, in the same order every run."""
    users = {}
    for connections in (1, 4, 4):
        config = write_config(samba_dc, tmp_path / f"c{connections}.yaml", search_connections=connections)
        snapshot = tmp_path / f"estate-{connections}-{len(users)}.json"
        collected = run_cli("collect", "--config", str(config), "--output", str(snapshot))
        assert collected.code == 0, collected.err
        records = json.loads(snapshot.read_text())["fact_sets"]["directory.users"]["records"]
        users[(connections, len(users))] = records
    one, four, again = users.values()
    ids = [r["id"] for r in one]
    assert len(set(ids)) == len(ids) > 20
    assert sorted(four, key=lambda r: r["id"]) == sorted(one, key=lambda r: r["id"])
    assert again == four  # the parts are joined in a fixed order, not as their pages happen to arrive
