"""The JSON report: a documented, versioned contract for scripts (docs/json-output.md)."""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Collection, Iterator
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import PydanticSerializationError, SchemaSerializer, core_schema

from holyaudit import __version__
from holyaudit.models import SCHEMA_VERSION, AuditResult, Finding, ObjectResult, Status
from holyaudit.reporters.interface import RenderOptions, Reporter
from holyaudit.reporters.overview import overview


def report_document(result: AuditResult) -> dict[str, Any]:
    """The report as data for the encoder; each object result is still a model, made plain by ``_plain``."""
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
        "findings": [_finding(f) for f in result.findings],
    }
    if result.waivers is not None:  # present only when a waivers file was used
        document["waivers"] = [notice.model_dump(mode="json") for notice in result.waivers]
    return document


def overview_document(result: AuditResult) -> dict[str, Any]:
    """The report's ``overview``: the counts that matter and the failing rules in the order to fix them."""
    view = overview(result)
    return {
        "objects_failing": {severity.value: count for severity, count in view.failing.items()},
        "objects_not_checked": view.objects_not_checked,
        "objects_not_checked_by_kind": dict(sorted(view.not_checked.items())),
        "rules_not_checked": view.rules_not_checked,
        "rules_passing": view.rules[Status.PASS],
        "objects": {status.value: view.objects[status] for status in Status},
        "fix_first": [
            {"rule_id": i.rule_id, "severity": i.severity.value, "objects": i.objects, "sentence": i.sentence}
            for i in view.fix_first
        ],
    }


def _finding(finding: Finding) -> dict[str, Any]:
    # The encoder asks _plain for each object result as it reaches it and drops that data once written, so a
    # 10,000-user report never holds plain copies of all its results at once: building them all first cost as
    # much again in garbage collection as the encoding itself.
    return {**finding.model_dump(mode="json", exclude={"objects"}), "objects": finding.objects}


def _plain(value: object) -> Any:
    if type(value) is ObjectResult:
        observed, context = value.observed, value.context
        if _as_is(observed.values()) and _as_is(context.values()):
            # What pydantic's JSON mode gives for values JSON writes as they are (most results: text, numbers,
            # truth values and lists of them): the result's own fields in the report's order, its status a StrEnum
            # that JSON writes as its text. Written out, not ``as_dict``: this runs for every object of a report.
            return {
                "id": value.id, "kind": value.kind, "status": value.status, "observed": observed,
                "expected": value.expected, "reason": value.reason, "context": context, "message": value.message,
            }  # fmt: skip
        return _object_result().dump_python(value, mode="json")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


@functools.cache
def _object_result() -> TypeAdapter[ObjectResult]:
    return TypeAdapter(ObjectResult)


_AS_IS = frozenset({str, int, bool, type(None)})
"""Types that JSON and pydantic's JSON mode write alike (floats are not among them: NaN)."""


def _as_is(items: Collection[Any]) -> bool:
    if _AS_IS.issuperset(map(type, items)):  # the common case, decided in C: no lists, no floats
        return True
    as_is = _AS_IS
    for item in items:
        kind = type(item)
        if kind not in as_is and not (kind is list and all(type(i) in as_is for i in item)):
            return False
    return True


class JsonReporter(Reporter):
    def render(self, result: AuditResult, options: RenderOptions) -> str:
        return "".join(self.chunks(result, options))

    def chunks(self, result: AuditResult, options: RenderOptions) -> Iterator[str]:
        """The report encoded a finding at a time: the same text as the whole document encoded at once, but a
        50,000-user report's text (tens of MB, and as much again while the encoder joins it) is never held whole."""
        document = report_document(result)
        findings = document.pop("findings")
        waivers = document.pop("waivers", None)
        head = _encoded(document)
        yield head[:-1] + ',"findings":['  # the head's own closing brace comes off: findings and waivers follow
        for index, finding in enumerate(findings):
            if index:
                yield ","
            yield from _finding_chunks(finding)
        yield "]"
        if waivers is not None:
            yield ',"waivers":'
            yield _encoded(waivers)
        yield "}\n"


_OBJECTS_PER_CHUNK = 1000


def _finding_chunks(finding: dict[str, Any]) -> Iterator[str]:
    """One finding's text, its objects (the last of its keys) a thousand at a time: a rule over 50,000 users would
    otherwise hold its whole finding's text, and the encoder's pieces of it, at once."""
    objects = finding.pop("objects")
    yield _encoded(finding)[:-1] + ',"objects":['  # its closing brace comes off: the objects follow
    encode_objects = _ObjectsEncoder()
    for start in range(0, len(objects), _OBJECTS_PER_CHUNK):
        if start:
            yield ","
        yield encode_objects(objects[start : start + _OBJECTS_PER_CHUNK])[1:-1]
    yield "]}"


class _ObjectsEncoder:
    """``_encoded`` for a chunk of object results, written by pydantic-core's Rust serializer where that gives the
    same text, in about half the time: the C encoder asks ``_plain`` for a dict per object and makes a string
    object per value. Rust escapes control characters as the C encoder does, and everything beyond ASCII when asked
    (``ensure_ascii``), which costs it half as much again; so it is asked only once a chunk of the finding has shown
    such text, as then most of the rule's chunks will (its expected text, a school's accented names)."""

    def __init__(self) -> None:
        self._escape = False

    def __call__(self, objects: list[ObjectResult]) -> str:
        if _values_written_alike(objects):
            try:
                encoded = self._serialized(objects)
            except PydanticSerializationError:
                pass  # text with a lone surrogate, which UTF-8 cannot hold: the C encoder writes it as an escape
            else:
                if encoded is not None:
                    # Not DEL either, which is ASCII but not printable: a raw DEL can only be inside a string.
                    return encoded.replace(b"\x7f", b"\\u007f").decode("ascii")
        return _encoded(objects)

    def _serialized(self, objects: list[ObjectResult]) -> bytes | None:
        """Rust's text for the chunk, all ASCII, or None where it would not be the C encoder's. warnings="error": a
        value the schema does not expect (a key that is not text, an id that is not) is an error, not a guess."""
        serializer = _object_results()
        if not self._escape:
            encoded = serializer.to_json(objects, warnings="error")
            if encoded.isascii():
                return encoded  # so without a U+FFFD either (below)
            self._escape = True
        encoded = serializer.to_json(objects, warnings="error", ensure_ascii=True)
        # A lone surrogate in a key is not an error but a U+FFFD in its place (the C encoder writes its escape), so
        # a chunk showing U+FFFD is the C encoder's, whether the data or Rust put it there.
        return None if b"\\ufffd" in encoded else encoded


_OBSERVED, _CONTEXT = attrgetter("observed"), attrgetter("context")
_AS_IS_OR_LIST = _AS_IS | {list}
_is_list = functools.partial(type.__instancecheck__, list)


def _values_written_alike(objects: list[ObjectResult]) -> bool:
    """Whether every observed and context value is one that pydantic-core's inference and the C encoder write
    alike: text, whole numbers, truth values, None, and lists of them, as ``_as_is`` has it (not floats: each
    writes its own shortest form). Decided a chunk at a time in C (``map``, ``set``): a call per object costs
    more than the encoding saves."""
    if set(map(type, objects)) != {ObjectResult}:
        return False
    dicts = [*map(_OBSERVED, objects), *map(_CONTEXT, objects)]
    # Keys: the serializer's schema refuses any that is not text (an error under warnings="error") but None, which
    # it writes as "None" where the C encoder writes "null".
    if set(map(type, dicts)) != {dict} or any(map(dict.__contains__, dicts, repeat(None))):
        return False
    values = list(chain.from_iterable(map(dict.values, dicts)))
    kinds = set(map(type, values))
    if not _AS_IS_OR_LIST.issuperset(kinds):
        return False
    return list not in kinds or _AS_IS.issuperset(map(type, chain.from_iterable(filter(_is_list, values))))


@functools.cache
def _object_results() -> SchemaSerializer:
    """A serializer for a list of object results: their fields in the report's order, each declared text (the
    status a StrEnum, written as its text, as the C encoder writes it) or a dict of text keys to values it
    infers the JSON of."""
    text, optional_text = core_schema.str_schema(), core_schema.nullable_schema(core_schema.str_schema())
    values = core_schema.dict_schema(core_schema.str_schema(), core_schema.any_schema())
    schemas: dict[str, core_schema.CoreSchema] = {"id": text, "kind": text, "status": text, "observed": values}
    schemas["expected"] = text
    schemas |= {"reason": optional_text, "context": values, "message": optional_text}
    names = [f.name for f in dataclasses.fields(ObjectResult)]  # a field left out here is a KeyError, not a gap
    fields = [core_schema.dataclass_field(name, schemas[name]) for name in names]
    result = core_schema.dataclass_schema(
        ObjectResult, core_schema.dataclass_args_schema("ObjectResult", fields), names, slots=True
    )
    return SchemaSerializer(core_schema.list_schema(result))


def _encoded(value: object) -> str:
    # ensure_ascii keeps control and formatting characters from the data as \u escapes in the file. Compact:
    # indentation forces Python's pure-Python encoder, several times slower on a school's report; use jq to read.
    # check_circular=False: the document is a tree made here, so the encoder need not track what it entered.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True, check_circular=False, default=_plain)
