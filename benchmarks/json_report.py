"""What writing the JSON report costs: pydantic-core's Rust serializer against the C encoder alone.

Builds the demo estate scaled to N users (default 10,000; ``engine_scale.scaled_snapshot``), evaluates every
built-in rule under the holywell profile, then writes that result's JSON report to a file in the temporary folder
as ``holyaudit scan --format json --output`` does (``Reporter.chunks``, written in turn), in one run, interleaved,
best of --runs, with the garbage collector paused as the CLI pauses it:

- C encoder: every chunk of object results through ``json.dumps`` and ``_plain``, as the report was written
  before the Rust path (the same code with the Rust path turned off);
- Rust: the report as written now, chunks of plain values by pydantic-core's serializer.

Prints the wall and CPU time of each, their ratio, the report's size and how many chunks took the Rust path; fails
(exit 1) if the two reports differ by a byte.
Run: ``python benchmarks/json_report.py``.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

from engine_scale import holywell_audit, scaled_snapshot

from holyaudit.collectors.snapshot import load_snapshot
from holyaudit.models import AuditResult
from holyaudit.reporters import json as json_report
from holyaudit.reporters.interface import RenderOptions


def written(result: AuditResult, target: Path) -> tuple[float, float, str]:
    """Wall and CPU seconds to write the report to ``target``, and its digest."""
    gc.disable()
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        with target.open("w", encoding="utf-8") as handle:
            handle.writelines(json_report.JsonReporter().chunks(result, RenderOptions()))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        gc.enable()
    return wall, cpu, hashlib.sha256(target.read_bytes()).hexdigest()


def c_encoder_only(result: AuditResult, target: Path) -> tuple[float, float, str]:
    with mock.patch.object(json_report, "_values_written_alike", return_value=False):
        return written(result, target)


def rust_chunks(result: AuditResult) -> tuple[int, int]:
    """Chunks of object results that take the Rust path, of all chunks."""
    chunks = [
        finding.objects[start : start + json_report._OBJECTS_PER_CHUNK]
        for finding in result.findings
        for start in range(0, len(finding.objects), json_report._OBJECTS_PER_CHUNK)
    ]
    return sum(map(json_report._values_written_alike, chunks)), len(chunks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        snapshot_path = Path(tmp) / "scaled.json"
        scaled_snapshot(args.users, snapshot_path)
        snapshot = load_snapshot(snapshot_path)
        result = holywell_audit(snapshot)[1]()
        target = Path(tmp) / "report.json"
        best: dict[str, tuple[float, float]] = {}
        digests: dict[str, set[str]] = {}
        for _ in range(args.runs):
            for name, write in (("C encoder", c_encoder_only), ("Rust", written)):
                wall, cpu, digest = write(result, target)
                best_wall, best_cpu = best.get(name, (float("inf"), float("inf")))
                best[name] = (min(best_wall, wall), min(best_cpu, cpu))
                digests.setdefault(name, set()).add(digest)
        size_mb = target.stat().st_size / 1e6
    objects = sum(len(f.objects) for f in result.findings)
    taken, chunks = rust_chunks(result)
    print(f"users={args.users} object results={objects} report={size_mb:.1f} MB chunks by Rust={taken} of {chunks}")
    for name, (wall, cpu) in best.items():
        print(f"{name:10s} wall {wall:6.3f} s  cpu {cpu:6.3f} s  (best of {args.runs})")
    (c_wall, c_cpu), (r_wall, r_cpu) = best["C encoder"], best["Rust"]
    print(f"ratio      wall {r_wall / c_wall:6.2f}x  cpu {r_cpu / c_cpu:6.2f}x  (Rust / C encoder)")
    if len(digests["C encoder"] | digests["Rust"]) != 1:
        print("the reports differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
