"""Rule, profile and config files are read by libyaml's parser, with the pure-Python parser's positions and
values; a file that cannot be read is reported as the pure-Python parser words and places it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from holyaudit import yamlfile
from holyaudit.errors import InvalidInputError
from holyaudit.yamlfile import PosDict, PosList, parse_yaml

REPO = Path(__file__).resolve().parents[2]
YAML_FILES = sorted(
    path
    for folder in ("rules", "profiles", "src/holyaudit/templates", "tests", "docs", "benchmarks")
    for path in (REPO / folder).rglob("*.y*ml")
)


def with_positions(value: Any) -> Any:
    """The value with every mapping's and list's positions, to compare what two parsers made."""
    if isinstance(value, PosDict):
        return (
            "map",
            value.pos,
            [(k, value.key_pos[k], value.value_pos[k], with_positions(v)) for k, v in value.items()],
        )
    if isinstance(value, PosList):
        return ("list", value.pos, value.item_pos, [with_positions(v) for v in value])
    return (type(value).__name__, value)


def test_libyaml_is_there_to_use() -> None:
    assert yaml.__with_libyaml__
    assert issubclass(yamlfile._FastLoader, yaml.CSafeLoader)


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_both_parsers_give_the_same_values_and_positions(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast = yaml.load(text, Loader=yamlfile._FastLoader)
    slow = yaml.load(text, Loader=yamlfile._Loader)
    assert with_positions(fast) == with_positions(slow)


ODD = [
    "a: 1\nb: [1, 2\n",  # unclosed flow list
    "a: 1\na: 2\n",  # duplicate key (ours)
    "when: 2026-13-01\n",  # impossible date (ours)
    "a: 'unclosed\nb: 2\n",
    "a:\tb\n",
    "a: b\x07c\n",  # a control character
    "- a\nb: c\n",
    "key: [a, {b: c}]\n? complex\n",
]


@pytest.mark.parametrize("text", ODD)
def test_a_file_that_cannot_be_read_is_reported_as_the_pure_python_parser_reports_it(text: str) -> None:
    path = Path("broken.yaml")
    try:
        expected: Any = yaml.load(text, Loader=yamlfile._Loader)
    except yaml.YAMLError:
        expected = None
    if expected is not None:  # both parsers read it: the same value
        assert with_positions(parse_yaml(text, path)) == with_positions(expected)
        return
    with pytest.raises(InvalidInputError) as raised:
        parse_yaml(text, path)
    (problem,) = raised.value.problems
    assert str(problem).startswith("broken.yaml:")
    original = yamlfile._FastLoader
    try:
        yamlfile._FastLoader = yamlfile._Loader  # type: ignore[misc]  # the message without the fast path
        with pytest.raises(InvalidInputError) as slow:
            parse_yaml(text, path)
    finally:
        yamlfile._FastLoader = original  # type: ignore[misc]
    assert raised.value.problems == slow.value.problems
