"""A pattern's search asks RE2's compiled program directly: it finds exactly what google-re2's own search finds."""

from __future__ import annotations

import pytest

from holyaudit.patterns import compile_pattern

PATTERNS = [
    "^dns-",
    "(?i)code word",
    "^(Administrator|Guest|krbtgt)$",
    "é+$",
    "",
    "^$",
    "(a+)+$",
    r"\d{3}",
    r"^\w+$",
    "b$",
]
TEXTS = [
    "",
    "dns-01",
    "xdns-",
    "the Code Word is",
    "Administrator",
    "krbtgt2",
    "café",
    "123",
    "١٢٣",
    "a\nb",
    "ab\n",
    "a" * 40,
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_search_finds_what_re2s_own_search_finds(pattern: str) -> None:
    compiled = compile_pattern(pattern)
    found = {text: compiled.search(text) for text in TEXTS}
    assert found == {text: compiled._regexp.search(text) is not None for text in TEXTS}


def test_what_a_search_finds() -> None:
    assert [compile_pattern("^dns-").search(t) for t in ("dns-01", "xdns-", "DNS-01")] == [True, False, False]
    assert [compile_pattern("é+$").search(t) for t in ("café", "cafés", "é")] == [True, False, True]
    assert [compile_pattern("b$").search(t) for t in ("ab", "ab\n")] == [True, False]  # RE2's $: the very end


def test_text_that_is_not_unicode_is_a_value_error() -> None:
    """As with re2's own search: an operator's ValueError makes its leaf unknown, never a pass."""
    with pytest.raises(ValueError, match="surrogates not allowed"):
        compile_pattern("x").search("\udcff")
