"""How the user search is cut into parts: every account name falls in exactly one part."""

from __future__ import annotations

import re

import pytest

from holyaudit.collectors.ldap.partitions import partition_filters

BASE = "(&(objectCategory=person)(objectClass=user))"


def _matches(part: str, name: str | None) -> bool:
    """Evaluate one part as a directory would, for the only shapes partition_filters writes."""
    inner = part[len(f"(&{BASE}") : -1]
    negated = inner.startswith("(!")
    endings = re.findall(r"\(sAMAccountName=\*(.)\)", inner)
    hit = name is not None and name[-1:].casefold() in endings
    return not hit if negated else hit


def test_one_part_is_the_search_itself():
    assert partition_filters(BASE, 1) == [BASE]


def test_two_parts_by_last_character():
    even, rest = partition_filters(BASE, 2)
    assert even == f"(&{BASE}(|" + "".join(f"(sAMAccountName=*{c})" for c in "02468acegikmoqsuwy") + "))"
    assert rest == f"(&{BASE}(!(|" + "".join(f"(sAMAccountName=*{c})" for c in "02468acegikmoqsuwy") + ")))"


@pytest.mark.parametrize("parts", [2, 3, 4, 8])
@pytest.mark.parametrize(
    "name", ["pupil.05575", "staff.01379", "smith.j", "SMITH.J", "19jsmith", "o'brien-", "zoë", "ward_", "", None]
)
def test_every_account_name_falls_in_exactly_one_part(parts, name):
    filters = partition_filters(BASE, parts)
    assert len(filters) == parts
    assert sum(_matches(f, name) for f in filters) == 1


@pytest.mark.parametrize(("parts", "largest"), [(2, 500), (3, 400), (4, 300)])
def test_numbered_names_spread_as_evenly_as_ten_digits_allow(parts, largest):
    counts = [0] * parts
    filters = partition_filters(BASE, parts)
    for number in range(1000):
        counts[[_matches(f, f"pupil.{number:05d}") for f in filters].index(True)] += 1
    assert max(counts) == largest


def test_parts_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        partition_filters(BASE, 0)
