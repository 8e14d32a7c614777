"""The real Samba AD DC the directory tests run against: provisioned, started and seeded once per test run.

A machine without Samba fails these tests rather than skipping them: a green run must mean the directory code
was tested. ``scripts/bootstrap`` (as root) installs what they need.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from estate import LONDON
from samba_dc import SYSTEM_PYTHON, SambaDC, samba_program
from seed import seed


def _missing_samba() -> list[str]:
    missing = [name for name in ("samba-tool", "samba") if samba_program(name) is None]
    bindings = (
        Path(SYSTEM_PYTHON).exists()
        and subprocess.run([SYSTEM_PYTHON, "-c", "import samba"], capture_output=True).returncode == 0
    )
    return missing if bindings else [*missing, f"python3-samba (import samba in {SYSTEM_PYTHON})"]


@contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    timings[step] = time.monotonic() - started


@pytest.fixture(scope="session")
def seeded_at() -> dt.datetime:
    """When the estate is seeded; never in the last two minutes before local midnight, so that leaving dates
    (counted from this day) and the disabling Samba records while seeding fall on the same local day."""
    now = dt.datetime.now(dt.UTC)
    local = now.astimezone(LONDON)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), LONDON)
    if midnight - local < dt.timedelta(minutes=2):
        time.sleep((midnight - local).total_seconds() + 1)
        now = dt.datetime.now(dt.UTC)
    return now


@pytest.fixture(scope="session")
def samba_dc(tmp_path_factory: pytest.TempPathFactory, seeded_at: dt.datetime) -> Iterator[SambaDC]:
    """A seeded Samba DC on 127.0.0.1 (LDAPS on 636), stopped when the test run ends, also on failure."""
    if missing := _missing_samba():
        pytest.fail(
            f"the directory tests need a Samba AD DC, but {', '.join(missing)} is missing: "
            "run scripts/bootstrap as root to install it",
            pytrace=False,
        )
    dc = SambaDC(tmp_path_factory.mktemp("samba-dc"))
    timings: dict[str, float] = {}
    try:
        with _timed(timings, "provision"):
            dc.provision()
        with _timed(timings, "start"):
            dc.start()
        with _timed(timings, "seed"):
            seed(dc, seeded_at)
        print("\nSamba DC ready:", ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items()))
        yield dc
    finally:
        dc.stop()
