"""Realistic Windows PowerShell 5.1 probe outputs, written from Microsoft's documentation, through the collector's
reader and the built-in rules: each case in ``windows_output/cases.yaml`` gives exactly its expected statuses."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from holyaudit.collectors.winrm.backup_evidence import BackupEvidence
from holyaudit.collectors.winrm.interpret import host_fields
from holyaudit.collectors.winrm.probes import PROBES
from holyaudit.collectors.winrm.session import parse_output
from holyaudit.engine.context import EvalContext
from holyaudit.engine.evaluate import evaluate_rule
from holyaudit.engine.loader import Profile, bind_rule, find_profile, load_catalogue, load_profile
from holyaudit.facts import FactSet, Host
from holyaudit.yamlfile import PosDict

FOLDER = Path(__file__).parent / "windows_output"
MANIFEST = yaml.safe_load((FOLDER / "cases.yaml").read_text(encoding="utf-8"))
AS_OF = dt.datetime.fromisoformat(MANIFEST["as_of"])
ZONE = ZoneInfo(MANIFEST["timezone"])


@cache
def _profile() -> Profile:
    return load_profile(find_profile("holywell"), load_catalogue())


def host_from_windows(name: str, case: dict[str, Any]) -> Host:
    """The host record the collector makes of the case's probe outputs, read as it reads them off the wire."""
    probes = {probe.name: probe for probe in PROBES}
    outputs = {
        probe: parse_output(probes[probe], (FOLDER / file).read_bytes(), b"", 0)
        for probe, file in case["outputs"].items()
    }
    declared = BackupEvidence.model_validate(case["declared"]) if "declared" in case else None
    fields, unreadable = host_fields(outputs, ZONE, declared)
    return Host.model_validate({"id": name, "connection": "reached", **fields, "unreadable": unreadable})


def test_every_fixture_file_is_used_by_a_case() -> None:
    used = {file for case in MANIFEST["cases"].values() for file in case["outputs"].values()}
    assert used == {path.name for path in FOLDER.glob("*.json")}


@pytest.mark.parametrize(("name", "case"), MANIFEST["cases"].items(), ids=list(MANIFEST["cases"]))
def test_windows_output_gives_the_expected_facts_and_statuses(name: str, case: dict[str, Any]) -> None:
    host = host_from_windows(name, case)
    for field, value in (case.get("facts") or {}).items():
        assert getattr(host, field) == value, (field, host.unreadable.get(field))
    if "users" in case:
        assert [user.id for user in host.screensaver_users or []] == case["users"]
    found = {}
    # A case may judge on a day of its own, and with the holywell profile's parameters overridden (ESU declared).
    as_of = dt.datetime.fromisoformat(case["as_of"]) if "as_of" in case else AS_OF
    for rule_id in case["expect"]:
        bound = _profile().rule(rule_id)
        assert bound is not None
        overrides = (case.get("parameters") or {}).get(rule_id, {})
        bound = bind_rule(bound.rule, {**bound.params, **overrides}, bound.severity, FOLDER / "cases.yaml", PosDict())
        facts = FactSet(name="endpoints.hosts", source=name, collected_at=as_of, records=(host,))
        finding = evaluate_rule(bound, facts, EvalContext(as_of=as_of, tz=ZONE))
        found[rule_id] = (
            (finding.objects[0].status.value, finding.objects[0].reason)
            if finding.objects
            else (
                finding.status.value,
                "",
            )
        )
    assert {rule: status for rule, (status, _) in found.items()} == case["expect"], found
