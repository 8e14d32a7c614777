"""Fuzzing every YAML input through its real loader: rules, profiles, the site config, waivers and the endpoint
inventory. Each generated file, valid or mutated (by key, value, type, nesting, Unicode, and YAML's anchors,
aliases, tags and merge keys), must either load or be refused with holyaudit's own InvalidInputError, whose
every problem names the file (and, where the file has one, the line). Anything else is a defect."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from documents import mutated, refusal, yaml_text
from hypothesis import given
from hypothesis import strategies as st

from holyaudit.collectors.winrm.targets import read_inventory
from holyaudit.config import load_settings, template
from holyaudit.engine.loader import builtin_profiles_dir, builtin_rules_dir, load_catalogue, load_profile, load_rule
from holyaudit.engine.waivers import load_waivers
from holyaudit.errors import InvalidInputError
from holyaudit.yamlfile import PosDict, PosList, _Loader, parse_yaml

RULES = [yaml.safe_load(path.read_text()) for path in sorted(builtin_rules_dir().rglob("*.yaml"))]
PROFILE = yaml.safe_load((builtin_profiles_dir() / "holywell.yaml").read_text())
CONFIG = yaml.safe_load(re.sub(r"^# (?=\S+:|  )", "", template(), flags=re.MULTILINE))
# The template leaves these commented out (a site declares its own), so the fuzzed config adds them.
CONFIG["endpoints"]["backup_evidence"] = [
    {"name": "Veeam Agent", "task": "\\Veeam\\Nightly backup", "hosts": ["^HW-SRV-0[12]$"]},
    {"file": "D:\\Backup\\last-success.txt", "categories": ["server"]},
]
WAIVERS = [
    {
        "rule": "password-minimum-length",
        "objects": ["holywell.demo"],
        "justification": "Longer passwords arrive with the new MIS in January.",
        "approved_by": "Chair of Governors",
        "expires": "2027-01-31",
        "created": "2026-11-01",
        "reference": "FGB minutes 2026-10",
    },
    {"rule": "dormant-accounts", "justification": "Term break", "approved_by": "Head", "expires": "2026-12-31"},
]
INVENTORY = {
    "hosts": [
        {"name": "HW-LAP-017", "address": "10.20.4.17", "port": 5986, "categories": ["laptop"]},
        {"name": "hw-desk-001.holywell.local"},
        {"name": "HW-SRV", "address": "fe80::1"},
    ]
}
CATALOGUE = load_catalogue()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder for the generated files (one module-wide: hypothesis runs many examples per test), with the
    waivers file the config names, and no HOLYAUDIT_* variable to override what the files say."""
    path = tmp_path_factory.mktemp("fuzz")
    (path / "waivers.yaml").write_text("[]\n")
    saved = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith("HOLYAUDIT_")}
    yield path
    os.environ.update(saved)


def loads_or_refuses(load: Callable[[Path], Any], path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    refused = refusal(load, path)
    if refused is not None:
        assert refused.problems
        for problem in refused.problems:
            assert problem.path is not None, problem
            assert problem.message, problem
            if problem.path == path:
                assert problem.line is not None, problem


@given(data=st.data())
def test_rule_files(folder: Path, data: st.DataObject) -> None:
    doc = data.draw(mutated(data.draw(st.sampled_from(RULES))))
    loads_or_refuses(load_rule, folder / "rule.yaml", data.draw(yaml_text(doc)))


@given(data=st.data())
def test_profiles(folder: Path, data: st.DataObject) -> None:
    doc = data.draw(mutated(PROFILE))
    loads_or_refuses(lambda path: load_profile(path, CATALOGUE), folder / "profile.yaml", data.draw(yaml_text(doc)))


@given(data=st.data())
def test_site_configs(folder: Path, data: st.DataObject) -> None:
    doc = data.draw(mutated(CONFIG))
    loads_or_refuses(load_settings, folder / "holyaudit.yaml", data.draw(yaml_text(doc)))


@given(data=st.data())
def test_waivers(folder: Path, data: st.DataObject) -> None:
    doc = data.draw(mutated(WAIVERS))
    loads_or_refuses(
        lambda path: load_waivers(path, CATALOGUE.rules), folder / "waivers-under-test.yaml", data.draw(yaml_text(doc))
    )


@given(data=st.data())
def test_inventories(folder: Path, data: st.DataObject) -> None:
    doc = data.draw(mutated(INVENTORY))
    loads_or_refuses(read_inventory, folder / "inventory.yaml", data.draw(yaml_text(doc)))


def _with_positions(value: Any) -> Any:
    """The value with its positions, but for an empty value's: libyaml places ``{a: , b: 1}``'s empty value at
    the comma, the pure-Python reader just after the colon (one column apart; found by the thorough run)."""
    if isinstance(value, PosDict):
        return (
            "map",
            value.pos,
            [(k, value.key_pos[k], v is None or value.value_pos[k], _with_positions(v)) for k, v in value.items()],
        )
    if isinstance(value, PosList):
        return ("list", value.pos, value.item_pos, [_with_positions(v) for v in value])
    return value


@given(data=st.data())
def test_the_fast_reader_gives_what_the_reporting_reader_gives(data: st.DataObject) -> None:
    """parse_yaml reads with libyaml where it can; whatever it gives (values and positions) or refuses, the
    pure-Python reader, which words and places the problems, gives or refuses too."""
    text = data.draw(yaml_text(data.draw(mutated(data.draw(st.sampled_from([*RULES, PROFILE, CONFIG]))))))
    path = Path("x.yaml")
    try:
        expected = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        with pytest.raises(InvalidInputError):
            parse_yaml(text, path)
        return
    assert _with_positions(parse_yaml(text, path)) == _with_positions(expected)
