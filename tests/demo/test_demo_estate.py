"""The built-in demo estate: it loads, matches its generator, and shows what each rule is there to show."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest

from holyaudit.collectors.snapshot import Snapshot, demo_path, load_snapshot
from holyaudit.engine.evaluate import audit
from holyaudit.engine.loader import Catalogue, find_profile, load_catalogue, load_profile
from holyaudit.facts import Computer, FactRecord, Host, User
from holyaudit.models import AuditResult, Status

R = TypeVar("R", bound=FactRecord)

GENERATOR = Path(__file__).resolve().parents[2] / "scripts" / "make_demo_estate.py"

HOSTILE_DISPLAY_NAMES = {
    "markup.m": "[bold red]Mr Markup[/]",
    "khan.s": "<script>alert('x')</script>",
    "hyde.l": '=HYPERLINK("http://evil.example","click")',
    "costley.j": "Jordan \u202eyeltsoC",
    "williams.z": "Zoe\u0301 Wi\u200dlliams",
}

DOMAIN_RULES_THAT_PASS = {"password-minimum-length"}
"""Domain rules judge one object; the demo shows this one passing and the others failing."""


@pytest.fixture(scope="module")
def estate() -> Snapshot:
    return load_snapshot(demo_path())


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def demo_audit(estate: Snapshot, catalogue: Catalogue) -> AuditResult:
    """Every rule in the catalogue, with the Holywell profile's settings, at the moment of collection."""
    profile = load_profile(find_profile("holywell"), catalogue)
    assert {rule.id for rule in profile.rules} == set(catalogue.rules)
    assert estate.timezone is not None
    return audit(
        profile.rules,
        estate.fact_sets,
        as_of=estate.collected_at,
        tz=ZoneInfo(estate.timezone),
        profile=profile.name,
    )


def _generator(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The generator script imported as a module (registered, as its dataclasses need)."""
    spec = importlib.util.spec_from_file_location("make_demo_estate", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def _records(estate: Snapshot, name: str, kind: type[R]) -> list[R]:
    records = [r for r in estate.fact_sets[name].records if isinstance(r, kind)]
    assert len(records) == len(estate.fact_sets[name].records)
    return records


def test_demo_estate_loads_as_the_fictional_school(estate: Snapshot) -> None:
    assert estate.site == "Holywell Primary School (demo)"
    assert estate.timezone == "Europe/London"
    assert estate.collected_at.isoformat() == "2026-11-20T16:30:00+00:00"
    assert set(estate.fact_sets) == {
        "directory.domain",
        "directory.password_policies",
        "directory.users",
        "directory.computers",
        "endpoints.hosts",
        "gpo.ous",
        "directory.account_policies",
        "gpo.sysvol_files",
    }
    assert all(fs.error is None for fs in estate.fact_sets.values())


def test_committed_estate_matches_its_generator() -> None:
    done = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_generator_check_fails_when_the_file_is_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generator = _generator(monkeypatch)
    target = tmp_path / "estate.json"
    monkeypatch.setattr(generator, "ESTATE_PATH", target)
    assert generator.main(["--check"]) == 1  # missing
    assert generator.main([]) == 0
    assert generator.main(["--check"]) == 0
    target.write_text(target.read_text(encoding="utf-8").replace('"min_length": 4', '"min_length": 8'))
    assert generator.main(["--check"]) == 1


def test_estate_has_about_sixty_users_and_thirty_machines(estate: Snapshot) -> None:
    users = _records(estate, "directory.users", User)
    computers = _records(estate, "directory.computers", Computer)
    hosts = _records(estate, "endpoints.hosts", Host)
    assert 55 <= len(users) <= 70
    assert 25 <= len(computers) <= 35
    assert [c.id for c in computers] == [h.id for h in hosts]
    assert len(estate.fact_sets["directory.domain"].records) == 1
    assert [p.id for p in estate.fact_sets["directory.password_policies"].records] == [
        "PSO-Admins",
        "PSO-Supply-Teachers",
    ]


def test_users_carry_one_site_category_each(estate: Snapshot) -> None:
    by_category: dict[str, set[str]] = {}
    for user in _records(estate, "directory.users", User):
        assert len(user.categories) == 1, user.id
        by_category.setdefault(user.categories[0], set()).add(user.id)
    assert set(by_category) == {"staff", "pupil", "generic", "builtin", "admin", "service"}
    assert by_category["admin"] == {"adm-price.o", "adm-jenkins.r"}
    assert by_category["builtin"] == {"Administrator", "Guest", "krbtgt", "dns-dc1"}
    assert by_category["generic"] == {"exam-kiosk", "office-shared", "library-kiosk", "hall-display"}
    assert by_category["service"] == {"svc-mis-sync", "svc-copier"}


def test_laptops_are_categorised_alike_as_computers_and_hosts(estate: Snapshot) -> None:
    hosts = {h.id: h for h in _records(estate, "endpoints.hosts", Host) if h.error is None}
    for machine in _records(estate, "directory.computers", Computer):
        if machine.id in hosts:
            assert machine.categories == hosts[machine.id].categories, machine.id


@pytest.mark.parametrize(("sam", "display_name"), sorted(HOSTILE_DISPLAY_NAMES.items()))
def test_hostile_display_names_survive_byte_for_byte(estate: Snapshot, sam: str, display_name: str) -> None:
    users = {u.id: u for u in _records(estate, "directory.users", User)}
    loaded = users[sam].display_name
    assert loaded is not None
    assert loaded.encode("utf-8") == display_name.encode("utf-8")


def test_an_account_name_with_an_apostrophe_is_kept(estate: Snapshot) -> None:
    assert "o'brien.k" in {u.id for u in _records(estate, "directory.users", User)}


def test_every_rule_in_the_catalogue_shows_a_failing_object(demo_audit: AuditResult) -> None:
    without_failure = {f.rule_id for f in demo_audit.findings if not any(o.status is Status.FAIL for o in f.objects)}
    assert without_failure == DOMAIN_RULES_THAT_PASS


RULES_THAT_CANNOT_PASS_ON_THE_DEMOS_DAY = {"updates-current"}
"""holyaudit's update list ends months before the demo's day: a machine with every update it lists cannot be
shown to have the ones released since, so it is ERROR, never PASS (tests/rules/updates-current shows the PASS)."""


def test_every_rule_over_many_objects_shows_a_passing_object(demo_audit: AuditResult) -> None:
    for finding in demo_audit.findings:
        if len(finding.objects) > 1 and finding.rule_id not in RULES_THAT_CANNOT_PASS_ON_THE_DEMOS_DAY:
            assert any(o.status is Status.PASS for o in finding.objects), finding.rule_id


def test_updates_current_cannot_pass_on_the_demos_day_and_says_why(demo_audit: AuditResult) -> None:
    finding = next(f for f in demo_audit.findings if f.rule_id == "updates-current")
    reached = [o for o in finding.objects if "unreachable" not in (o.reason or "")]
    assert {o.id for o in reached if o.status is Status.FAIL} == {"HW-LIB-01", "HW-TR-01"}
    assert {o.status for o in reached if o.id not in ("HW-LIB-01", "HW-TR-01")} == {Status.ERROR}
    assert all(
        "holyaudit's update list ends on 2026-06-23: update holyaudit" in (o.reason or "")
        for o in reached
        if o.status is Status.ERROR
    )


def test_the_demo_shows_every_object_status_except_waived(demo_audit: AuditResult) -> None:
    seen = {o.status for f in demo_audit.findings for o in f.objects}
    assert seen == {Status.PASS, Status.FAIL, Status.ERROR, Status.NOT_APPLICABLE}


PLANTED = [
    # Domain-wide settings: one passing rule, two failing.
    ("password-minimum-length", "holywell.demo", Status.PASS),
    ("password-complexity", "holywell.demo", Status.FAIL),
    ("force-logoff-enabled", "holywell.demo", Status.FAIL),
    ("fine-grained-password-minimum", "PSO-Admins", Status.PASS),
    ("fine-grained-password-minimum", "PSO-Supply-Teachers", Status.FAIL),
    ("password-not-required", "markup.m", Status.FAIL),
    ("password-not-required", "office-shared", Status.FAIL),
    ("password-not-required", "hall.p", Status.PASS),
    # Leavers: disabled on day 7 and day 8, late, never, not yet due, unreadable leaving date.
    ("leaver-accounts-disabled", "ahmed.n", Status.PASS),
    ("leaver-accounts-disabled", "o'brien.k", Status.FAIL),
    ("leaver-accounts-disabled", "evans.m", Status.FAIL),
    ("leaver-accounts-disabled", "costley.j", Status.FAIL),
    ("leaver-accounts-disabled", "ward.j", Status.PASS),
    ("leaver-accounts-disabled", "21reevesk", Status.PASS),
    ("leaver-accounts-disabled", "fisher.d", Status.NOT_APPLICABLE),
    ("leaver-accounts-disabled", "20marshl", Status.NOT_APPLICABLE),
    ("leaver-accounts-disabled", "bennett.c", Status.ERROR),
    # Dormant accounts: idle teacher, never-used account, 60/61-day boundary, new starter, built-ins.
    ("dormant-accounts", "hyde.l", Status.FAIL),
    ("dormant-accounts", "moss.g", Status.FAIL),
    ("dormant-accounts", "patel.v", Status.PASS),
    ("dormant-accounts", "reid.t", Status.FAIL),
    ("dormant-accounts", "newton.h", Status.PASS),
    ("dormant-accounts", "Administrator", Status.NOT_APPLICABLE),
    ("dormant-accounts", "dns-dc1", Status.NOT_APPLICABLE),
    ("generic-password-age", "exam-kiosk", Status.FAIL),
    ("generic-password-age", "library-kiosk", Status.FAIL),
    ("generic-password-age", "hall-display", Status.PASS),
    ("generic-password-age", "office-shared", Status.PASS),
    ("temporary-password-changed", "williams.z", Status.FAIL),
    ("temporary-password-changed", "young.b", Status.FAIL),
    ("temporary-password-changed", "quinn.m", Status.PASS),
    ("temporary-password-changed", "newton.h", Status.PASS),
    ("logon-hours-curfew", "khan.s", Status.FAIL),
    ("logon-hours-curfew", "grant.e", Status.FAIL),
    ("logon-hours-curfew", "23doylef", Status.FAIL),
    ("logon-hours-curfew", "clarke.s", Status.PASS),
    ("logon-hours-curfew", "20adamsj", Status.PASS),
    ("bitlocker-key-escrowed", "HW-LT-03", Status.FAIL),
    ("bitlocker-key-escrowed", "HW-LT-05", Status.FAIL),
    ("bitlocker-key-escrowed", "HW-LT-01", Status.PASS),
    ("screensaver-locking", "HW-ICT-07", Status.PASS),
    ("screensaver-locking", "HW-OFF-02", Status.FAIL),
    ("screensaver-locking", "HW-TR-02", Status.FAIL),
    ("laptop-encryption", "HW-LT-02", Status.PASS),
    ("laptop-encryption", "HW-LT-05", Status.FAIL),
    ("laptop-encryption", "HW-LT-06", Status.FAIL),
    ("laptop-encryption", "HW-CL-06", Status.FAIL),
    ("laptop-encryption", "HW-LT-08", Status.ERROR),
    ("logoff-task-scheduled", "HW-CL-03", Status.FAIL),
    ("logoff-task-scheduled", "HW-CL-04", Status.PASS),
    ("logoff-task-scheduled", "HW-HALL-01", Status.FAIL),
    ("logoff-task-scheduled", "HW-LT-08", Status.PASS),
    ("autologon-no-stored-password", "HW-EXAM-01", Status.FAIL),
    ("autologon-no-stored-password", "HW-LIB-01", Status.FAIL),
    ("autologon-no-stored-password", "HW-ICT-01", Status.PASS),
    ("logoff-task-scheduled", "HW-TR-03", Status.FAIL),
    ("logoff-task-scheduled", "HW-TR-01", Status.PASS),
    ("antivirus-up-to-date", "HW-ICT-05", Status.FAIL),
    ("antivirus-up-to-date", "HW-ICT-04", Status.FAIL),
    ("antivirus-up-to-date", "HW-CL-05", Status.FAIL),
    ("antivirus-up-to-date", "HW-CL-02", Status.PASS),
    ("antivirus-up-to-date", "HW-HALL-01", Status.FAIL),
    ("unsupported-operating-system", "HW-TR-01", Status.FAIL),
    ("unsupported-operating-system", "HW-TR-02", Status.PASS),
    ("os-supported", "HW-TR-01", Status.FAIL),
    ("os-supported", "HW-TR-02", Status.PASS),
    ("os-supported", "HW-SRV-01", Status.PASS),
    ("updates-current", "HW-LIB-01", Status.FAIL),
    ("gpo-firewall-on", "OU=Hall,OU=Computers,OU=Holywell,DC=holywell,DC=demo", Status.FAIL),
    ("gpo-firewall-on", "OU=Library,OU=Computers,OU=Holywell,DC=holywell,DC=demo", Status.PASS),
    ("gpo-removable-media-encrypted", "OU=Library,OU=Computers,OU=Holywell,DC=holywell,DC=demo", Status.FAIL),
    ("gpo-removable-media-encrypted", "OU=Laptop Trolley,OU=Computers,OU=Holywell,DC=holywell,DC=demo", Status.PASS),
    ("no-passwords-in-sysvol", "holywell.demo\\scripts\\kiosk-setup.ps1", Status.FAIL),
    ("no-passwords-in-sysvol", "holywell.demo\\scripts\\logon.bat", Status.PASS),
]


@pytest.mark.parametrize(("rule_id", "object_id", "status"), PLANTED)
def test_planted_situation_has_its_expected_status(
    demo_audit: AuditResult, rule_id: str, object_id: str, status: Status
) -> None:
    finding = next(f for f in demo_audit.findings if f.rule_id == rule_id)
    statuses = {o.id: o.status for o in finding.objects}
    assert statuses.get(object_id) == status


def test_out_of_scope_objects_are_left_out_rather_than_passed(demo_audit: AuditResult) -> None:
    by_rule = {f.rule_id: {o.id for o in f.objects} for f in demo_audit.findings}
    assert "HW-LT-04" not in by_rule["bitlocker-key-escrowed"]  # stolen laptop, account disabled
    assert "HW-ICT-01" not in by_rule["laptop-encryption"]  # a desktop
    assert "exam-kiosk" not in by_rule["logon-hours-curfew"]  # generic, not staff or pupil


@pytest.mark.parametrize("host", ["HW-ICT-08", "HW-LT-04", "HW-LT-07"])
def test_unreachable_host_is_an_error_under_every_endpoint_rule(
    demo_audit: AuditResult, catalogue: Catalogue, host: str
) -> None:
    endpoint_rules = {r.id for r in catalogue.rules.values() if r.spec.facts == "endpoints.hosts"}
    assert endpoint_rules
    for finding in demo_audit.findings:
        if finding.rule_id in endpoint_rules:
            result = next(o for o in finding.objects if o.id == host)
            assert result.status is Status.ERROR, finding.rule_id
            assert result.reason is not None
            assert "unreachable" in result.reason
