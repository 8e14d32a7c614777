"""What the process's garbage-collector policy and its ``os._exit`` end are worth (``cli/process.py``).

Builds a snapshot of N users (default 10,000; as ``engine_scale.py`` does) and runs ``holyaudit scan --snapshot
... --format json --no-history`` through the CLI in a subprocess, interleaved, best and median of ``--runs``, in
four forms:

- as shipped: the cyclic collector paused for the command, the process ended with ``os._exit``;
- the collector left on (the command run without the pause), ``os._exit`` kept;
- the collector paused, and a normal exit (the scan's data freed and the interpreter torn down);
- neither.

Each side's wall time, its own CPU time (wait4) and peak RSS. Then ``holyaudit --version`` with the collector
left on while the program is imported (as shipped) and with it off from the start (as before the commands
imported their modules when they run). Run: ``python benchmarks/process_policy.py``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from measure import Run, compile_holyaudit, run

_RUN_COMMAND = "from holyaudit.cli.main import _run\n"
FORMS = {
    "as shipped": "from holyaudit.cli.process import run\nrun()",
    "collector on, os._exit": _RUN_COMMAND
    + "from holyaudit.cli.process import end, ends_after_command\nends_after_command()\nend(_run(None))",
    "collector paused, normal exit": "import sys\nfrom holyaudit.cli.main import main\nsys.exit(main())",
    "collector on, normal exit": "import sys\n" + _RUN_COMMAND + "sys.exit(_run(None))",
}
BUILD = "import sys, pathlib, engine_scale\nengine_scale.scaled_snapshot(int(sys.argv[1]), pathlib.Path(sys.argv[2]))"
STARTS = {
    "as shipped": FORMS["as shipped"],
    "collector off from the start": "import gc\ngc.disable()\n" + FORMS["as shipped"],
}


def rounds(forms: dict[str, str], args: list[str], runs: int, code: int) -> dict[str, list[Run]]:
    """Each form run ``runs`` times, the forms in turn, so a drift in the machine's speed hits each alike."""
    done: dict[str, list[Run]] = {name: [] for name in forms}
    for _ in range(runs):
        for name, program in forms.items():
            result = run([sys.executable, "-c", program, *args])
            if result.code != code:
                raise RuntimeError(f"{name}: exit {result.code}, not {code}:\n{result.stderr[-2000:]}")
            done[name].append(result)
    return done


def show(done: dict[str, list[Run]]) -> None:
    base = done["as shipped"]
    print(f"  {'':<32} {'wall best':>9} {'median':>7} {'CPU best':>9} {'median':>7} {'RSS':>6}  CPU median vs shipped")
    for name, results in done.items():
        wall = [r.seconds for r in results]
        cpu = [r.cpu_seconds for r in results]
        ratio = statistics.median(cpu) / statistics.median(r.cpu_seconds for r in base)
        print(
            f"  {name:<32} {min(wall):8.3f}s {statistics.median(wall):6.3f}s {min(cpu):8.3f}s "
            f"{statistics.median(cpu):6.3f}s {max(r.max_rss_mb for r in results):4.0f}MB  {ratio:.2f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(compile_holyaudit())
    with tempfile.TemporaryDirectory(prefix="process-policy-") as tmp:
        snapshot = Path(tmp) / "scaled.json"
        # Built by a process of its own: a child's peak RSS counts the memory of the process it was forked from.
        subprocess.run([sys.executable, "-c", BUILD, str(args.users), snapshot], check=True, cwd=Path(__file__).parent)
        scan = ["scan", "--snapshot", str(snapshot), "--format", "json", "--no-history"]
        scans = rounds(FORMS, scan, args.runs, code=1)
    starts = rounds(STARTS, ["--version"], args.runs * 2, code=0)
    print(f"users={args.users} runs={args.runs}, interleaved; a scan of the snapshot through the CLI, JSON report")
    show(scans)
    print(f"holyaudit --version, runs={args.runs * 2}")
    show(starts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
