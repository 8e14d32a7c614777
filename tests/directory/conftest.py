"""The real Samba AD DC the directory tests run against: provisioned, started and seeded once per test run.

A machine without Samba (or, for the Kerberos tests, kinit and the gssapi package) fails these tests rather than
skipping them: a green run must mean the directory code was tested. ``scripts/bootstrap`` (as root) installs what
they need.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from estate import AUDIT_PASSWORD, AUDIT_USER, LONDON
from gpo_estate import SeededGpos, seed_gpos
from samba_dc import SYSTEM_PYTHON, KerberosFiles, SambaDC, samba_program
from seed import seed

from isolation import has_own_network, map_host_names


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
def samba_dc(seeded_at: dt.datetime) -> Iterator[SambaDC]:
    """A seeded Samba DC on 127.0.0.1 (LDAPS on 636), stopped and removed when the test run ends, also on failure.

    In the run's own network its name (dc1.holywell.test) resolves to its address, as DNS would give it.

        Its folder is not under pytest's basetemp: pytest deletes all but the newest three basetemps when a run
        starts, so another pytest run on the machine could delete a running DC's SYSVOL under it.
    """
    if missing := _missing_samba():
        pytest.fail(
            f"the directory tests need a Samba AD DC, but {', '.join(missing)} is missing: "
            "run scripts/bootstrap as root to install it",
            pytrace=False,
        )
    dc = SambaDC(Path(tempfile.mkdtemp(prefix="holyaudit-samba-dc-")))
    timings: dict[str, float] = {}
    if has_own_network():
        map_host_names({dc.host_name: dc.host})
    try:
        with _timed(timings, "provision"):
            dc.provision()
        with _timed(timings, "start"):
            dc.start()
        with _timed(timings, "seed"):
            seed(dc, seeded_at)
        with _timed(timings, "seed GPOs"):
            _SEEDED_GPOS[dc.workdir] = seed_gpos(dc)
        print("\nSamba DC ready:", ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items()))
        yield dc
    finally:
        dc.stop()
        shutil.rmtree(dc.workdir, ignore_errors=True)


_SEEDED_GPOS: dict[Path, SeededGpos] = {}


@pytest.fixture(scope="session")
def seeded_gpos(samba_dc: SambaDC) -> SeededGpos:
    """The GPOs seeded into the DC (gpo_estate.py): their GUIDs by display name."""
    return _SEEDED_GPOS[samba_dc.workdir]


def _missing_kerberos() -> list[str]:
    missing = [] if shutil.which("kinit") else ["kinit (Debian's krb5-user)"]
    if importlib.util.find_spec("gssapi") is None:
        missing.append("the gssapi package (pip install -e '.[kerberos]')")
    return missing


@pytest.fixture
def kerberos_env(samba_dc: SambaDC, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KerberosFiles:
    """KRB5_CONFIG for the test DC's realm and KRB5CCNAME naming this test's own credential cache, still empty."""
    if missing := _missing_kerberos():
        pytest.fail(f"the Kerberos tests need {' and '.join(missing)}: run scripts/bootstrap (as root)", pytrace=False)
    files = KerberosFiles(samba_dc.write_krb5_conf(tmp_path / "krb5.conf"), tmp_path / "krb5cc")
    monkeypatch.setenv("KRB5_CONFIG", str(files.krb5_conf))
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{files.ccache}")
    # Nor may GSSAPI find initial credentials in a client keytab of this machine's.
    monkeypatch.setenv("KRB5_CLIENT_KTNAME", str(tmp_path / "no-client.keytab"))
    monkeypatch.delenv("HOLYAUDIT_LDAP_PASSWORD", raising=False)
    return files


@pytest.fixture
def kerberos_ticket(samba_dc: SambaDC, kerberos_env: KerberosFiles) -> KerberosFiles:
    """svc-audit's ticket-granting ticket in this test's credential cache, as after ``kinit svc-audit``."""
    samba_dc.kinit(AUDIT_USER, AUDIT_PASSWORD, kerberos_env)
    return kerberos_env
