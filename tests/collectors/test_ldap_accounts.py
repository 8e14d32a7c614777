"""Account policies from what the directory returns, and which one governs each user, as Windows decides it."""

from __future__ import annotations

from holyaudit.collectors.dn import key as dn_key
from holyaudit.collectors.ldap.accounts import Governing, domain_policy, pso
from holyaudit.collectors.ldap.connection import DirectoryError
from holyaudit.facts import Domain

BASE = "DC=holywell,DC=test"
GROUPS = {f"cn={g.lower()},ou=groups,dc=holywell,dc=test": g for g in ("Staff", "Invigilators", "Supply", "Pair")}
"""Group DN (as a key) -> name, as the collector's group reader gives them."""
NEVER = str(-0x8000000000000000).encode()
MINUTES_30 = b"-18000000000"
DAYS_42 = str(-42 * 864_000_000_000).encode()


def group(name: str) -> bytes:
    return f"CN={name},OU=Groups,{BASE}".encode()


def entry(name: str, precedence: int | None, *targets: bytes, **settings: bytes) -> tuple[str, dict[str, list[bytes]]]:
    """A PSO entry as the reader returns it: lower-case attribute names, raw values."""
    raw = {
        "cn": [name.encode()],
        "msds-psoappliesto": list(targets),
        "msds-lockoutthreshold": [settings.get("threshold", b"10")],
        "msds-lockoutduration": [settings.get("duration", MINUTES_30)],
        "msds-passwordreversibleencryptionenabled": [settings.get("reversible", b"FALSE")],
        "msds-maximumpasswordage": [settings.get("max_age", DAYS_42)],
    }
    if precedence is not None:
        raw["msds-passwordsettingsprecedence"] = [str(precedence).encode()]
    return f"CN={name},CN=Password Settings Container,CN=System,{BASE}", raw


def governing(*entries: tuple[str, dict[str, list[bytes]]]) -> Governing:
    domain = Domain(id="holywell.test", lockout_threshold=0, lockout_duration_mins=30, pwd_properties=0x10)
    return Governing(domain_policy(domain), [pso(dn, raw) for dn, raw in entries], GROUPS)


def governed(rules: Governing, groups: list[str], dn: str = f"CN=Joe Bloggs,OU=Staff,{BASE}") -> tuple[dict, dict]:
    unreadable: dict[str, str] = {}
    return rules.fields(dn_key(dn), groups, unreadable), unreadable


def test_a_pso_entry_decodes_lockout_reversible_encryption_and_maximum_age() -> None:
    found = pso(*entry("PSO-Legacy", 40, group("Staff"), threshold=b"0", reversible=b"TRUE", max_age=NEVER)).policy
    assert found.model_dump(exclude={"unreadable", "error", "applies_to"}) == {
        "id": "PSO-Legacy",
        "is_domain": False,
        "precedence": 40,
        "lockout_threshold": 0,
        "lockout_duration_mins": 30,
        "reversible_encryption": True,
        "max_pwd_age_days": 0,
    }
    assert found.applies_to == [f"CN=Staff,OU=Groups,{BASE}"]


def test_pso_settings_the_audit_account_cannot_read_are_unreadable_not_absent() -> None:
    dn, raw = entry("PSO-Hidden", None)
    hidden = pso(dn, {"cn": raw["cn"]}).policy
    assert set(hidden.unreadable) == {
        "precedence", "lockout_threshold", "lockout_duration_mins", "reversible_encryption", "max_pwd_age_days",
    }  # fmt: skip
    assert "grant it read access to the Password Settings Container" in hidden.unreadable["lockout_threshold"]


def test_the_domain_policy_reads_the_cleartext_bit_of_pwd_properties() -> None:
    assert domain_policy(Domain(id="d", pwd_properties=0x11)).reversible_encryption is True
    assert domain_policy(Domain(id="d", pwd_properties=0x1)).reversible_encryption is False
    unknown = domain_policy(Domain(id="d", unreadable={"pwd_properties": "pwdProperties was not returned"}))
    assert (unknown.reversible_encryption, unknown.unreadable) == (
        None,
        {"reversible_encryption": "pwdProperties was not returned"},
    )


def test_with_no_pso_linked_the_domain_governs() -> None:
    fields, unreadable = governed(governing(entry("PSO-Staff", 20, group("Staff"))), ["Pupils"])
    assert fields == {"password_policy": "holywell.test", "policy_max_pwd_age_days": None,
                      "policy_reversible_encryption": True}  # fmt: skip
    assert unreadable == {}


def test_the_lowest_precedence_of_the_groups_pso_wins_whatever_the_case_of_the_group_name() -> None:
    rules = governing(
        entry("PSO-Staff", 20, group("Staff")),
        entry("PSO-Invigilators", 5, group("Invigilators"), max_age=NEVER),
    )
    fields, _ = governed(rules, ["staff", "Invigilators"])
    assert (fields["password_policy"], fields["policy_max_pwd_age_days"]) == ("PSO-Invigilators", 0)


def test_a_pso_linked_to_the_account_itself_wins_over_any_linked_to_its_groups() -> None:
    person = f"CN=Kim Turner,OU=Staff,{BASE}"
    rules = governing(
        entry("PSO-Staff", 1, group("Staff")),
        entry("PSO-Legacy", 40, person.encode(), reversible=b"TRUE"),
    )
    fields, _ = governed(rules, ["Staff"], dn=person.upper())
    assert (fields["password_policy"], fields["policy_reversible_encryption"]) == ("PSO-Legacy", True)


def test_two_psos_of_equal_precedence_leave_the_governing_policy_unknown() -> None:
    rules = governing(entry("PSO-A", 10, group("Staff")), entry("PSO-B", 10, group("Pair")))
    fields, unreadable = governed(rules, ["Staff", "Pair"])
    assert fields == {}
    assert unreadable["policy_max_pwd_age_days"] == (
        "PSO-A and PSO-B apply with the same precedence (10), so which one governs is unknown"
    )


def test_a_pso_whose_settings_are_hidden_leaves_every_accounts_policy_unknown() -> None:
    """Its links are hidden with its settings, so it may govern anyone: nobody is taken to be under the domain."""
    dn, raw = entry("PSO-Hidden", None)
    rules = governing(entry("PSO-Staff", 20, group("Staff")), (dn, {"cn": raw["cn"]}))
    for groups in (["Staff"], ["Pupils"], []):
        fields, unreadable = governed(rules, groups)
        assert fields == {}
        assert unreadable["password_policy"] == (
            "whom PSO-Hidden governs is unknown (not readable by the audit account: grant it read access to the "
            "Password Settings Container)"
        )


def test_a_hidden_setting_of_the_governing_pso_is_unreadable_for_its_users() -> None:
    dn, raw = entry("PSO-Staff", 20, group("Staff"))
    del raw["msds-maximumpasswordage"]
    rules = Governing(domain_policy(Domain(id="holywell.test")), [pso(dn, raw)], GROUPS)
    fields, unreadable = governed(rules, ["Staff"])
    assert (fields["password_policy"], fields["policy_max_pwd_age_days"]) == ("PSO-Staff", None)
    assert unreadable["policy_max_pwd_age_days"].startswith("PSO-Staff: not readable by the audit account")


def test_an_unreadable_password_settings_container_leaves_every_users_policy_unknown() -> None:
    rules = Governing(domain_policy(Domain(id="holywell.test")), DirectoryError("cannot read the container"), GROUPS)
    fields, unreadable = governed(rules, [])
    assert fields == {}
    assert unreadable == dict.fromkeys(
        ("password_policy", "policy_max_pwd_age_days", "policy_reversible_encryption"),
        "which password policy governs it is unknown: cannot read the container",
    )
