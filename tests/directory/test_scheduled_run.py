"""A scheduled run end to end, as a support technician sets one up, against the Samba test estate.

The installed ``holyaudit`` console script runs as a subprocess with no terminal on standard input, the bind
password only in the environment, ``--quiet``, ``--log-file``, ``--history`` and ``--output``: first an HTML
report for governors, then the nightly JSON. Then the estate changes through the DC's administrator (a dormant
account disabled, a teacher's logon hours fixed, a compliant teacher marked "password not required"), the job runs
again, and ``holyaudit diff`` must show exactly those objects as new and resolved. The estate is put back after.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import ldap3
import pytest
from estate import AUDIT_PASSWORD, DISABLED, PASSWD_NOTREQD, PEOPLE, SCHOOL_HOURS, Person, person_dn
from samba_dc import SambaDC
from seed import write_config

from holyaudit import __version__
from holyaudit.models import SCHEMA_VERSION

HOLYAUDIT = Path(sys.executable).parent / "holyaudit"
SITE = "Holywell Primary School (Samba test DC)"
NON_COMPLIANT = 1  # README.md, "Exit codes": the seeded school fails several rules

DORMANT = next(p for p in PEOPLE if p.sam == "davies.c")
"""Last logon 90 days ago: fails dormant-accounts; disabled, it leaves the rule's scope (resolved, now absent)."""
LATE = next(p for p in PEOPLE if p.sam == "smith.a")
"""Logon hours until 20:00 under BST: fails logon-hours-curfew; given school hours, it passes (resolved)."""
COMPLIANT = next(p for p in PEOPLE if p.sam == "bloggs.j")
"""A compliant teacher: marked PASSWD_NOTREQD, fails password-not-required (new)."""


@dataclass
class Job:
    """The scheduled job's files, and how it runs holyaudit: a fresh process, no terminal, secret in the env."""

    folder: Path
    config: Path
    env: dict[str, str]
    history: Path = field(init=False)
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.history = self.folder / "history.sqlite3"
        self.log = self.folder / "holyaudit.log"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(HOLYAUDIT), *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=300,
        )

    def scan(self, fmt: str, output: Path) -> subprocess.CompletedProcess[str]:
        return self.run(
            "scan", "--config", str(self.config), "--history", str(self.history), "--log-file", str(self.log),
            "--quiet", "--format", fmt, "--output", str(output),
        )  # fmt: skip

    def runs(self) -> list[dict]:
        listing = self.run("history", "--history", str(self.history), "--format", "json")
        assert listing.returncode == 0, listing.stderr
        return json.loads(listing.stdout)["runs"]

    def diff(self) -> dict:
        result = self.run("diff", "--history", str(self.history), "--format", "json")
        assert (result.returncode, result.stderr) == (0, "")
        return json.loads(result.stdout)


@pytest.fixture
def job(samba_dc: SambaDC, tmp_path: Path) -> Job:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLYAUDIT_")}
    env |= {"HOLYAUDIT_LDAP_PASSWORD": AUDIT_PASSWORD, "NO_COLOR": "1"}
    return Job(tmp_path / "job", write_config(samba_dc, tmp_path / "site.yaml"), env)


class EstateEdit:
    """Changes to users through the DC's administrator, remembering each attribute's first value to put it back."""

    def __init__(self, dc: SambaDC) -> None:
        self.dc = dc
        self.original: dict[tuple[str, str], list[bytes]] = {}

    def read(self, person: Person, attribute: str) -> list[bytes]:
        with self.dc.admin_connection() as conn:
            conn.search(person_dn(self.dc, person), "(objectClass=user)", ldap3.BASE, attributes=[attribute])
            return list(conn.entries[0][attribute].raw_values)

    def write(self, person: Person, attribute: str, value: int | bytes) -> None:
        self.original.setdefault((person.sam, attribute), self.read(person, attribute))
        with self.dc.admin_connection() as conn:
            conn.modify(person_dn(self.dc, person), {attribute: [(ldap3.MODIFY_REPLACE, [value])]})

    def uac(self, person: Person) -> int:
        return int(self.read(person, "userAccountControl")[0])

    def revert(self) -> None:
        people = {p.sam: p for p in PEOPLE}
        with self.dc.admin_connection() as conn:
            for (sam, attribute), values in self.original.items():
                conn.modify(person_dn(self.dc, people[sam]), {attribute: [(ldap3.MODIFY_REPLACE, values)]})


@pytest.fixture
def estate_edit(samba_dc: SambaDC) -> Iterator[EstateEdit]:
    """Edits the shared DC; every change is reverted, and checked reverted, however the test ends."""
    edit = EstateEdit(samba_dc)
    try:
        yield edit
    finally:
        edit.revert()
        people = {p.sam: p for p in PEOPLE}
        now = {key: edit.read(people[key[0]], key[1]) for key in edit.original}
        assert now == edit.original, "the estate was not put back; other directory tests would see the change"


class _Headings(HTMLParser):
    """The text of each <h2>, and whether the document reached </html>."""

    def __init__(self) -> None:
        super().__init__()
        self.h2: list[str] = []
        self.closed = False
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h2":
            self._in_h2 = True
            self.h2.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_h2 = self._in_h2 and tag != "h2"
        self.closed = self.closed or tag == "html"

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self.h2[-1] += data


def headings(html: str) -> _Headings:
    parser = _Headings()
    parser.feed(html)
    parser.close()
    return parser


def failing(report: dict) -> set[tuple[str, str]]:
    return {(f["rule_id"], o["id"]) for f in report["findings"] for o in f["objects"] if o["status"] == "FAIL"}


def log_lines(log: Path) -> list[tuple[str, str]]:
    """(run id, message) for each line, after checking every line is ``TIME run=ID message``."""
    parsed = [re.fullmatch(r"\S+\+00:00 run=([0-9a-f]{32}) (.*)", line) for line in log.read_text().splitlines()]
    assert all(parsed), log.read_text()
    return [(m[1], m[2]) for m in parsed if m]


def quietly_non_compliant(result: subprocess.CompletedProcess[str]) -> None:
    """What README.md and docs/unattended.md promise a --quiet run with --output: exit 1 and silence."""
    assert (result.returncode, result.stdout, result.stderr) == (NON_COMPLIANT, "", "")


def test_scheduled_runs_write_reports_log_and_history_and_diff_shows_exactly_the_estate_changes(
    job: Job, estate_edit: EstateEdit
) -> None:
    html_report, json_report = job.folder / "report.html", job.folder / "report.json"
    quietly_non_compliant(job.scan("html", html_report))
    quietly_non_compliant(job.scan("json", json_report))

    report = json.loads(json_report.read_text(encoding="utf-8"))
    assert report["schema_version"] == SCHEMA_VERSION
    assert {fs["name"] for fs in report["sources"] if fs["error"] is None} >= {
        "directory.domain", "directory.users", "directory.computers", "directory.password_policies", "gpo.ous",
    }  # fmt: skip
    page = headings(html_report.read_text(encoding="utf-8"))
    assert page.closed, "the HTML report is cut short"
    clauses = {f"§{f['clause']['section']} {f['clause']['heading']}" for f in report["findings"]}
    assert {c for c in clauses if any(h.endswith(c) for h in page.h2)} == clauses
    assert {"Fix first", "Policy clauses", "Rules and objects by status", "Compliance trend", "Sources"} <= {
        h.strip() for h in page.h2
    }
    before = failing(report)
    assert {("dormant-accounts", "davies.c"), ("logon-hours-curfew", "smith.a")} <= before
    assert ("password-not-required", "bloggs.j") not in before

    # The school acts on the report, and a teacher's account is changed carelessly.
    estate_edit.write(DORMANT, "userAccountControl", estate_edit.uac(DORMANT) | DISABLED)
    estate_edit.write(LATE, "logonHours", SCHOOL_HOURS)
    estate_edit.write(COMPLIANT, "userAccountControl", estate_edit.uac(COMPLIANT) | PASSWD_NOTREQD)
    quietly_non_compliant(job.scan("json", json_report))
    after = json.loads(json_report.read_text(encoding="utf-8"))

    changes = job.diff()
    assert [(c["rule_id"], c["object_id"], c["before"], c["now"]) for c in changes["new"]] == [
        ("password-not-required", "bloggs.j", "PASS", "FAIL"),
    ]
    assert [(c["rule_id"], c["object_id"], c["before"], c["now"]) for c in changes["resolved"]] == [
        ("dormant-accounts", "davies.c", "FAIL", None),  # disabled: no longer an enabled account to judge
        ("logon-hours-curfew", "smith.a", "FAIL", "PASS"),
    ]
    assert changes["unchecked"] == []
    still = {(c["rule_id"], c["object_id"]) for c in changes["still_failing"]}
    assert still == before - {("dormant-accounts", "davies.c"), ("logon-hours-curfew", "smith.a")}
    assert failing(after) == still | {("password-not-required", "bloggs.j")}

    runs = job.runs()  # newest first
    assert [(r["profile"], r["site"], r["exit_code"]) for r in runs] == [("holywell", SITE, NON_COMPLIANT)] * 3
    assert (changes["from"]["run_id"], changes["to"]["run_id"]) == (runs[1]["run_id"], runs[0]["run_id"])
    assert runs[0]["counts"] == after["summary"]
    assert runs[1]["counts"] == report["summary"]

    lines = log_lines(job.log)
    assert [run_id for run_id, _ in lines] == [r["run_id"] for r in reversed(runs) for _ in range(4)]
    for index, run in enumerate(reversed(runs)):
        start, sources, findings, end = (message for _, message in lines[4 * index : 4 * index + 4])
        assert start == f"start: holyaudit {__version__} scan"
        assert sources.startswith("sources: directory.domain from ldaps://127.0.0.1:636")
        assert "gpo.ous from ldaps://127.0.0.1:636 + \\\\127.0.0.1\\SYSVOL" in sources
        assert findings == "findings: " + ", ".join(f"{status} {n}" for status, n in run["counts"].items())
        assert end == f"exit {NON_COMPLIANT}"
    for written in (job.log, html_report, json_report, job.history):
        assert AUDIT_PASSWORD.encode() not in written.read_bytes()


def test_the_unchanged_estate_gives_no_drift_between_two_scheduled_runs(job: Job) -> None:
    """The control for the test above: with nothing changed, the diff is empty but for what still fails."""
    quietly_non_compliant(job.scan("json", job.folder / "first.json"))
    quietly_non_compliant(job.scan("json", job.folder / "second.json"))
    changes = job.diff()
    assert (changes["new"], changes["resolved"], changes["unchecked"]) == ([], [], [])
    second = json.loads((job.folder / "second.json").read_text(encoding="utf-8"))
    assert {(c["rule_id"], c["object_id"]) for c in changes["still_failing"]} == failing(second)
