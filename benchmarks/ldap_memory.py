"""Peak memory of a live directory scan: a git revision's ``holyaudit scan`` against this tree's, interleaved.

Starts the cached school-sized Samba DC of ``scale_dc.py`` (N users, N/10 computers) and runs the scan that
``ldap_scale.py`` times (every directory rule, JSON to stdout, a history of its own per tree) through the CLI in a
subprocess, round by round: the revision's code (``git archive`` of its ``src``, ``rules`` and ``profiles``, put
first on ``PYTHONPATH``) and then this tree's. Prints each scan's peak RSS (``wait4``), its own CPU time and its
wall time. Peak RSS does not depend on how busy the machine is; the times do.

Run: ``python benchmarks/ldap_memory.py main --users 25000 --rounds 3`` (needs Samba and ldap-utils, as
``ldap_scale.py``; as root it runs in a network of its own, like the test suite, so it meets no other DC).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import scale_dc
from estate import AUDIT_PASSWORD
from ldap_scale import VENV_BIN, directory_rules, scan_args
from measure import Run, run
from seed import write_config

from holyaudit.collectors.ldap.source import LDAP_PASSWORD_ENV
from holyaudit.history.store import HISTORY_ENV

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY / "tests"))
import isolation  # noqa: E402 - the test suite's namespaces, a module of its folder


def unpacked(revision: str, folder: Path) -> Path:
    """The revision's package source, unpacked into ``folder``: its ``src`` directory."""
    folder.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPOSITORY), "archive", revision, "src", "rules", "profiles"], check=True, capture_output=True
    )
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder / "src"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="the git revision to compare this tree with, e.g. main")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if (why := isolation.enter_own_network()) is not None:
        print(f"sharing the machine's network ({why}): no other DC may be running", file=sys.stderr)
    built = scale_dc.seeded_dc(scale_dc.Sizes(args.users, args.users // 10))
    with tempfile.TemporaryDirectory(prefix="ldap-memory-") as tmp:
        folder = Path(tmp)
        trees = {args.revision: str(unpacked(args.revision, folder / "revision")), "this tree": None}
        built.dc.start()
        try:
            # A generous time-out: peak memory does not depend on how busy the machine is, but a busy DC can be slow
            # to answer the first search.
            config = write_config(built.dc, folder / "site.yaml", timeout_seconds=120)
            scan = [str(VENV_BIN / "holyaudit"), *scan_args(config, directory_rules(), built.seeded_at, None)]
            runs: dict[str, list[Run]] = {name: [] for name in trees}
            for round_number in range(args.rounds):
                for index, (name, source) in enumerate(trees.items()):
                    env = {**os.environ, LDAP_PASSWORD_ENV: AUDIT_PASSWORD}
                    env[HISTORY_ENV] = str(folder / f"history-{index}.sqlite3")
                    if source is not None:
                        env["PYTHONPATH"] = source
                    scanned = run(scan, env)
                    if scanned.code != 1:
                        raise RuntimeError(f"{name}: holyaudit scan exited {scanned.code}, not 1:\n{scanned.stderr}")
                    runs[name].append(scanned)
                    print(
                        f"round {round_number + 1}  {name:<12} peak RSS {scanned.max_rss_mb:5.0f} MB  "
                        f"CPU {scanned.cpu_seconds:6.2f} s  wall {scanned.seconds:6.2f} s",
                        flush=True,
                    )
        finally:
            built.dc.stop()
    load = " ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"users={args.users} computers={args.users // 10} rounds={args.rounds}; load average after: {load}")
    for name, done in runs.items():
        print(
            f"  {name:<12} peak RSS max {max(r.max_rss_mb for r in done):5.0f} MB  "
            f"CPU median {statistics.median(r.cpu_seconds for r in done):6.2f} s  "
            f"wall median {statistics.median(r.seconds for r in done):6.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
