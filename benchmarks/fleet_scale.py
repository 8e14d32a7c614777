"""A fleet of schools from snapshots: ``holyaudit fleet run`` against the same sites one after another with
``holyaudit scan``, and the fleet's sites on threads instead of processes, measured in one run.

Makes N site configs (default 100) over one base file, each audited from the demo estate's snapshot under its
own name, with a JSON report each and one history. Then measures:

- baseline: ``holyaudit scan`` once per site, one after another (a scheduler's loop), each its own process: the
  total wall time, and the peak memory of the largest scan (wait4);
- fleet (processes): ``holyaudit fleet run`` with ``--concurrency`` sites at once: wall time, and the peak memory
  of the whole process tree (the sum of each live process's proportional set size, PSS, sampled every 50 ms:
  forked processes share the modules they did not change, which RSS would count once per process);
- fleet (threads): the same jobs on a thread pool of the same size in one process (``fleet.run.run_in_threads``),
  its wall time and peak RSS, to show what processes give over threads.

Ratios are printed against the baseline. Run: ``python benchmarks/fleet_scale.py`` (``-h`` for the sizes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml
from measure import Run, compile_holyaudit, run

from holyaudit.collectors.snapshot import demo_path

VENV_BIN = Path(sys.executable).parent

THREADS_SCRIPT = """
import sys, time
from pathlib import Path
from holyaudit.fleet.spec import load_fleet
from holyaudit.fleet.run import jobs_for, run_in_threads
import datetime as dt
spec = load_fleet(Path(sys.argv[1]))
jobs = jobs_for(spec, dt.date.today(), history=Path(sys.argv[2]))
outcomes = run_in_threads(jobs, int(sys.argv[3]))
bad = [o for o in outcomes if o.code != 1]
sys.exit(1 if bad else 0)
"""


def make_fleet(folder: Path, sites: int, concurrency: int, snapshot: Path) -> Path:
    (folder / "schools").mkdir(parents=True)
    (folder / "base.yaml").write_text(yaml.safe_dump({"site": {"timezone": "Europe/London"}}), encoding="utf-8")
    entries = []
    for number in range(1, sites + 1):
        site_id = f"school-{number:03d}"
        config = {"site": {"name": f"School {number:03d}"}}
        (folder / "schools" / f"{site_id}.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        entries.append({"config": f"schools/{site_id}.yaml", "snapshot": str(snapshot)})
    fleet = {
        "base": "base.yaml",
        "history": "history.sqlite3",
        "output": "reports",
        "formats": ["json"],
        "concurrency": concurrency,
        "sites": entries,
    }
    path = folder / "fleet.yaml"
    path.write_text(yaml.safe_dump(fleet, sort_keys=False), encoding="utf-8")
    return path


def sequential_scans(folder: Path, sites: int, env: dict[str, str], snapshot: Path) -> tuple[float, float]:
    """Each site's scan in turn: total seconds, and the largest peak RSS (MB) of any one scan."""
    started = time.perf_counter()
    peak = 0.0
    for number in range(1, sites + 1):
        site_id = f"school-{number:03d}"
        out = folder / "reports" / site_id
        done = run(
            [
                str(VENV_BIN / "holyaudit"),
                "scan",
                "--config",
                str(folder / "schools" / f"{site_id}.yaml"),
                "--snapshot",
                str(snapshot),
                "--history",
                str(folder / "history.sqlite3"),
                "--quiet",
                "--format",
                "json",
                "--output",
                str(out / f"{site_id}.json"),
            ],
            env,
        )
        if done.code != 1:
            raise SystemExit(f"scan of {site_id}: exit {done.code}: {done.stderr[-2000:]}")
        peak = max(peak, done.max_rss_mb)
    return time.perf_counter() - started, peak


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def fleet_run(fleet: Path, env: dict[str, str], codes: tuple[int, ...] = (1,)) -> tuple[float, float, int]:
    """``holyaudit fleet run``: seconds, peak PSS of its process tree (MB), exit code."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(VENV_BIN / "holyaudit"), "fleet", "run", str(fleet), "--quiet"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, sum(_pss_kb(pid) for pid in _tree(process.pid)))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    if process.returncode not in codes:
        raise SystemExit(f"fleet run: exit {process.returncode}: {stderr.decode(errors='replace')[-2000:]}")
    return seconds, peak / 1024, process.returncode


def threads_run(fleet: Path, concurrency: int, env: dict[str, str]) -> Run:
    done = run(
        [sys.executable, "-c", THREADS_SCRIPT, str(fleet), str(fleet.parent / "history.sqlite3"), str(concurrency)],
        env,
    )
    if done.code != 0:
        raise SystemExit(f"threads: exit {done.code}: {done.stderr[-2000:]}")
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--users", type=int, default=0, help="each site's snapshot: N users (default: the demo's 63)")
    parser.add_argument("--winrm-sites", type=int, default=0, help="also N live sites over simulated WinRM hosts")
    parser.add_argument("--hosts-per-site", type=int, default=30)
    parser.add_argument("--deadline", type=float, default=5.0, help="per-machine WinRM deadline, seconds")
    args = parser.parse_args()
    print(compile_holyaudit())
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLYAUDIT")} | {"NO_COLOR": "1"}
    print(f"{os.cpu_count()} CPUs; concurrency {args.concurrency}")
    work = Path(tempfile.mkdtemp(prefix="holyaudit-fleet-bench-"))
    try:
        if args.sites:  # 0: only the WinRM sites
            users = f"a {args.users}-user snapshot" if args.users else "the demo estate's snapshot (63 users)"
            print(f"{args.sites} sites from {users}, a JSON report each, one history")
            snapshot = demo_path()
            if args.users:
                from engine_scale import scaled_snapshot

                snapshot = work / "estate.json"
                scaled_snapshot(args.users, snapshot)
            base_folder = work / "sequential"
            make_fleet(base_folder, args.sites, args.concurrency, snapshot)
            base_seconds, base_peak = sequential_scans(base_folder, args.sites, env, snapshot)
            print(f"baseline, holyaudit scan per site in turn:  {base_seconds:7.2f} s, "
                  f"peak {base_peak:6.1f} MB (largest scan)")  # fmt: skip

            fleet = make_fleet(work / "processes", args.sites, args.concurrency, snapshot)
            seconds, peak, _ = fleet_run(fleet, env)
            print(f"fleet run, processes:                      {seconds:7.2f} s ({seconds / base_seconds:.2f}x), "
                  f"peak {peak:6.1f} MB PSS, whole tree ({peak / base_peak:.2f}x)")  # fmt: skip

            threads = threads_run(
                make_fleet(work / "threads", args.sites, args.concurrency, snapshot), args.concurrency, env
            )
            print(f"fleet on threads, one process:             {threads.seconds:7.2f} s "
                  f"({threads.seconds / base_seconds:.2f}x), peak {threads.max_rss_mb:6.1f} MB RSS "
                  f"({threads.max_rss_mb / base_peak:.2f}x)")  # fmt: skip
            print(f"threads take {threads.seconds / seconds:.2f}x the processes' time")
        if args.winrm_sites:
            winrm_sites(work / "winrm", args, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def winrm_sites(folder: Path, args: argparse.Namespace, env: dict[str, str]) -> None:
    """N sites of simulated machines, one in ten dead: scans in turn against ``fleet run``."""
    import json

    from winrm_fanout import DOMAIN, PASSWORD, USER, estate, free_ports, wait_for

    total = args.winrm_sites * args.hosts_per_site
    hosts = estate(total, 10, 0.0, free_ports(max(2, -(-total // 240))))
    (folder / "schools").mkdir(parents=True)
    (folder / "estate.json").write_text(json.dumps({"hosts": hosts}), encoding="utf-8")
    (folder / "users.txt").write_text(f"{DOMAIN}:{USER}:{PASSWORD}\n", encoding="utf-8")
    base: dict[str, dict[str, object]] = {"site": {"timezone": "Europe/London"},
            "endpoints": {"transport": "http", "auth": "ntlm", "user": f"{DOMAIN}\\{USER}", "from_directory": False,
                          "deadline_seconds": args.deadline, "connect_timeout_seconds": 3}}  # fmt: skip
    (folder / "base.yaml").write_text(yaml.safe_dump(base), encoding="utf-8")
    entries = []
    for number in range(args.winrm_sites):
        site_id = f"winrm-{number:03d}"
        mine = hosts[number * args.hosts_per_site : (number + 1) * args.hosts_per_site]
        listed = [{"name": h["name"], "address": h["address"], "port": h["port"]} for h in mine]
        (folder / "schools" / f"{site_id}-machines.yaml").write_text(yaml.safe_dump({"hosts": listed}), "utf-8")
        config = {
            "site": {"name": f"WinRM school {number:03d}"},
            "endpoints": {"inventory": f"{site_id}-machines.yaml"},
        }
        (folder / "schools" / f"{site_id}.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        # What a scan needs without a base file: the school's config written out whole.
        whole = {"site": base["site"] | config["site"], "endpoints": base["endpoints"] | config["endpoints"]}
        (folder / "schools" / f"{site_id}-whole.yaml").write_text(yaml.safe_dump(whole), encoding="utf-8")
        entries.append({"config": f"schools/{site_id}.yaml"})
    fleet = {"base": "base.yaml", "history": "fleet-history.sqlite3", "output": "reports", "formats": ["json"],
             "concurrency": args.concurrency, "sites": entries}  # fmt: skip
    (folder / "fleet.yaml").write_text(yaml.safe_dump(fleet, sort_keys=False), encoding="utf-8")
    simulator = subprocess.Popen(
        [sys.executable, "-m", "holyaudit.winrm_sim", "--estate", str(folder / "estate.json"), "--users-file",
         str(folder / "users.txt")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    live_env = env | {"HOLYAUDIT_WINRM_PASSWORD": PASSWORD}
    try:
        wait_for(hosts, timeout=120)
        print(f"{args.winrm_sites} live sites of {args.hosts_per_site} simulated machines each (one in ten never "
              f"answers; {args.deadline:g} s per-machine deadline), base config from one file")  # fmt: skip
        started, peak = time.perf_counter(), 0.0
        for number in range(args.winrm_sites):
            site_id = f"winrm-{number:03d}"
            done = run(
                [str(VENV_BIN / "holyaudit"), "scan", "--config", str(folder / "schools" / f"{site_id}-whole.yaml"),
                 "--history", str(folder / "history.sqlite3"), "--quiet", "--format", "json", "--output",
                 str(folder / "scans" / f"{site_id}.json")],
                live_env,
            )  # fmt: skip
            if done.code not in (1, 4):
                raise SystemExit(f"scan of {site_id}: exit {done.code}: {done.stderr[-2000:]}")
            peak = max(peak, done.max_rss_mb)
        base_seconds = time.perf_counter() - started
        print(f"baseline, holyaudit scan per site in turn:  {base_seconds:7.2f} s, peak {peak:6.1f} MB (largest scan)")
        seconds, tree, _ = fleet_run(folder / "fleet.yaml", live_env, codes=(1, 4))
        print(f"fleet run, processes:                      {seconds:7.2f} s ({seconds / base_seconds:.2f}x), "
              f"peak {tree:6.1f} MB PSS, whole tree ({tree / peak:.2f}x)")  # fmt: skip
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)


if __name__ == "__main__":
    main()
