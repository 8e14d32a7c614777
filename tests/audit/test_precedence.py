"""Exit-code precedence, in the one function every outcome goes through, and the code for each exception."""

from __future__ import annotations

import datetime as dt

import pytest

from holyaudit.audit.exit_codes import PRECEDENCE, code_for, findings_code, prevailing
from holyaudit.errors import CollectorError, ExitCode, InvalidInputError, LockedError, UsageError
from holyaudit.models import AuditResult, Clause, Finding, Severity, Status

C, N, U, I, E, L, X, INT = (  # noqa: E741 - one letter per code keeps the table readable
    ExitCode.COMPLIANT,
    ExitCode.NON_COMPLIANT,
    ExitCode.USAGE,
    ExitCode.INVALID_INPUT,
    ExitCode.INCOMPLETE,
    ExitCode.LOCKED,
    ExitCode.INTERNAL,
    ExitCode.INTERRUPTED,
)


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ((), C),
        ((C,), C),
        ((C, C), C),
        ((E, C), E),
        ((C, E), E),
        ((N, E), N),
        ((E, N, C), N),
        ((L, N), L),
        ((N, E, L), L),
        ((X, L), X),
        ((L, X, N, E), X),
        ((I, X), I),
        ((X, I, L, N, E, C), I),
        ((U, I), U),
        ((INT, U, I, X), INT),
    ],
)
def test_the_strongest_code_prevails(codes, expected):
    assert prevailing(*codes) is expected


def test_the_documented_order_3_70_5_1_4_0_and_every_code_has_a_place():
    assert [int(code) for code in PRECEDENCE] == [130, 2, 3, 70, 5, 1, 4, 0]
    assert set(PRECEDENCE) == set(ExitCode)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (InvalidInputError([]), ExitCode.INVALID_INPUT),
        (UsageError("bad flag"), ExitCode.USAGE),
        (LockedError("held"), ExitCode.LOCKED),
        (CollectorError("unreachable"), ExitCode.INCOMPLETE),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
        (RuntimeError("a bug"), ExitCode.INTERNAL),
        (OverflowError("a bug too"), ExitCode.INTERNAL),
    ],
)
def test_the_code_for_each_exception(exc, expected):
    assert code_for(exc) is expected


def result_of(*findings: tuple[Status, Severity]) -> AuditResult:
    return AuditResult(
        as_of=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
        timezone="Europe/London",
        profile="test",
        sources=[],
        findings=[
            Finding(
                rule_id=f"rule-{n}",
                title="t",
                status=status,
                severity=severity,
                clause=Clause(section="1", heading="h", text="t"),
                tags=[],
                message="m",
                remediation="r",
                objects=[],
            )
            for n, (status, severity) in enumerate(findings)
        ],
    )


LOW, MEDIUM, HIGH = Severity.LOW, Severity.MEDIUM, Severity.HIGH
FAIL, ERROR, PASS, WAIVED, NA = Status.FAIL, Status.ERROR, Status.PASS, Status.WAIVED, Status.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("findings", "fail_on", "new_failures", "expected"),
    [
        ([], LOW, None, C),
        ([(PASS, HIGH), (WAIVED, HIGH), (NA, HIGH)], LOW, None, C),
        ([(FAIL, LOW)], LOW, None, N),
        ([(FAIL, LOW)], MEDIUM, None, C),
        ([(FAIL, MEDIUM)], MEDIUM, None, N),
        ([(ERROR, LOW)], HIGH, None, E),
        ([(ERROR, LOW), (FAIL, HIGH)], LOW, None, N),
        ([(ERROR, LOW), (FAIL, LOW)], HIGH, None, E),
        ([(FAIL, HIGH), (PASS, LOW)], LOW, True, N),
        ([(FAIL, HIGH), (PASS, LOW)], LOW, False, C),
        ([(FAIL, HIGH), (ERROR, LOW)], LOW, False, E),
        ([(FAIL, LOW)], HIGH, False, C),
    ],
)
def test_the_code_a_scans_findings_give(findings, fail_on, new_failures, expected):
    assert findings_code(result_of(*findings), fail_on, new_failures=new_failures) is expected
