"""Which exit code an audit ends with: the precedence between codes, and the code for an exception."""

from __future__ import annotations

from typing import TYPE_CHECKING

from holyaudit.errors import ExitCode, HolyauditError
from holyaudit.status import Severity, Status

if TYPE_CHECKING:  # the program's entry point maps errors to codes without loading the models
    from holyaudit.models import AuditResult, Finding

PRECEDENCE: tuple[ExitCode, ...] = (
    ExitCode.INTERRUPTED,
    ExitCode.USAGE,
    ExitCode.INVALID_INPUT,
    ExitCode.INTERNAL,
    ExitCode.LOCKED,
    ExitCode.NON_COMPLIANT,
    ExitCode.INCOMPLETE,
    ExitCode.COMPLIANT,
)
"""Strongest first, as README.md documents it (3, then 70, then 5, then 1, then 4, then 0). An interruption and
a usage error stop the whole invocation where they happen, so they rank above every outcome of an audit."""

_RANK = {code: rank for rank, code in enumerate(PRECEDENCE)}


def prevailing(*codes: ExitCode) -> ExitCode:
    """The one code that stands for several outcomes (of a scan's findings, or of many sites): the strongest.
    No outcome at all is compliant: nothing failed and nothing was left unchecked."""
    return min(codes, key=_RANK.__getitem__, default=ExitCode.COMPLIANT)


def code_for(exc: BaseException) -> ExitCode:
    """The exit code for an exception that ended an audit: its own for holyaudit's errors, 130 for Ctrl-C, and
    70 for anything else, a defect in holyaudit (never "incomplete", which a scheduler may count as a success)."""
    if isinstance(exc, HolyauditError):
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    return ExitCode.INTERNAL


def findings_code(result: AuditResult, fail_on: Severity, *, new_failures: bool | None = None) -> ExitCode:
    """The code a scan's findings give: 1 for a FAIL at or above ``fail_on``, 4 for an ERROR, else 0.

    With ``new_failures`` given (``--fail-on-new``), failures count only if some are new: whether any are is known
    from the history, not from the findings."""
    codes = [_finding_code(finding, fail_on) for finding in result.findings]
    if new_failures is not None:
        codes = [code for code in codes if code is not ExitCode.NON_COMPLIANT]
        codes += [ExitCode.NON_COMPLIANT] if new_failures else []
    return prevailing(*codes)


def _finding_code(finding: Finding, fail_on: Severity) -> ExitCode:
    if finding.status is Status.FAIL and finding.severity.rank >= fail_on.rank:
        return ExitCode.NON_COMPLIANT
    if finding.status is Status.ERROR:
        return ExitCode.INCOMPLETE
    return ExitCode.COMPLIANT


VERDICT = {
    ExitCode.COMPLIANT: "compliant",
    ExitCode.NON_COMPLIANT: "non-compliant",
    ExitCode.INCOMPLETE: "incomplete: some checks could not be made",
}
"""What a scan's exit code says, in words, for the codes its findings give."""
