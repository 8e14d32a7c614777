"""Factories for test inputs: rule files, profiles and snapshots written the way users write them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from holyaudit.collectors.snapshot import dump_snapshot
from holyaudit.facts import FACT_SETS, FactSet

COLLECTED_AT = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)


def rule_doc(rule_id: str = "test-min-length", **overrides: Any) -> dict[str, Any]:
    """A valid rule as a mapping; override any top-level key."""
    doc: dict[str, Any] = {
        "id": rule_id,
        "title": "Minimum password length is long enough",
        "severity": "high",
        "tags": ["test"],
        "clause": {
            "section": "10",
            "heading": "Passwords",
            "text": "Passwords must contain a minimum of six characters and be difficult to guess",
        },
        "facts": "directory.domain",
        "parameters": {"min_length": {"type": "integer", "default": 6, "description": "Fewest characters."}},
        "condition": {"attr": "min_pwd_length", "op": "ge", "value": {"param": "min_length"}},
        "rationale": "Short passwords are guessed.",
        "remediation": "Set-ADDefaultDomainPasswordPolicy -MinPasswordLength 6",
    }
    doc.update(overrides)
    return doc


def write_yaml(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def write_rule(folder: Path, rule_id: str = "test-min-length", **overrides: Any) -> Path:
    return write_yaml(folder / f"{rule_id}.yaml", rule_doc(rule_id, **overrides))


def write_profile(path: Path, rules: dict[str, Any] | None = None, **overrides: Any) -> Path:
    doc: dict[str, Any] = {"name": "test", "title": "Test profile", "rules": rules or {}}
    doc.update(overrides)
    return write_yaml(path, doc)


def write_snapshot(path: Path, records: dict[str, list[dict[str, Any]]], errors: dict[str, str] | None = None) -> Path:
    """A snapshot with the given records per fact set (validated by the real fact models)."""
    fact_sets = []
    for name, items in records.items():
        model = FACT_SETS[name]
        fact_sets.append(
            FactSet(
                name=name,
                source="test factory",
                collected_at=COLLECTED_AT,
                error=(errors or {}).get(name),
                records=tuple(model.model_validate(item) for item in items),
            )
        )
    path.write_text(
        dump_snapshot(fact_sets, site="Test School", timezone="Europe/London", collected_at=COLLECTED_AT),
        encoding="utf-8",
    )
    return path
