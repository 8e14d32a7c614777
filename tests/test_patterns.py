"""Patterns of plain text are answered by comparing the text, exactly as RE2 answers them (``holyaudit.patterns``)."""

from __future__ import annotations

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from holyaudit.patterns import _plain_test, _required_start, compile_pattern

# Characters that mean nothing in a pattern, characters that do, and text beyond ASCII (which RE2 always answers).
PLAIN = "ab-_ Z0\n:/"
SPECIAL = ".^$|?*+()[]{}\\"
TEXT = PLAIN + SPECIAL + "éß\u212a"

words = st.text(alphabet=PLAIN, min_size=1, max_size=4)


@st.composite
def plain_patterns(draw: st.DrawFn) -> tuple[str, str]:
    """``^``, ``$``, a plain text or a group of them to choose from (``(...)`` or ``(?:...)``), in any mix; and a
    text, often one of those texts with something before and after it, or nothing."""
    chosen = draw(st.lists(words, min_size=1, max_size=3))
    body = chosen[0] if len(chosen) == 1 and draw(st.booleans()) else f"({draw(st.sampled_from(['', '?:']))}"
    if body.startswith("("):
        body += "|".join(chosen) + ")"
    pattern = draw(st.sampled_from(["", "^"])) + body + draw(st.sampled_from(["", "$"]))
    around = st.text(alphabet=TEXT, max_size=3)
    text = draw(st.one_of(around, st.tuples(around, st.sampled_from(chosen), around).map("".join)))
    return pattern, text


def re2_says(pattern: str, text: str) -> bool:
    return re2.compile(pattern).search(text) is not None


@settings(max_examples=600, deadline=None)
@given(plain_patterns())
def test_a_plain_pattern_gives_re2s_answer_for_any_text(example: tuple[str, str]) -> None:
    pattern, text = example
    assert _plain_test(pattern) is not None
    assert compile_pattern(pattern).search(text) is re2_says(pattern, text)


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=PLAIN + SPECIAL, min_size=1, max_size=8), st.text(alphabet=TEXT, max_size=8))
def test_any_pattern_gives_re2s_answer(pattern: str, text: str) -> None:
    try:
        compiled = compile_pattern(pattern)
    except ValueError:  # not a pattern at all, or not one RE2 matches in linear time
        return
    assert compiled.search(text) is re2_says(pattern, text)


@st.composite
def started_patterns(draw: st.DrawFn) -> tuple[str, str]:
    """``^``, plain text, then anything (a repeat of its last character, say); and a text, often that plain text
    or part of it, followed by something."""
    start = draw(words)
    repeat = draw(st.sampled_from(["", "*", "?", "+", "{0,2}"]))
    pattern = "^" + start + repeat + draw(st.text(alphabet=PLAIN + SPECIAL, max_size=5))
    text = draw(st.one_of(st.text(alphabet=TEXT, max_size=6), st.just(start[:-1]), st.just(start)))
    return pattern, text + draw(st.text(alphabet=TEXT, max_size=3))


@settings(max_examples=600, deadline=None)
@given(started_patterns())
def test_a_pattern_that_starts_with_plain_text_gives_re2s_answer(example: tuple[str, str]) -> None:
    pattern, text = example
    try:
        compiled = compile_pattern(pattern)
    except ValueError:
        return
    assert compiled.search(text) is re2_says(pattern, text)


@pytest.mark.parametrize(
    ("pattern", "required"),
    [("^krbtgt(_\\d+)?$", "krbtgt"), ("^ab*", "a"), ("^a+", None), ("^ab{2}", "a"), ("^ab|c", None), ("(?i)^ab", None)],
)
def test_the_text_a_match_must_start_with(pattern: str, required: str | None) -> None:
    assert _required_start(pattern) == required


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        ("^dns-", "dns-web", True),
        ("^dns-", "web-dns-", False),
        ("^(Administrator|Guest|krbtgt)$", "Guest", True),
        ("^(Administrator|Guest|krbtgt)$", "guest", False),  # RE2 is case-sensitive unless told (?i)
        ("^(Administrator|Guest|krbtgt)$", "Guest\n", False),  # $ is the very end, not before a last newline
        ("^(?:adm|admin)-", "admin-smith", True),
        ("svc$", "backup-svc", True),
        ("svc", "a-svc-b", True),
        ("^krbtgt(_\\d+)?$", "krbtgt_4711", True),
        ("^krbtgt(_\\d+)?$", "pupil.00001", False),
        ("^krbtgt(_\\d+)?$", "krbtgt_x", False),
    ],
)
def test_the_rules_default_kinds_of_plain_pattern(pattern: str, text: str, found: bool) -> None:
    assert compile_pattern(pattern).search(text) is found is re2_says(pattern, text)


@pytest.mark.parametrize(
    "pattern", ["(?i)^adm", "^dns-.*", r"^a\.b", "^(a|)$", "[ab]", "^é", "(?i)(password|pwd)", "^(a)(b)$"]
)
def test_a_pattern_that_is_not_plain_text_is_left_to_re2(pattern: str) -> None:
    assert _plain_test(pattern) is None
