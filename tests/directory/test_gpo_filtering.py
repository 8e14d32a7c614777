"""Security filtering and loopback processing against the real Samba DC (gpo_estate.py), through the CLI.

Proves that the DACL parser reads what Samba's own ``ndr_unpack`` reads, on the DC's descriptors and on ones Samba
packs; that a GPO filtered to a nested group, with a deny ACE, is judged per account and the finding names who it
misses; that a GPO the audit account cannot read is ERROR naming it and the permission to grant; and that loopback
merge and replace give each computer OU what the accounts signing in there get.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import ldap3
import pytest
from estate import AUDIT_PASSWORD, LAPTOPS_OU, PEOPLE, PUPILS_OU, STAFF_OU, SUPPLY_OU
from gpo_estate import (
    APPLY_GROUP_POLICY,
    BASELINE,
    DESKTOP_LOOPBACK,
    LAPTOP_BITLOCKER,
    LOAN_LOOPBACK,
    STAFF_WIPE,
    SUPPLY_IDLE,
    SUPPLY_LOCK,
    edit_dacl,
    gpo_dn,
    run_samba_sd,
)
from ldap3.protocol.microsoft import security_descriptor_control
from samba_dc import samba_program
from seed import write_config

from holyaudit.collectors.gpo.security import DACL_SECURITY_INFORMATION, Ace, parse_dacl
from holyaudit.collectors.gpo.tokens import sid_text
from holyaudit.models import Status

PASS, FAIL, ERROR = Status.PASS.value, Status.FAIL.value, Status.ERROR.value
DESKTOPS_OU, LOAN_OU = "OU=Desktops,OU=Computers,OU=Holywell", "OU=Loan,OU=Laptops,OU=Computers,OU=Holywell"
STAFF_IN_STAFF_OU = sorted(p.sam for p in PEOPLE if p.ou == STAFF_OU and p.enabled)


@pytest.fixture
def config(samba_dc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOLYAUDIT_LDAP_PASSWORD", AUDIT_PASSWORD)
    return write_config(samba_dc, tmp_path / "site.yaml")


def dn(samba_dc, relative: str) -> str:
    return f"{relative},{samba_dc.base_dn}"


def collected(run_cli, config: Path, tmp_path: Path) -> dict[str, dict]:
    snapshot = tmp_path / "estate.json"
    result = run_cli("collect", "--config", str(config), "--output", str(snapshot))
    assert result.code == 0, result.err
    records = json.loads(snapshot.read_text(encoding="utf-8"))["fact_sets"]["gpo.ous"]["records"]
    return {record["id"]: record for record in records}


def screensaver_finding(run_cli, config: Path) -> tuple[int, dict[str, dict]]:
    result = run_cli("scan", "--config", str(config), "--format", "json", "--only", "gpo-screensaver-locking")
    report = json.loads(result.out)
    (finding,) = [f for f in report["findings"] if f["rule_id"] == "gpo-screensaver-locking"]
    return result.code, {o["id"]: o for o in finding["objects"]}


def _as_samba(ace: Ace) -> dict[str, object]:
    kind = {(True, False): 0, (False, False): 1, (True, True): 5, (False, True): 6}[
        (ace.allow, ace.object_type is not None or ace.inherited_object_type is not None)
    ]
    found: dict[str, object] = {"type": kind, "flags": ace.flags, "mask": ace.mask, "sid": ace.sid}
    if ace.object_type:
        found["object_type"] = ace.object_type
    if ace.inherited_object_type:
        found["inherited_object_type"] = ace.inherited_object_type
    return found


def _dacls(samba_dc) -> dict[str, bytes]:
    """The DACL-only descriptor of every GPO, OU and the domain, read as the audit account reads them."""
    with samba_dc.connection(f"svc-audit@{samba_dc.dns_domain}", AUDIT_PASSWORD) as conn:
        conn.search(
            samba_dc.base_dn,
            "(|(objectClass=groupPolicyContainer)(objectClass=organizationalUnit)(objectClass=domainDNS))",
            attributes=["nTSecurityDescriptor"],
            controls=security_descriptor_control(sdflags=DACL_SECURITY_INFORMATION),
        )
        return {entry.entry_dn: entry["nTSecurityDescriptor"].raw_values[0] for entry in conn.entries}


def test_the_dacl_parser_reads_the_dcs_descriptors_as_samba_does(samba_dc):
    dacls = _dacls(samba_dc)
    ours = [[_as_samba(ace) for ace in parse_dacl(data)] for data in dacls.values()]
    samba = run_samba_sd("unpack", [data.hex() for data in dacls.values()])
    assert isinstance(samba, list)
    # Samba's list holds every ACE type; ours only allow and deny ones, which is all a GPO DACL holds here.
    assert ours == [[ace for ace in aces if ace["type"] in (0, 1, 5, 6)] for aces in samba]
    every = [ace for aces in ours for ace in aces]
    assert len(dacls) > 20
    assert any(ace["flags"] & 0x10 for ace in every)  # inherited ACEs (the OUs')
    assert any("inherited_object_type" in ace for ace in every)  # object ACEs limited to a class
    assert any(ace.get("object_type") == "edacfd8f-ffb3-11d1-b41d-00a0c968f939" for ace in every)  # Apply GP
    assert any(ace["type"] == 6 for ace in every)  # the deny ACE on Supply Lock


SDDLS = (
    "O:DAG:DAD:PAI(OD;CI;CR;edacfd8f-ffb3-11d1-b41d-00a0c968f939;;S-1-5-21-1-2-3-1105)"
    "(A;CI;RPLCLORC;;;AU)(OA;CI;CR;edacfd8f-ffb3-11d1-b41d-00a0c968f939;;S-1-5-21-1-2-3-1104)",
    "D:(D;ID;WP;;;WD)(OA;CIIOID;RP;4c164200-20c0-11d0-a768-00aa006e0529;4828cc14-1437-45bc-9b07-ad6f015e5f28;RU)"
    "(OA;;CR;edacfd8f-ffb3-11d1-b41d-00a0c968f939;f30e3bc2-9ff0-11d1-b603-0000f80367c1;DU)(A;;GA;;;SY)",
)


def test_the_dacl_parser_reads_descriptors_samba_packs_as_samba_reads_them():
    if not Path("/usr/bin/python3").exists():
        pytest.skip("Debian's system Python with the samba bindings is not installed")
    packed = run_samba_sd("pack", list(SDDLS))
    assert isinstance(packed, list)
    unpacked = run_samba_sd("unpack", packed)
    assert isinstance(unpacked, list)
    for sddl, data, theirs in zip(SDDLS, packed, unpacked, strict=True):
        assert [_as_samba(ace) for ace in parse_dacl(bytes.fromhex(data))] == theirs, sddl
    assert _as_samba(parse_dacl(bytes.fromhex(packed[1]))[1]) == {
        "type": 5,
        "flags": 0x1A,  # CI, IO, ID
        "mask": 0x10,
        "sid": "S-1-5-32-554",
        "object_type": "4c164200-20c0-11d0-a768-00aa006e0529",
        "inherited_object_type": "4828cc14-1437-45bc-9b07-ad6f015e5f28",
    }


def test_a_gpo_filtered_to_a_nested_group_with_a_deny_is_judged_per_account(samba_dc, run_cli, config, tmp_path):
    supply = collected(run_cli, config, tmp_path)[dn(samba_dc, SUPPLY_OU)]
    # hill.k is in Staff through Supply Teachers, so Supply Lock (300 s) reaches her; morgan.l is denied it and
    # gets only Supply Idle (1200 s), which is unfiltered. Before security filtering this OU passed.
    assert supply["security_filters"] == {SUPPLY_LOCK: "applies to Staff; denied to morgan.l"}
    assert supply["not_reached"] == {SUPPLY_LOCK: ["morgan.l"]}
    assert supply["varies_by_principal"] == {
        "ScreenSaveTimeOut": f"1200 (GPO '{SUPPLY_IDLE}') for morgan.l; 300 (GPO '{SUPPLY_LOCK}') for hill.k"
    }
    assert (supply["screensaver_timeout_secs"], supply["screensaver_timeout_from"]) == (1200, SUPPLY_IDLE)
    assert (supply["screensaver_secure"], supply["screensaver_active"]) == (True, True)
    code, objects = screensaver_finding(run_cli, config)
    assert code == 1
    found = objects[dn(samba_dc, SUPPLY_OU)]
    assert found["status"] == FAIL
    assert found["observed"]["screensaver_timeout_secs"] == 1200
    assert found["context"]["not_reached"] == {SUPPLY_LOCK: ["morgan.l"]}
    assert "morgan.l" in found["context"]["varies_by_principal"]["ScreenSaveTimeOut"]


def test_loopback_replace_and_merge_judge_what_accounts_signing_in_there_get(samba_dc, run_cli, config, tmp_path):
    ous = collected(run_cli, config, tmp_path)
    desktops, loan = ous[dn(samba_dc, DESKTOPS_OU)], ous[dn(samba_dc, LOAN_OU)]
    # Replace: every account gets the desktops' own user settings, whatever its OU (Staff's wipe plays no part).
    assert (desktops["loopback_mode"], desktops["loopback_mode_from"]) == ("replace", DESKTOP_LOOPBACK)
    assert [desktops[f] for f in ("screensaver_active", "screensaver_secure", "screensaver_timeout_secs")] == [
        True,
        True,
        300,
    ]
    assert (desktops["screensaver_active_from"], desktops["screensaver_timeout_from"]) == (BASELINE, DESKTOP_LOOPBACK)
    assert desktops.get("varies_by_principal", {}) == {}
    # Merge: the loan laptops' Loan Loopback (secure, 300 s) wins over each account's own GPOs, but sets no
    # ScreenSaveActive, so the staff whose own OU wipes the screensaver key get none.
    assert loan["loopback_mode"] == "merge"
    assert (loan["screensaver_secure"], loan["screensaver_timeout_secs"]) == (True, 300)
    assert loan["screensaver_timeout_from"] == LOAN_LOOPBACK
    assert (loan.get("screensaver_active"), loan["screensaver_active_from"]) == (None, STAFF_WIPE)
    varies = loan["varies_by_principal"]["ScreenSaveActive"]
    assert varies.startswith(
        f"deleted (GPO '{STAFF_WIPE}') for {', '.join(STAFF_IN_STAFF_OU[:8])} and {len(STAFF_IN_STAFF_OU) - 8} more; "
    )
    assert f"1 (GPO '{BASELINE}') for " in varies
    code, objects = screensaver_finding(run_cli, config)
    assert code == 1
    assert (objects[dn(samba_dc, DESKTOPS_OU)]["status"], objects[dn(samba_dc, LOAN_OU)]["status"]) == (PASS, FAIL)


@contextlib.contextmanager
def hidden_gpo(samba_dc, container: str) -> Iterator[str]:
    """A GPO linked at ``container`` that only Generic Accounts may read and apply (Authenticated Users' ACEs
    removed, as GPMC's Delegation tab leaves a GPO filtered without Read), removed again afterwards."""
    tool = [samba_program("samba-tool") or "samba-tool"]
    remote = [
        "-H",
        f"ldap://{samba_dc.host}",
        f"-UAdministrator%{samba_dc.admin_password}",
        "-s",
        str(samba_dc.smb_conf),
    ]

    def run(*args: str) -> str:
        result = subprocess.run([*tool, *args, *remote], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    guid = run("gpo", "create", "Exam Kiosk").rsplit(" as ", 1)[1].strip()
    target = dn(samba_dc, container)
    apply = "edacfd8f-ffb3-11d1-b41d-00a0c968f939"
    with samba_dc.admin_connection() as conn:
        conn.search(samba_dc.base_dn, "(sAMAccountName=Generic Accounts)", attributes=["objectSid"])
        generic = sid_text(conn.entries[0]["objectSid"].raw_values[0])
    edit_dacl(
        samba_dc,
        gpo_dn(samba_dc, guid),
        {
            "delete": ["(A;CI;RPLCLORC;;;AU)", f"(OA;CI;CR;{apply};;AU)"],
            "append": ["(A;CI;RPLCLORC;;;{g})", f"(OA;CI;CR;{apply};;{{g}})"],
        },
        {"g": generic},
    )
    with samba_dc.admin_connection() as conn:
        conn.search(target, "(objectClass=*)", ldap3.BASE, attributes=["gPLink"])
        before = str(conn.entries[0]["gPLink"])
        # gPLink's last entry is link order 1: the hidden GPO outranks every other link there.
        link = f"{before}[LDAP://{gpo_dn(samba_dc, guid)};0]"
        assert conn.modify(target, {"gPLink": [(ldap3.MODIFY_REPLACE, [link])]}), conn.result
    try:
        yield guid
    finally:
        with samba_dc.admin_connection() as conn:
            assert conn.modify(target, {"gPLink": [(ldap3.MODIFY_REPLACE, [before])]}), conn.result
        run("gpo", "del", guid)


def test_a_gpo_the_audit_account_cannot_read_is_an_error_naming_it_and_the_permission(
    samba_dc, run_cli, config, tmp_path
):
    with hidden_gpo(samba_dc, PUPILS_OU) as guid:
        code, objects = screensaver_finding(run_cli, config)
        check = run_cli("config", "check", "--config", str(config))
    assert code == 1  # Staff and Supply still fail; the pupils' OU is not checked, not passed
    pupils = objects[dn(samba_dc, PUPILS_OU)]
    assert pupils["status"] == ERROR
    reason = pupils["reason"]
    assert guid.lower() in reason.lower()
    assert "grant the audit account Read on the GPO" in reason
    assert check.code != 0
    assert guid.lower() in (check.out + check.err).lower()
    assert AUDIT_PASSWORD not in check.out + check.err


@contextlib.contextmanager
def denied(samba_dc, seeded_gpos, gpo: str, account: str) -> Iterator[None]:
    """A deny-Apply ACE for ``account`` at the head of ``gpo``'s DACL while the block runs, then taken out."""
    ace = f"(OD;CI;CR;{APPLY_GROUP_POLICY};;{{{account}}})"
    with samba_dc.admin_connection() as conn:
        conn.search(samba_dc.base_dn, f"(sAMAccountName={account})", attributes=["objectSid"])
        sids = {account: sid_text(conn.entries[0]["objectSid"].raw_values[0])}
    target = gpo_dn(samba_dc, seeded_gpos.guids[gpo])
    edit_dacl(samba_dc, target, {"prepend": [ace]}, sids)
    try:
        yield
    finally:
        edit_dacl(samba_dc, target, {"delete": [ace]}, sids)


def test_mbam_denied_to_one_laptop_fails_the_laptops_ou_naming_it(samba_dc, seeded_gpos, run_cli, config, tmp_path):
    with denied(samba_dc, seeded_gpos, LAPTOP_BITLOCKER, "HW-LT-03$"):
        laptops = collected(run_cli, config, tmp_path)[dn(samba_dc, LAPTOPS_OU)]
        result = run_cli("scan", "--config", str(config), "--format", "json", "--only", "gpo-bitlocker-laptops")
    assert laptops["bitlocker_os_drive_policy"] == "no BitLocker policy"
    assert laptops.get("bitlocker_os_drive_required") is None
    assert laptops["not_reached"] == {LAPTOP_BITLOCKER: ["HW-LT-03"]}
    assert laptops["security_filters"] == {LAPTOP_BITLOCKER: "applies to Authenticated Users; denied to HW-LT-03$"}
    assert laptops["varies_by_principal"] == {
        "ShouldEncryptOSDrive": f"not set for HW-LT-03; 1 (GPO '{LAPTOP_BITLOCKER}') for HW-LT-01, HW-LT-02",
        "bitlocker_os_drive_policy": (
            "no BitLocker policy for HW-LT-03; encryption enforced by policy for HW-LT-01, HW-LT-02"
        ),
    }
    assert result.code == 1, result.err
    (finding,) = json.loads(result.out)["findings"]
    objects = {o["id"]: o for o in finding["objects"]}
    assert (objects[dn(samba_dc, LAPTOPS_OU)]["status"], objects[dn(samba_dc, LOAN_OU)]["status"]) == (FAIL, FAIL)
    assert objects[dn(samba_dc, LAPTOPS_OU)]["context"]["not_reached"] == {LAPTOP_BITLOCKER: ["HW-LT-03"]}
