"""The JSON report encodes object results one at a time; the bytes must be those of encoding everything at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from enum import IntEnum, StrEnum
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from holyaudit import __version__
from holyaudit.audit.workflow import AuditRequest, audit
from holyaudit.collectors.snapshot import demo_path
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
from holyaudit.reporters import json as json_reporter
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
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "site": result.site,
        "as_of": result.as_of.isoformat(),
        "timezone": result.timezone,
        "profile": result.profile,
        "framework": result.framework.model_dump(mode="json") if result.framework else None,
        "sources": [s.model_dump(mode="json") for s in result.sources],
        "summary": result.summary(),
        "overview": overview_document(result),
        "findings": [f.model_dump(mode="json") for f in result.findings],
    }
    if result.waivers is not None:
        document["waivers"] = [notice.model_dump(mode="json") for notice in result.waivers]
    return document


def encoded_at_once(result: AuditResult) -> str:
    """The report's contract: the whole document as the C encoder writes it, every character outside printable
    ASCII escaped."""
    return json.dumps(whole_document(result), separators=(",", ":"), ensure_ascii=True) + "\n"


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


# Every character class the report must escape or keep exactly: each control character, DEL, C1 controls,
# Latin-1, line and paragraph separators, bidirectional overrides, a byte-order mark, U+FFFF, an emoji outside the
# Basic Multilingual Plane, quotes, backslashes and a slash.
EVERY_CONTROL = "".join(map(chr, range(0x20)))
AWKWARD_TEXTS = [
    EVERY_CONTROL,
    "del\x7f",
    "".join(map(chr, range(0x7F, 0xA1))),
    "caf\u00e9 \u00ff",
    "line\u2028para\u2029",
    "report\u202egnp.exe \u200b\u2066",
    "\ufeffbom \uffff",
    "\U0001f600 \U0010ffff",
    'quote " backslash \\ slash / \\u0041',
]
LONE_SURROGATES = ["lone \ud800", "lone \udfff", "pair as two \ud83d\ude00"]  # Python text may hold them
REPLACEMENT = "replacement \ufffd character"
WHOLE_NUMBERS = [0, -1, 2**53 + 1, -(2**53) - 1, 2**63, 2**64, -(2**64) - 1, 10**30]


class Kind(StrEnum):
    STAFF = "staff"


class Level(IntEnum):
    HIGH = 3


class Name(str):
    """Text of a type of its own (a str subclass)."""


# Values only the C encoder's path writes as the report has them: floats (each encoder writes its own shortest
# form), dates, tuples, nested dicts and lists, enums, str subclasses, models and bytes.
OTHER_VALUES: list[Any] = [
    0.5,
    1e16,
    1e-07,
    -0.0,
    float("nan"),
    float("inf"),
    dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC),
    dt.date(2026, 3, 29),
    ("a", 1),
    {"nested": {"k": "\u202e"}},
    [["nested", "list"]],
    ["a", 1e16],
    Kind.STAFF,
    [Kind.STAFF],
    Level.HIGH,
    Name("subclass"),
    Volume(letter="C:", size=1.5),
    b"bytes",
]


def one_result_per_chunk(values: list[Any]) -> AuditResult:
    """A finding per value, the value observed and shown beside plain ones and in every text field it can be: each
    finding's objects are one chunk, encoded on their own."""
    findings = []
    for n, value in enumerate(values):
        text = value if type(value) is str else f"text {n}"
        observed = {"value": value, "enabled": True, "uac": 512}
        objects = [
            ObjectResult.made(text, "user", Status.FAIL, observed, text, text, {"display_name": text}, text),
            odd(Status.PASS, {"enabled": True, "groups": ["a", 1, None, False]}, {"display_name": "Plain"}),
        ]
        findings.append(finding_of(f"test-{n}", objects))
    return result_of(findings)


def finding_of(rule_id: str, objects: list[ObjectResult]) -> Finding:
    return Finding(
        rule_id=rule_id,
        title="Awkward values",
        status=Status.FAIL,
        severity=Severity.HIGH,
        clause=Clause(section="10", heading="Passwords", text="Use strong passwords."),
        tags=[],
        message="they fail",
        remediation="Fix them.",
        objects=objects,
    )


def result_of(findings: list[Finding]) -> AuditResult:
    collected = dt.datetime(2024, 7, 15, 9, tzinfo=dt.UTC)
    sources = [FactSetSource(name="directory.users", source="ldaps://dc", collected_at=collected)]
    return AuditResult(
        as_of=collected, timezone="Europe/London", profile="holywell", sources=sources, findings=findings
    )


def test_awkward_text_and_numbers_are_written_as_the_c_encoder_writes_them() -> None:
    texts = [*AWKWARD_TEXTS, *LONE_SURROGATES, REPLACEMENT]
    result = one_result_per_chunk([*texts, *WHOLE_NUMBERS, True, False, None, [], {}])

    rendered = JsonReporter().render(result, RenderOptions())

    assert rendered == encoded_at_once(result)
    assert rendered.isascii()
    for escape in ("\\u007f", "\\u202e", "\\ud83d\\ude00", "\\ud800", str(2**64), str(10**30)):
        assert escape in rendered


def test_values_written_only_by_the_c_encoder_path_come_out_as_pydantic_dumps_them() -> None:
    result = one_result_per_chunk(OTHER_VALUES)

    rendered = JsonReporter().render(result, RenderOptions())

    assert rendered == encoded_at_once(result)
    values = [finding["objects"][0]["observed"]["value"] for finding in json.loads(rendered)["findings"]]
    assert values[:6] == [0.5, 1e16, 1e-07, -0.0, None, None]
    assert '"value":1e+16' in rendered  # Python's own form (pydantic-core writes 1e16)


def encoded_by_the_c_encoder(result: AuditResult) -> str:
    """The report as it was written before the Rust path: the C encoder over the whole document."""
    document = json_reporter.report_document(result)
    return json.dumps(document, separators=(",", ":"), ensure_ascii=True, default=json_reporter._plain) + "\n"


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydantic's dump (the C encoder's path) warns of keys not text
def test_keys_and_fields_not_of_their_declared_types_are_written_as_the_c_encoder_writes_them() -> None:
    # Against the C encoder alone, not pydantic's dump: that writes a lone surrogate in a key as U+FFFD, where the
    # report has always kept it, escaped.
    keys: list[Any] = [1, 2**64, True, None, 1.5, 1e16, Kind.STAFF, Level.HIGH, Name("subclass")]
    keys += [*LONE_SURROGATES, REPLACEMENT]
    objects = [odd(Status.FAIL, {key: "v", "plain": 1}, {key: "c"}) for key in keys]
    objects.append(ObjectResult.made(7, "user", Status.FAIL, {}, "x", 0.5, {}, Name("m")))  # type: ignore[arg-type]
    objects.append(ObjectResult.made("s", "user", "FAIL", {}, "x", None, {}))  # type: ignore[arg-type]
    result = result_of([finding_of(f"test-{n}", [o]) for n, o in enumerate(objects)])

    rendered = JsonReporter().render(result, RenderOptions())

    assert rendered == encoded_by_the_c_encoder(result)
    assert '{"lone \\ud800":"v","plain":1}' in rendered


def test_plain_results_are_written_by_the_rust_serializer_and_others_by_the_c_encoder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The speed of the report (docs/performance.md) rests on most chunks of results taking the Rust path.
    encoded_by_c: list[str] = []

    def c_encoder(value: object) -> str:
        text = original(value)
        if isinstance(value, list) and value and type(value[0]) is ObjectResult:
            encoded_by_c.append(value[0].id)
        return text

    original = json_reporter._encoded
    monkeypatch.setattr(json_reporter, "_encoded", c_encoder)
    plain = one_result_per_chunk([*AWKWARD_TEXTS, *WHOLE_NUMBERS, True, None, []])
    other = one_result_per_chunk([*LONE_SURROGATES, REPLACEMENT, 0.5, dt.date(2026, 3, 29), Kind.STAFF])

    JsonReporter().render(plain, RenderOptions())
    assert encoded_by_c == []
    JsonReporter().render(other, RenderOptions())
    assert encoded_by_c == [*LONE_SURROGATES, REPLACEMENT, "text 4", "text 5", "text 6"]


def test_a_large_report_mixing_both_paths_is_the_whole_result_encoded_at_once() -> None:
    # 5,500 results of one rule in six chunks: the first two hold text beyond ASCII (so the rest of the finding is
    # written with escapes asked for), the later ones plain text and DEL; the fourth holds a float, so only it takes
    # the C encoder's path.
    many = [
        odd(Status.FAIL if n % 3 else Status.PASS, {"n": n, "name": name, "groups": ["g", n]}, {})
        for n, name in enumerate([*(AWKWARD_TEXTS[n % 9] for n in range(2000)), *(["plain", "del\x7f"] * 1750)])
    ]
    many[3456] = odd(Status.FAIL, {"ratio": 0.1}, {"display_name": "Float"})
    result = result_of([finding_of("test-large", many), finding_of("test-empty", [])])

    pieces = list(JsonReporter().chunks(result, RenderOptions()))

    assert "".join(pieces) == encoded_at_once(result)
    assert max(map(len, pieces)) < len("".join(pieces)) / 4


def test_the_demo_report_on_stdout_is_the_demo_result_encoded_at_once(run_cli) -> None:
    captured: list[AuditResult] = []
    audit(AuditRequest(snapshot=demo_path(), notify=False), deliver=lambda outcome: captured.append(outcome.result))

    printed = run_cli("scan", "--demo", "--format", "json", "--no-history")

    assert printed.code == 1
    assert printed.out == encoded_at_once(captured[0])
    assert len(captured[0].findings) > 20


class RandomResults:
    """Object results of random values drawn from everything above, mostly plain (as a scan's are), seeded."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def text(self) -> str:
        pieces = [*AWKWARD_TEXTS, "plain", "plain text", "", *LONE_SURROGATES[:1], REPLACEMENT]
        weights = [1] * len(AWKWARD_TEXTS) + [20, 20, 5, 0.05, 0.05]
        return "".join(self.rng.choices(pieces, weights, k=self.rng.randint(0, 3)))

    def value(self) -> Any:
        kind = self.rng.choices(["text", "number", "truth", "none", "list", "other"], [30, 20, 10, 5, 10, 2])[0]
        if kind == "list":
            return [self.value() for _ in range(self.rng.randint(0, 3))]
        if kind == "other":
            return self.rng.choice(OTHER_VALUES)
        atoms = {"text": self.text, "number": lambda: self.rng.choice(WHOLE_NUMBERS), "none": lambda: None}
        return atoms.get(kind, lambda: self.rng.random() < 0.5)()

    def key(self) -> Any:
        return self.rng.choice([None, 1, True, 1.5]) if self.rng.random() < 0.02 else self.text()

    def values(self, most: int) -> dict[Any, Any]:
        return {self.key(): self.value() for _ in range(self.rng.randint(0, most))}

    def result(self) -> ObjectResult:
        status = self.rng.choice(list(Status))
        reason, message = (self.rng.choice([None, self.text()]) for _ in range(2))
        observed, context = self.values(4), self.values(2)
        return ObjectResult.made(self.text(), "user", status, observed, self.text(), reason, context, message)


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydantic's dump (the C encoder's path) warns of keys not text
def test_random_results_come_out_as_the_c_encoder_writes_them() -> None:
    random_results = RandomResults(seed=19)
    findings = [finding_of(f"test-{n}", [random_results.result() for _ in range(3)]) for n in range(400)]
    result = result_of(findings)

    assert JsonReporter().render(result, RenderOptions()) == encoded_by_the_c_encoder(result)
