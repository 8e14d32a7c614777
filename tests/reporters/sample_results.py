"""Audit results for the report tests, built as the engine returns them: a small plain one and a hostile one."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from holyaudit.models import (
    AuditResult,
    Clause,
    FactSetSource,
    Finding,
    ObjectResult,
    Severity,
    Status,
    WaiverNotice,
    WaiverState,
)
from holyaudit.reporters.interface import TrendPoint

LONDON = ZoneInfo("Europe/London")
AS_OF = dt.datetime(2026, 11, 20, 16, 30, tzinfo=LONDON)
PASSWORDS = Clause(section="10", heading="Passwords", text="Passwords must contain a minimum of six characters")
INFRASTRUCTURE = Clause(section="8", heading="Infrastructure", text="anti-virus is kept up-to-date on all machines")
SCHOOL = "St Hild's C of E Primary"
ZOMBIES = Clause(section="10", heading="Zombie accounts", text="Ensure that all user accounts are disabled")

# Values a directory or a user rule folder could hold, meant to run script, load something, inject a formula
# or a link, break a table, or hide what they are.
SCRIPT = "<script>document.title='PWNED'</script>"
IMG = '"><img src=x onerror="document.title=\'PWNED\'">'
SVG = "'><svg onload=document.title='PWNED'>"
FORMULA = '=HYPERLINK("http://evil.example","click")'
LINK = "[click](javascript:alert(1)) ![x](http://evil.example/x.png) <http://evil.example>"
PIPE = "a|b"
ESCAPE = "evil\x1b[2Jwipe"
RTL = "report\u202egnp.exe"
HOSTILE = (SCRIPT, IMG, SVG, FORMULA, LINK, PIPE, ESCAPE, RTL)


def user(
    object_id: str, status: Status, reason: str | None = None, *, context: dict[str, object] | None = None
) -> ObjectResult:
    return ObjectResult(
        id=object_id,
        kind="user",
        status=status,
        observed={"enabled": True, "uac": 0x220 if status is Status.FAIL else 0x200},
        expected="uac has all bits clear of 0x20",
        reason=reason,
        context=context or {},
    )


def sample_result() -> AuditResult:
    """One rule per status but WAIVED: a failure with a waived object, an error, a pass, one with nothing in scope."""
    required = Finding(
        rule_id="test-password-required",
        title="Every enabled account needs a password",
        status=Status.FAIL,
        severity=Severity.HIGH,
        clause=PASSWORDS,
        tags=["passwords", "directory"],
        message="2 of 4 users fail, 1 waived, 1 pass",
        remediation="Run `Set-ADUser -PasswordNotRequired $false` for each account.",
        objects=[
            user("a.one", Status.FAIL, "uac is 0x220; expected uac has all bits clear of 0x20", context={"name": "Al"}),
            user("b.two", Status.FAIL, "uac is 0x220; expected uac has all bits clear of 0x20"),
            user("kiosk", Status.WAIVED, "waived until 2026-12-31: exam-room kiosk (approved by J. Head)"),
            user("fine", Status.PASS),
        ],
    )
    antivirus = Finding(
        rule_id="test-antivirus",
        title="Anti-virus is up to date",
        status=Status.ERROR,
        severity=Severity.MEDIUM,
        clause=INFRASTRUCTURE,
        tags=["endpoints"],
        message="endpoints.hosts was not collected: connection refused",
        remediation="Update-MpSignature",
        objects=[],
    )
    length = Finding(
        rule_id="test-min-length",
        title="Minimum password length is long enough",
        status=Status.PASS,
        severity=Severity.HIGH,
        clause=PASSWORDS,
        tags=["passwords"],
        message="school.test: min_pwd_length ≥ 6",
        remediation="Set-ADDefaultDomainPasswordPolicy -MinPasswordLength 6",
        objects=[
            ObjectResult(
                id="school.test",
                kind="domain",
                status=Status.PASS,
                observed={"min_pwd_length": 8},
                expected="min_pwd_length ≥ 6",
            )
        ],
    )
    leavers = Finding(
        rule_id="test-leavers",
        title="Leavers' accounts are disabled",
        status=Status.NOT_APPLICABLE,
        severity=Severity.LOW,
        clause=ZOMBIES,
        tags=[],
        message="no users in scope",
        remediation="Disable-ADAccount",
        objects=[],
    )
    return AuditResult(
        as_of=AS_OF,
        timezone="Europe/London",
        profile="holywell",
        site=SCHOOL,
        sources=[
            FactSetSource(name="directory.users", source="ldaps://dc1.school.test", collected_at=AS_OF),
            FactSetSource(
                name="endpoints.hosts", source="winrm", collected_at=AS_OF, error="connection refused on port 5986"
            ),
        ],
        findings=[required, antivirus, length, leavers],
    )


def varied_result():
    """The sample with what only some reports have: waivers, and a rule whose objects are held to different
    expectations (so its table keeps an Expected column)."""
    result = sample_result()
    first = result.findings[0]
    objects = [
        user("a.one", first.objects[0].status, "uac is 0x220").replaced(
            expected="uac has all bits clear of 0x20 (the password-not-required flag)"
        ),
        user("b.two", first.objects[1].status, "uac is 0x220").replaced(
            expected="uac has all bits clear of 0x220, as a staff account's should"
        ),
    ]
    waivers = [
        WaiverNotice(
            rule_id="test-password-required",
            object_ids=["kiosk"],
            justification="The exam-room kiosk signs in automatically during exams; replaced in the spring term",
            approved_by="Head teacher, by email",
            expires=dt.date(2026, 12, 31),
            state=WaiverState.EXPIRING_SOON,
            objects_waived=["kiosk"],
            where="waivers.yaml:3",
            message="waived kiosk; expires in 41 days (2026-12-31)",
        ),
        WaiverNotice(
            rule_id="antivirus-up-to-date",
            object_ids=None,
            justification="Machines in the server room are patched by the supplier",
            approved_by="Governors' resources committee",
            expires=dt.date(2027, 3, 31),
            state=WaiverState.UNMATCHED,
            objects_waived=[],
            where="waivers.yaml:9",
            message="waived nothing: the rule did not run with this profile",
        ),
    ]
    return result.model_copy(
        update={"findings": [first.model_copy(update={"objects": objects}), *result.findings[1:]], "waivers": waivers}
    )


def hostile_result() -> AuditResult:
    """Every hostile value in every field a report shows: ids, reasons, observed values, context, rule texts."""
    objects = [
        ObjectResult(
            id=text,
            kind="user",
            status=Status.FAIL,
            observed={"display_name": text, text: [text, 1]},
            expected=f"display_name = {text}",
            reason=f"display_name is {text}",
            context={"display_name": text},
        )
        for text in HOSTILE
    ]
    finding = Finding(
        rule_id=f"test-{SCRIPT}",
        title=f"Title {IMG}",
        status=Status.FAIL,
        severity=Severity.CRITICAL,
        clause=Clause(section=SVG, heading=f"Heading {SCRIPT}", text=f"Clause {IMG}\n{RTL}"),
        tags=[SCRIPT],
        message=f"{len(objects)} of {len(objects)} users fail {SVG}",
        remediation=f"Run `{SCRIPT}` then {IMG}",
        objects=objects,
    )
    return AuditResult(
        as_of=AS_OF,
        timezone="Europe/London",
        profile=SCRIPT,
        site=f"School {SCRIPT} {RTL}",
        sources=[FactSetSource(name=f"directory.{IMG}", source=SCRIPT, collected_at=AS_OF, error=f"failed: {SVG}")],
        findings=[finding],
    )


def weekly_trend(weeks: int) -> tuple[TrendPoint, ...]:
    """One run a week up to the as-of time, failures falling by one a week."""
    return tuple(
        TrendPoint(
            run_at=AS_OF - dt.timedelta(weeks=weeks - 1 - week),
            counts={Status.FAIL: weeks - week, Status.PASS: week + 1},
        )
        for week in range(weeks)
    )
