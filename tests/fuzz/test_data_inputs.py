"""Fuzzing the data files through their real loaders: snapshots (JSON) and the MIS leavers export (CSV).

A snapshot, valid or mutated (by key, value, type, nesting, Unicode, repeated keys, NaN and Infinity), must
either load or be refused with InvalidInputError naming the file and line. An export must either be read or be
refused the same way; what is read must merge into users and be saved and loaded again as a snapshot, as a
collection would."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from documents import Raw, damaged, mis_export, mutated, refusal
from hypothesis import given
from hypothesis import strategies as st

from holyaudit.collectors.mis import LeaverMerge, MisExport, read_export
from holyaudit.collectors.mis_source import MisSettings
from holyaudit.collectors.snapshot import demo_path, dump_snapshot, load_snapshot
from holyaudit.errors import InvalidInputError
from holyaudit.facts import FactSet, User


def _small_demo() -> dict[str, Any]:
    """The demo estate with three records per fact set: every record type, quick to write."""
    doc = json.loads(demo_path().read_text(encoding="utf-8"))
    for fact_set in doc["fact_sets"].values():
        fact_set["records"] = fact_set["records"][:3]
    return doc


SNAPSHOT = _small_demo()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def refused_in_place(exc: InvalidInputError, path: Path) -> None:
    assert exc.problems
    for problem in exc.problems:
        assert problem.path == path, problem
        assert problem.message, problem


def _json_ready(value: Any, raw: list[str]) -> Any:
    """The document with keys JSON can write (a date key as its text) and each Raw as a placeholder for its
    text (``raw``), put in after writing."""
    if isinstance(value, dict):
        return {
            k if isinstance(k, str | int | float | bool) or k is None else str(k): _json_ready(v, raw)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_json_ready(v, raw) for v in value]
    if isinstance(value, Raw):
        raw.append(value.text)
        return f"<raw {len(raw) - 1}>"
    return value


@st.composite
def snapshot_text(draw: st.DrawFn) -> str:
    raw: list[str] = []
    doc = _json_ready(draw(mutated(SNAPSHOT)), raw)
    indent = draw(st.sampled_from([None, 1, "\t"]))
    text = json.dumps(doc, indent=indent, ensure_ascii=draw(st.booleans()), default=str)
    for index, written in enumerate(raw):
        text = text.replace(f'"<raw {index}>"', written)
    if draw(st.integers(0, 99)) < 10:  # a key written twice in one object, which json.dumps cannot make
        text = text.replace('"id": ', '"id": "twice", "id": ', 1)
    return draw(damaged(text))


@given(text=snapshot_text())
def test_snapshots(folder: Path, text: str) -> None:
    path = folder / "snapshot.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    refused = refusal(load_snapshot, path)
    if refused is not None:
        refused_in_place(refused, path)
        if _is_json(text):  # a problem in valid JSON has its line; in broken JSON, where the reader stopped
            assert all(problem.line is not None for problem in refused.problems), refused.problems


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


DATE_FORMATS = st.sampled_from([["%d/%m/%Y"], ["%d/%m/%Y", "%Y-%m-%d"], ["%m/%d/%Y"], ["%Y-%m-%d %H:%M"]])


@given(content=mis_export(), formats=DATE_FORMATS)
def test_mis_exports(folder: Path, content: bytes, formats: list[str]) -> None:
    path = folder / "leavers.csv"
    path.write_bytes(content)
    exports: list[MisExport] = []
    refused = refusal(lambda p: exports.append(read_export(MisSettings(leavers_csv=p, date_formats=formats))), path)
    if refused is not None:
        refused_in_place(refused, path)
        return
    (export,) = exports
    merge = LeaverMerge(export.leavers, "sAMAccountName")
    users = merge.users([User(id="ahmed.n", enabled=True)]) + merge.absent()
    assert len({user.id.casefold() for user in users}) == len(users)
    saved = folder / "collected.json"
    collected_at = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    fact_set = FactSet(name="directory.users", source="fuzz", collected_at=collected_at, records=tuple(users))
    saved.write_text(dump_snapshot([fact_set], site="fuzz", timezone="Europe/London", collected_at=collected_at))
    assert load_snapshot(saved).fact_sets["directory.users"].records == tuple(users)
    assert export.summary()
