"""A failing object's plain-English message from its rule's ``messages``: led with in the table, HTML and Markdown,
added to JSON beside the raw reason, which --details, JSON and CSV keep."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

PLAIN = {
    ("leaver-accounts-disabled", "costley.j"): "left on 23 Oct 2026, still enabled 28 days later (limit 7)",
    ("leaver-accounts-disabled", "evans.m"): "left on 22 Jul 2026, disabled late on 2 Sep 2026 (limit 7 days)",
    ("leaver-accounts-disabled", "o'brien.k"): "left on 5 Nov 2026, disabled late on 13 Nov 2026 (limit 7 days)",
    ("dormant-accounts", "hyde.l"): "last signed in 95 days ago (limit 60)",
    ("dormant-accounts", "moss.g"): "never signed in, created 120 days ago (limit 60)",
    ("dormant-accounts", "reid.t"): "last signed in 61 days ago (limit 60)",
    ("password-not-required", "markup.m"): "may have an empty password (PASSWD_NOTREQD is set)",
    ("password-not-required", "office-shared"): "may have an empty password (PASSWD_NOTREQD is set)",
    ("generic-password-age", "exam-kiosk"): (
        "password set never to expire (DONT_EXPIRE_PASSWORD), last changed 210 days ago"
    ),
    ("generic-password-age", "library-kiosk"): "password last changed 43 days ago (limit 42)",
    ("temporary-password-changed", "williams.z"): "temporary password still not changed after 30 days (limit 7)",
    ("temporary-password-changed", "young.b"): "temporary password still not changed after 8 days (limit 7)",
    ("antivirus-up-to-date", "HW-CL-05"): "signatures last updated 4 days ago (limit 3)",
    ("antivirus-up-to-date", "HW-HALL-01"): "anti-virus is on but not scanning in real time",
    ("antivirus-up-to-date", "HW-ICT-04"): "signatures last updated 12 days ago (limit 3)",
    ("antivirus-up-to-date", "HW-ICT-05"): "anti-virus is switched off",
    ("bitlocker-key-escrowed", "HW-LT-03"): "no BitLocker recovery key is stored in Active Directory",
    ("bitlocker-key-escrowed", "HW-LT-05"): "no BitLocker recovery key is stored in Active Directory",
    ("laptop-encryption", "HW-CL-06"): "BitLocker protection is off or suspended on the system drive",
    ("laptop-encryption", "HW-LT-05"): "BitLocker protection is off or suspended on the system drive",
    ("laptop-encryption", "HW-LT-06"): "BitLocker protection is off or suspended on the system drive",
    ("personal-data-machines-encrypted", "HW-OFF-03"): "BitLocker protection is off or suspended on a fixed data drive",
    ("personal-data-machines-encrypted", "HW-SRV-02"): "BitLocker protection is off or suspended on a fixed data drive",
    ("server-backups-recent", "HW-SRV-02"): "last successful backup 9 days ago (limit 3)",
    ("autologon-no-stored-password", "HW-EXAM-01"): (
        "signs an account in automatically, so its password is stored on the machine"
    ),
    ("autologon-no-stored-password", "HW-LIB-01"): (
        "signs HOLYWELL\\library-kiosk in automatically, so that account's password is stored on the machine"
    ),
    ("firewall-enabled", "HW-ICT-02"): "Windows Defender Firewall is turned off for at least one network profile",
    ("remote-desktop-secured", "HW-OFF-01"): "Remote Desktop is on without requiring TLS (security layer 1, not 2)",
    ("local-admins-restricted", "HW-CL-01"): (
        "the local Administrators group holds members that are not approved "
        "(it holds HW-CL-01\\Administrator, HOLYWELL\\Domain Admins, HOLYWELL\\21greenh)"
    ),
    ("local-admins-restricted", "HW-ICT-03"): (
        "the local Administrators group holds an account that no longer exists, or members that are not approved"
    ),
    (
        "removable-media-protected",
        "HW-LT-01",
    ): "files can be written to unencrypted USB sticks and other removable drives",
    ("screensaver-locking", "HW-OFF-02"): (
        "neither the machine nor every user's screen saver locks within 600 seconds idle"
    ),
    ("screensaver-locking", "HW-TR-02"): (
        "locks after 900 seconds idle (limit 600), and not every user's screen saver locks in time"
    ),
    ("gpo-bitlocker-laptops", "OU=Loan,OU=Laptops,OU=Computers,OU=Holywell,DC=holywell,DC=demo"): (
        "no Group Policy reaching it requires BitLocker encryption (laptops here: 4)"
    ),
    **{
        ("gpo-endpoint-drift", host): (
            "its screen saver, inactivity or removable-media settings differ from what its Group Policy sets"
        )
        for host in ("HW-ICT-07", "HW-OFF-02", "HW-LT-01")
    },
    ("gpo-force-logoff", "DC=holywell,DC=demo"): (
        'Group Policy turns "Force logoff when logon hours expire" on, but the domain does not apply it'
    ),
    ("gpo-password-settings-agree", "DC=holywell,DC=demo"): (
        "Group Policy sets passwords of at least 6 characters; the domain enforces 7"
    ),
    **{
        ("gpo-screensaver-locking", f"OU=Year {year},OU=Pupils,OU=Holywell,DC=holywell,DC=demo"): (
            "its Group Policy screen saver starts after 1800 seconds (limit 600)"
        )
        for year in (3, 4, 5, 6)
    },
    ("force-logoff-enabled", "holywell.demo"): (
        'open network sessions carry on after logon hours end ("Force logoff when logon hours expire" is off)'
    ),
    ("logoff-task-scheduled", "HW-CL-03"): "no daily task ends everyone's session by 19:00",
    ("logoff-task-scheduled", "HW-HALL-01"): "no daily task ends everyone's session by 19:00",
    ("logoff-task-scheduled", "HW-TR-03"): "a portable machine whose daily log-off task does not run on battery",
    ("logon-hours-curfew", "23doylef"): "can sign in 19:00–06:00 every day, all year",
    ("logon-hours-curfew", "grant.e"): "can sign in 19:00–20:00 every day in summer (BST)",
    ("logon-hours-curfew", "khan.s"): "can sign in 19:00–06:00 every day, all year",
    ("fine-grained-password-minimum", "PSO-Supply-Teachers"): (
        "lets the accounts it governs use passwords shorter than the required minimum"
    ),
    ("password-complexity", "holywell.demo"): (
        "passwords need not mix upper and lower case letters, numbers and symbols (complexity is off)"
    ),
    ("privileged-accounts-separate", "adm-jenkins.r"): (
        "a disabled account is still in a privileged group: remove it from the group"
    ),
    ("privileged-accounts-separate", "price.o"): "an everyday (staff or pupil) account holds administrative rights",
    ("local-admin-passwords-managed", "HW-EXAM-01"): (
        "no managed local administrator password: neither Windows LAPS nor legacy LAPS has recorded an expiry time"
    ),
    ("local-admin-passwords-managed", "HW-HALL-01"): (
        "local administrator password change overdue: Windows LAPS expiry was 43 days ago (limit 42)"
    ),
    (
        "no-passwords-in-directory-text",
        "lewis.r",
    ): "a password appears to be written in its info (the text is not shown)",
    ("no-passwords-in-directory-text", "office-shared"): (
        "a password appears to be written in its description (the text is not shown)"
    ),
    ("no-passwords-in-directory-text", "HW-HALL-01"): (
        "a password appears to be written in its description (the text is not shown)"
    ),
    ("privileged-password-age", "adm-jenkins.r"): "privileged account's password last changed 500 days ago (limit 365)",
    ("privileged-password-age", "krbtgt"): "krbtgt password last changed 1400 days ago (limit 180)",
    (
        "stale-computer-accounts",
        "HW-ICT-08",
    ): "last signed in to the domain 140 days ago (limit 90): disposed of, or lost?",
    ("account-lockout", "PSO-Supply-Teachers"): (
        "never locks an account, however many passwords are tried (lockout threshold 0; limit 10)"
    ),
    ("kerberos-preauth-required", "svc-copier"): (
        "does not require Kerberos pre-authentication (DONT_REQ_PREAUTH): anyone may ask for data to guess its "
        "password offline"
    ),
    ("reversible-encryption-disabled", "svc-mis-sync"): (
        "its password is stored with reversible encryption (ENCRYPTED_TEXT_PWD_ALLOWED is set on the account)"
    ),
    **dict.fromkeys(
        [("staff-passwords-expire", "supply.a"), ("staff-passwords-expire", "supply.b")],
        "the policy that governs it, PSO-Supply-Teachers, has no maximum password age, so its password never expires",
    ),
    ("unsupported-operating-system", "HW-TR-01"): (
        "runs Windows 10, version 22H2 (Home and Pro), serviced by Microsoft until 14 Oct 2025 (402 days ago): no "
        "security updates since"
    ),
    ("os-supported", "HW-TR-01"): (
        "runs Windows 10, version 22H2 (Home and Pro), serviced by Microsoft until 14 Oct 2025 (402 days ago): no "
        "security updates since"
    ),
    ("updates-current", "HW-LIB-01"): (
        "lacks the cumulative update released 9 Dec 2025 (build 26100.7462), 346 days ago (limit 14)"
    ),
    ("updates-current", "HW-TR-01"): (
        "lacks the cumulative update released 11 Nov 2025 (build 19045.6575), 374 days ago (limit 14)"
    ),
    **{
        ("gpo-firewall-on", f"{ou},OU=Holywell,DC=holywell,DC=demo"): (
            "Group Policy does not keep the firewall on with inbound blocked on every network (domain, private, public)"
        )
        for ou in ("OU=Hall,OU=Computers", "OU=Loan,OU=Laptops,OU=Computers")
    },
    **{
        ("gpo-removable-media-encrypted", f"OU={room},OU=Computers,OU=Holywell,DC=holywell,DC=demo"): (
            "no Group Policy here stops computers writing to unencrypted USB sticks and removable drives"
        )
        for room in ("Classrooms", "Hall", "ICT Suite", "Library", "Loan,OU=Laptops", "Office")
    },
    (
        "no-passwords-in-sysvol",
        "holywell.demo\\Policies\\{8E2F4C31-5B6A-4F0E-9C1D-2A7B3E4F5061}\\User\\Preferences\\Drives\\Drives.xml",
    ): (
        "1 stored password(s) every pupil and member of staff can read: line 4: <Properties> has a cpassword "
        "(item 'S:')"
    ),
    ("no-passwords-in-sysvol", "holywell.demo\\scripts\\kiosk-setup.ps1"): (
        "1 stored password(s) every pupil and member of staff can read: line 12: ConvertTo-SecureString of a literal"
    ),
}
RAW = "uac is 0x220; expected uac has all bits clear of 0x20"


def demo(run_cli, *args: str) -> str:
    result = run_cli("scan", "--demo", *args)
    assert result.code == 1
    return result.out


def test_json_adds_the_plain_message_and_keeps_the_raw_reason(run_cli):
    report = json.loads(demo(run_cli, "--format", "json"))
    messages = {(f["rule_id"], o["id"]): o["message"] for f in report["findings"] for o in f["objects"] if o["message"]}
    assert messages == PLAIN
    failing = {(f["rule_id"], o["id"]) for f in report["findings"] for o in f["objects"] if o["status"] == "FAIL"}
    assert failing == set(PLAIN)  # every failing object in the demo is put into plain words
    pnr = next(f for f in report["findings"] if f["rule_id"] == "password-not-required")
    assert [o["reason"] for o in pnr["objects"] if o["status"] == "FAIL"] == [RAW, RAW]
    assert {o["message"] for o in pnr["objects"] if o["status"] != "FAIL"} == {None}


def test_the_table_leads_with_the_plain_message_and_details_adds_the_raw_reason(run_cli):
    table = demo(run_cli)
    assert "  • markup.m FAIL: may have an empty password (PASSWD_NOTREQD is set) [display_name:" in table
    assert "0x220" not in table
    detailed = " ".join(demo(run_cli, "--details").split())
    assert f"markup.m FAIL: may have an empty password (PASSWD_NOTREQD is set) ({RAW})" in detailed


def test_markdown_and_html_lead_with_the_plain_message(run_cli):
    markdown = demo(run_cli, "--format", "markdown").splitlines()
    hostile_name = r'display\_name: =HYPERLINK("http://evil.example","click")'  # the demo's own hostile value
    assert f"- **hyde.l** FAIL: last signed in 95 days ago (limit 60) ({hostile_name})" in markdown
    page = demo(run_cli, "--format", "html")
    assert (
        '<td class="reason">may have an empty password (PASSWD_NOTREQD is set)'
        f'<div class="kind">{RAW}</div></td>' in page
    )


def test_csv_keeps_the_raw_reason(run_cli):
    rows = csv.DictReader(io.StringIO(demo(run_cli, "--format", "csv").lstrip("\ufeff")))
    pnr = [row for row in rows if row["rule_id"] == "password-not-required" and row["object_status"] == "FAIL"]
    assert [row["reason"] for row in pnr] == [RAW, RAW]


def test_the_profiles_number_is_in_the_message(run_cli, tmp_path: Path):
    profile = tmp_path / "p.yaml"
    profile.write_text("name: p\ntitle: P\nrules:\n  dormant-accounts:\n    parameters: {max_idle_days: 90}\n")
    report = json.loads(demo(run_cli, "--profile", str(profile), "--format", "json"))
    (dormant,) = report["findings"]
    assert [(o["id"], o["message"]) for o in dormant["objects"] if o["status"] == "FAIL"] == [
        ("hyde.l", "last signed in 95 days ago (limit 90)"),
        ("moss.g", "never signed in, created 120 days ago (limit 90)"),
    ]


def test_a_waived_object_shows_its_waiver_not_the_failure_message(run_cli, tmp_path: Path):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "- rule: password-not-required\n  objects: [markup.m]\n  justification: Being fixed by the support company.\n"
        "  approved_by: Head teacher\n  expires: 2026-12-31\n",
        encoding="utf-8",
    )
    report = json.loads(demo(run_cli, "--waivers", str(waivers), "--format", "json"))
    pnr = next(f for f in report["findings"] if f["rule_id"] == "password-not-required")
    assert [(o["id"], o["status"], o["message"]) for o in pnr["objects"] if o["status"] in ("FAIL", "WAIVED")] == [
        ("office-shared", "FAIL", "may have an empty password (PASSWD_NOTREQD is set)"),
        ("markup.m", "WAIVED", None),
    ]
    assert "markup.m WAIVED: waived until 2026-12-31 by Head teacher" in demo(run_cli, "--waivers", str(waivers))


def test_a_single_object_rule_says_its_message_once(run_cli):
    words = 'open network sessions carry on after logon hours end ("Force logoff when logon hours expire" is off)'
    raw = "force_logoff is false; expected force_logoff = true"
    table = " ".join(demo(run_cli).split())
    assert table.count(words) == 1
    assert f"holywell.demo: {words}" in table
    assert raw not in table
    detailed = " ".join(demo(run_cli, "--details").split())
    assert detailed.count(words) == 1
    assert f"holywell.demo: {words} ({raw})" in detailed
    page = demo(run_cli, "--format", "html")
    assert page.count(words.replace('"', "&quot;")) == 1
    assert page.count(raw) == 1
