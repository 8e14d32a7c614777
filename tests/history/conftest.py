"""Fixtures: a small school and its estate before and after a change, for the history tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from history_school import School, make_school


@pytest.fixture
def school(tmp_path: Path) -> School:
    return make_school(tmp_path)


@pytest.fixture
def before(school: School) -> Path:
    """bob and carol fail; HW-LT-04 is reached and compliant."""
    return school.snapshot("before", {"alice": 512, "bob": 544, "carol": 544}, {"HW-LT-04": None, "HW-LT-05": None})


@pytest.fixture
def after(school: School) -> Path:
    """bob fixed, dave a new failure, carol still failing; HW-LT-04 unreachable."""
    return school.snapshot(
        "after",
        {"alice": 512, "bob": 512, "carol": 544, "dave": 544},
        {"HW-LT-04": "unreachable: name hw-lt-04.test not found in DNS", "HW-LT-05": None},
    )
