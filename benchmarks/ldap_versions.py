"""Two versions of holyaudit scanning the same school-sized Samba DC, in turn, with ldapsearch as the yardstick.

On a shared machine whose speed drifts by ±20% between runs, a change is best measured against the code before
it in the same run: each round runs ``ldapsearch`` (the users' and the computers' searches a scan makes,
recorded as ``ldap_scale.py`` records them) and then ``python -m holyaudit scan`` of each version's source
tree, back to back, so every ratio of a round is taken at one speed of the machine. The versions are git
revisions of this repository (checked out into temporary worktrees, their bytecode compiled as ``pip install``
would); ``.`` is the working tree.

Run: ``python benchmarks/ldap_versions.py 1622494 . --rounds 10`` (needs Samba and ldap-utils, as
``ldap_scale.py`` does; it reuses that benchmark's cached DC).
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import scale_dc
from estate import AUDIT_PASSWORD
from ldap_scale import bulk_searches, directory_rules, ldapsearch_commands, scan_args, wait_for_port
from seed import write_config

from holyaudit.collectors.ldap.source import LDAP_PASSWORD_ENV

REPOSITORY = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def source_trees(revisions: list[str], folder: Path) -> Iterator[dict[str, Path]]:
    """Each revision's ``src`` folder, bytecode compiled; ``.`` is the working tree's own."""
    trees, added = {}, []
    try:
        for revision in revisions:
            if revision == ".":
                trees[revision] = REPOSITORY / "src"
            else:
                checkout = folder / revision
                subprocess.run(
                    ["git", "-C", str(REPOSITORY), "worktree", "add", "--detach", "-q", str(checkout), revision],
                    check=True,
                )
                added.append(checkout)
                trees[revision] = checkout / "src"
            if not compileall.compile_dir(trees[revision] / "holyaudit", quiet=1):
                raise RuntimeError(f"cannot compile {trees[revision]}")
        yield trees
    finally:
        for checkout in added:
            subprocess.run(["git", "-C", str(REPOSITORY), "worktree", "remove", "--force", str(checkout)], check=False)


def seconds(argv: list[str], env: dict[str, str], expected: int) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != expected:
        raise RuntimeError(f"{argv[:3]} exited {done.returncode}, not {expected}: {done.stderr[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revisions", nargs=2, help="two git revisions; '.' is the working tree")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    wait_for_port("127.0.0.1", 636, 900)
    built = scale_dc.seeded_dc(scale_dc.Sizes(10_000, 1_000), rebuild=False)
    dc = built.dc
    dc.start()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="ldap-versions-") as tmp,
            source_trees(args.revisions, Path(tmp)) as trees,
        ):
            folder = Path(tmp)
            config = write_config(dc, folder / "site.yaml", timeout_seconds=120)  # a busy DC can be slow to answer
            scan = ["-m", "holyaudit", *scan_args(config, directory_rules(), built.seeded_at, None)]
            os.environ[LDAP_PASSWORD_ENV] = AUDIT_PASSWORD  # the in-process scan that records the searches
            os.environ["HOLYAUDIT_HISTORY"] = str(folder / "history-searches.sqlite3")
            bulk, _ = bulk_searches(config, directory_rules(), built.seeded_at, folder / "report.json")
            searches, ldap_env = ldapsearch_commands(dc, bulk, folder)
            times: dict[str, list[float]] = {"ldapsearch": [], **{revision: [] for revision in trees}}
            for _ in range(args.rounds):
                times["ldapsearch"].append(sum(seconds(search, ldap_env, 0) for search in searches))
                for n, (revision, src) in enumerate(trees.items()):
                    # Each revision a history of its own in this run's folder, not the user's default one
                    # (which every benchmark run would make larger).
                    history = str(folder / f"history-{n}.sqlite3")
                    env = {
                        **os.environ,
                        LDAP_PASSWORD_ENV: AUDIT_PASSWORD,
                        "PYTHONPATH": str(src),
                        "HOLYAUDIT_HISTORY": history,
                    }
                    times[revision].append(seconds([sys.executable, *scan], env, 1))
    finally:
        dc.stop()
    report(times, args.revisions)
    return 0


def report(times: dict[str, list[float]], revisions: list[str]) -> None:
    rounds = len(times["ldapsearch"])
    print(f"users=10024 computers=1007 rounds={rounds}: seconds (best, median), then ratios per round")
    for name, runs in times.items():
        print(f"  {name:<12} best {min(runs):6.3f} s   median {statistics.median(runs):6.3f} s")
    for revision in revisions:
        ratios = sorted(t / b for t, b in zip(times[revision], times["ldapsearch"], strict=True))
        print(
            f"  {revision} / ldapsearch: median {statistics.median(ratios):.2f}x, {ratios[0]:.2f}x to {ratios[-1]:.2f}x"
        )
    first, second = revisions
    ratios = sorted(b / a for a, b in zip(times[first], times[second], strict=True))
    print(f"  {second} / {first}: median {statistics.median(ratios):.2f}, {ratios[0]:.2f} to {ratios[-1]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
