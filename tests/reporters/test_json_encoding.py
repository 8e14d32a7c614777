"""The JSON report encodes object results one at a time; the bytes must be those of encoding everything at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from enum import StrEnum
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from holyaudit import __version__
from holyaudit.models import (
    SCHEMA_VERSION,
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
from holyaudit.reporters.interface import RenderOptions
from holyaudit.reporters.json import JsonReporter, overview_document

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
        "site": result.site,
        "as_of": result.as_of.isoformat(),
        "timezone": result.timezone,
        "profile": result.profile,
        "framework": None,
        "sources": [s.model_dump(mode="json") for s in result.sources],
        "summary": result.summary(),
        "overview": overview_document(result),
        "findings": [f.model_dump(mode="json") for f in result.findings],
    }


def test_json_report_is_byte_for_byte_the_whole_result_encoded_at_once() -> None:
    result = result_with_awkward_values()

    rendered = JsonReporter().render(result, RenderOptions())

    assert rendered == json.dumps(whole_document(result), separators=(",", ":"), ensure_ascii=True) + "\n"
    assert rendered.isascii()


class Colour(StrEnum):
    RED = "red"


class Volume(BaseModel):
    letter: str
    size: float


def odd(status: Status, observed: dict[str, Any], context: dict[str, Any] | None = None) -> ObjectResult:
    return ObjectResult.made("CN=odd", "user", status, observed, "anything", None, context or {})


def test_results_made_by_the_engine_encode_as_pydantic_dumps_them_whatever_their_values() -> None:
    # Most results hold text, numbers and truth values, which the report writes without pydantic; anything else
    # (dates, floats such as NaN, tuples, bytes, enums, models) must still come out exactly as pydantic dumps it.
    when = dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)
    objects = [
        odd(Status.PASS, {"enabled": True, "uac": 512, "id": "sam", "gone": None}, {"display_name": "Sam"}),
        odd(Status.FAIL, {"categories": ["staff", "pupil"], "groups": []}),
        odd(Status.PASS, {"nested": {"k": ["v"]}}),
        odd(Status.PASS, {"mixed": ["a", 1, None, True]}),
        odd(Status.ERROR, {"when": when, "day": when.date()}),
        odd(Status.FAIL, {"nan": float("nan"), "inf": float("inf"), "ratio": 0.5}),
        odd(Status.FAIL, {"pair": ("a", 1), "raw": b"\x00bytes", "set": ["x"]}, {"colour": Colour.RED}),
        odd(Status.PASS, {"volumes": [Volume(letter="C:", size=1.5)], "list_of_dates": [when]}),
        odd(Status.PASS, {"ok": "text"}, {"shown": when}),
        odd(Status.WAIVED, {"colour": [Colour.RED]}),
    ]
    result = result_with_awkward_values()
    result = result.model_copy(update={"findings": [result.findings[0].model_copy(update={"objects": objects})]})

    rendered = JsonReporter().render(result, RenderOptions())

    assert rendered == json.dumps(whole_document(result), separators=(",", ":"), ensure_ascii=True) + "\n"
    assert json.loads(rendered)["findings"][0]["objects"][5]["observed"] == {"nan": None, "inf": None, "ratio": 0.5}


def test_a_made_result_is_the_result_constructed_from_the_same_values() -> None:
    values: dict[str, Any] = {
        "id": "CN=a",
        "kind": "user",
        "status": Status.FAIL,
        "observed": {"uac": 544},
        "expected": "uac has all bits clear of 0x20",
        "reason": "uac is 0x220",
        "context": {"display_name": "A"},
        "message": "may have an empty password",
    }
    made, constructed = ObjectResult.made(**values), ObjectResult(**values)

    assert made == constructed
    assert made.as_dict() == values
    assert list(made.as_dict()) == list(values)  # the report's order
    assert TypeAdapter(ObjectResult).dump_json(made) == TypeAdapter(ObjectResult).dump_json(constructed)
    # A replaced copy leaves the result it came from, and others made alike, as they were.
    other = ObjectResult.made(**values)
    waived = made.replaced(status=Status.WAIVED)
    assert (waived.status, made.status, other.status) == (Status.WAIVED, Status.FAIL, Status.FAIL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.status = Status.PASS  # type: ignore[misc]


def test_json_report_comes_in_pieces_that_make_exactly_the_whole_encoding() -> None:
    # A 50,000-user report is written piece by piece, never held whole; the pieces must still make exactly the
    # document encoded at once, the waivers after the findings.
    expires = dt.date(2024, 8, 1)
    notice = WaiverNotice(
        rule_id="test-awkward",
        object_ids=[AWKWARD[0]],
        justification="Known \u201cissue\u201d",
        approved_by="Head of IT",
        expires=expires,
        state=WaiverState.APPLIED,
        objects_waived=[AWKWARD[0]],
        where="waivers.yaml:3",
        message="waived 1 object",
    )
    awkward = result_with_awkward_values()
    many = [odd(Status.PASS, {"n": n, "groups": ["a", AWKWARD[n % 6]]}, {"display_name": f"n{n}"}) for n in range(2500)]
    large = awkward.findings[0].model_copy(update={"objects": [*awkward.findings[0].objects, *many]})
    result = awkward.model_copy(update={"waivers": [notice], "findings": [large, *awkward.findings[1:]]})

    pieces = list(JsonReporter().chunks(result, RenderOptions()))

    whole = {**whole_document(result), "waivers": [notice.model_dump(mode="json")]}
    text = json.dumps(whole, separators=(",", ":"), ensure_ascii=True) + "\n"
    assert "".join(pieces) == text
    assert max(len(p) for p in pieces) < len(text) / 2  # the large finding came in pieces too
    assert JsonReporter().render(result, RenderOptions()) == text
