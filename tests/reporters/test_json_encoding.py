"""The JSON report encodes object results one at a time; the bytes must be those of encoding everything at once."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from holyaudit import __version__
from holyaudit.models import SCHEMA_VERSION, AuditResult, Clause, FactSetSource, Finding, ObjectResult, Severity, Status
from holyaudit.reporters.interface import RenderOptions
from holyaudit.reporters.json import JsonReporter

AWKWARD = ["report\u202egnp.exe", "evil\x1b[2Jwipe", "caf\u00e9", "\U0001f600", "del\x7f", 'quote " and \\ slash']


def result_with_awkward_values() -> AuditResult:
    objects = [
        ObjectResult(
            id=text,
            kind="user",
            status=Status.FAIL,
            observed={
                "display_name": text,
                "ratio": 99.5,
                "big": 1e16,
                "groups": [text, 1, None],
                "nested": {"k": text},
            },
            expected=f"not {text}",
            reason=f"{text} is wrong",
            context={"display_name": text},
        )
        for text in AWKWARD
    ]
    finding = Finding(
        rule_id="test-awkward",
        title="Awkward values",
        status=Status.FAIL,
        severity=Severity.HIGH,
        clause=Clause(section="10", heading="Passwords", text="Use \u201cstrong\u201d passwords."),
        tags=["t\u00e4g"],
        message="6 of 6 users fail",
        remediation="Fix them.",
        objects=objects,
    )
    collected = dt.datetime(2024, 7, 15, 9, tzinfo=dt.UTC)
    return AuditResult(
        as_of=collected,
        timezone="Europe/London",
        profile="holywell",
        sources=[FactSetSource(name="directory.users", source="ldaps://dc", collected_at=collected)],
        findings=[finding, finding.model_copy(update={"objects": []})],
    )


def whole_document(result: AuditResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "as_of": result.as_of.isoformat(),
        "timezone": result.timezone,
        "profile": result.profile,
        "sources": [s.model_dump(mode="json") for s in result.sources],
        "summary": result.summary(),
        "findings": [f.model_dump(mode="json") for f in result.findings],
    }


def test_json_report_is_byte_for_byte_the_whole_result_encoded_at_once() -> None:
    result = result_with_awkward_values()

    rendered = JsonReporter().render(result, RenderOptions())

    assert rendered == json.dumps(whole_document(result), separators=(",", ":"), ensure_ascii=True) + "\n"
    assert rendered.isascii()
