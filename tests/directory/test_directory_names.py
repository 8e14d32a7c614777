"""Names with escaped characters, as the DC writes them, against the real Samba DC: a person's comma-separated
name and an OU whose name holds a comma are read into the right OU and category, not cut at the first comma."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from estate import AUDIT_PASSWORD, HOLYWELL, PASSWORD
from seed import write_config

OFFICE_OU = "OU=Support\\, Office"
PERSON_CN = "CN=Vance\\, Priya"


@pytest.fixture
def support_office(samba_dc) -> Iterator[tuple[str, str]]:
    """An OU and a person in it whose names hold escaped commas, removed again afterwards so the shared estate
    (and every other test's expectations) stays as seeded."""
    ou = f"{OFFICE_OU},{HOLYWELL},{samba_dc.base_dn}"
    person = f"{PERSON_CN},{ou}"
    with samba_dc.admin_connection() as conn:
        assert conn.add(ou, "organizationalUnit")
        attributes = {
            "sAMAccountName": "vance.p",
            "displayName": "Vance, Priya",
            "unicodePwd": f'"{PASSWORD}"'.encode("utf-16-le"),
            "userAccountControl": 0x200,
        }
        assert conn.add(person, ["top", "person", "organizationalPerson", "user"], attributes)
    try:
        yield ou, person
    finally:
        with samba_dc.admin_connection() as conn:
            conn.delete(person)
            conn.delete(ou)


def test_escaped_commas_in_names_give_the_exact_ou_and_category(
    run_cli, samba_dc, support_office, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ou, person = support_office
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)
    config = write_config(samba_dc, tmp_path / "site.yaml", categories={"office": {"ous": [ou]}})
    snapshot = tmp_path / "estate.json"

    result = run_cli("collect", "--config", str(config), "--output", str(snapshot))

    assert result.code == 0, result.err
    fact_sets = json.loads(snapshot.read_text(encoding="utf-8"))["fact_sets"]
    (user,) = [u for u in fact_sets["directory.users"]["records"] if u["id"] == "vance.p"]
    assert (user["dn"], user["ou"], user["categories"]) == (person, ou, ["office"])
    assert "error" not in user
    (office,) = [r for r in fact_sets["gpo.ous"]["records"] if r["id"] == ou]
    assert "error" not in office
    assert not [r["id"] for r in fact_sets["directory.users"]["records"] if r.get("ou", "").startswith(" ")]
