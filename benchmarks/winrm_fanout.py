"""How endpoint collection fans out: holyaudit against plain pywinrm in a thread pool, over hundreds of hosts.

Starts the WS-Management simulator in its own process with N hosts (default 500, on 127.0.0.2-... and two
ports), each adding a latency to every response (default 50 ms), one in ten never answering. Each host is the
demo estate's first machine. Then measures in one run, best of ``--runs``:

- baseline: a minimal client in a subprocess, plain pywinrm in a thread pool of the same concurrency, running
  the same probe commands in one shell per host, with the deadline as its read timeout;
- holyaudit: ``holyaudit collect`` through the real CLI in a subprocess, every endpoint fact, same
  concurrency and deadline, and its peak RSS (wait4);
- holyaudit again over the answering hosts only, to show what the dead hosts cost.

Run: ``python benchmarks/winrm_fanout.py`` (``-h`` for the sizes).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from measure import Run, compile_holyaudit, run

from holyaudit.collectors.winrm.probes import PROBES
from holyaudit.winrm_sim.estate import demo_hosts

DOMAIN, USER, PASSWORD = "HOLYWELL", "audit", "Fan-0ut-Benchmark"
TARGET_RATIO = 1.15
TARGET_RSS_MB = 200
VENV_BIN = Path(sys.executable).parent


def checked(result: Run) -> Run:
    if result.code not in (0, 4):  # 4: some hosts could not be reached, which is the point
        raise SystemExit(f"exit code {result.code}: {result.stderr[-2000:]}")
    return result


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("0.0.0.0", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def estate(hosts: int, dead_every: int, latency: float, ports: list[int]) -> list[dict[str, object]]:
    machine = demo_hosts()[0].machine.model_dump(mode="json")
    spec = []
    for index in range(hosts):
        address = f"127.0.0.{2 + index // len(ports)}"
        dead = dead_every and index % dead_every == dead_every - 1
        spec.append(
            {
                "address": address,
                "port": ports[index % len(ports)],
                "name": f"HW-{index:04d}",
                "machine": machine,
                "latency": latency,
                **({"fault": "hang"} if dead else {}),
            }
        )
    return spec


def wait_for(hosts: list[dict[str, object]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for host in (hosts[0], hosts[-1]):
        while True:
            try:
                socket.create_connection((str(host["address"]), int(str(host["port"]))), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"the simulator did not start listening on {host['address']}") from None
                time.sleep(0.1)


def write_config(folder: Path, name: str, hosts: list[dict[str, object]], args: argparse.Namespace) -> Path:
    inventory = folder / f"{name}-machines.yaml"
    listed = [{"name": h["name"], "address": h["address"], "port": h["port"]} for h in hosts]
    inventory.write_text(yaml.safe_dump({"hosts": listed}), encoding="utf-8")
    config = folder / f"{name}.yaml"
    endpoints = {
        "transport": "http",
        "auth": "ntlm",
        "user": f"{DOMAIN}\\{USER}",
        "from_directory": False,
        "inventory": inventory.name,
        "concurrency": args.concurrency,
        "deadline_seconds": args.deadline,
    }
    config.write_text(yaml.safe_dump({"endpoints": endpoints}), encoding="utf-8")
    return config


def reached(snapshot: Path) -> str:
    records = json.loads(snapshot.read_text())["fact_sets"]["endpoints.hosts"]["records"]
    counts: dict[str, int] = {}
    for record in records:
        counts[record["connection"]] = counts.get(record["connection"], 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))


def baseline_worker(estate_file: Path, concurrency: int, deadline: float) -> None:
    """The minimal client: plain pywinrm, one shell per host, the same probe commands, a thread pool."""
    from winrm.protocol import Protocol

    from holyaudit.collectors.winrm.probes import PROBES

    hosts = json.loads(estate_file.read_text())["hosts"]
    commands = [probe.command() for probe in PROBES]

    def visit(host: dict[str, object]) -> str:
        try:
            protocol = Protocol(
                f"http://{host['address']}:{host['port']}/wsman",
                transport="ntlm",
                username=f"{DOMAIN}\\{USER}",
                password=PASSWORD,
                read_timeout_sec=int(deadline),
                operation_timeout_sec=int(deadline) - 1,
                proxy=None,
            )
            shell = protocol.open_shell(codepage=65001)
            for command, arguments in commands:
                command_id = protocol.run_command(shell, command, arguments)
                protocol.get_command_output(shell, command_id)
                protocol.cleanup_command(shell, command_id)
            protocol.close_shell(shell)
            return "reached"
        except Exception as exc:
            return type(exc).__name__

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = list(pool.map(visit, hosts))
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome] = counts.get(outcome, 0) + 1
    print(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--dead-every", type=int, default=10, help="every Nth host never answers (0: none)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every response")
    parser.add_argument("--deadline", type=float, default=10.0, help="per-host deadline, seconds")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--baseline-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_worker:
        baseline_worker(args.baseline_worker, args.concurrency, args.deadline)
        return 0

    print(compile_holyaudit())
    with tempfile.TemporaryDirectory(prefix="winrm-fanout-") as tmp:
        folder = Path(tmp)
        hosts = estate(args.hosts, args.dead_every, args.latency, free_ports(2))
        answering = [h for h in hosts if "fault" not in h]
        estate_file = folder / "estate.json"
        estate_file.write_text(json.dumps({"hosts": hosts}), encoding="utf-8")
        users = folder / "users.txt"
        users.write_text(f"{DOMAIN}:{USER}:{PASSWORD}\n", encoding="utf-8")
        simulator = subprocess.Popen(
            [sys.executable, "-m", "holyaudit.winrm_sim", "--estate", str(estate_file), "--users-file", str(users)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for(hosts, timeout=60)
            env = {**os.environ, "HOLYAUDIT_WINRM_PASSWORD": PASSWORD}
            every = write_config(folder, "every", hosts, args)
            live_only = write_config(folder, "answering", answering, args)
            snapshot = folder / "snapshot.json"
            collect = [str(VENV_BIN / "holyaudit"), "collect", "--config"]
            baseline_cmd = [sys.executable, __file__, "--baseline-worker", str(estate_file)]
            baseline_cmd += ["--concurrency", str(args.concurrency), "--deadline", str(args.deadline)]
            baselines, scans, live_scans = [], [], []
            for _ in range(args.runs):
                baselines.append(checked(run(baseline_cmd, keep_stdout=True)))
                scans.append(checked(run([*collect, str(every), "--output", str(snapshot)], env)))
                every_reached = reached(snapshot)
                live_scans.append(checked(run([*collect, str(live_only), "--output", str(snapshot)], env)))
        finally:
            simulator.terminate()
            simulator.wait(timeout=10)
    base, scan, live = (min(r, key=lambda x: x.seconds) for r in (baselines, scans, live_scans))
    dead = len(hosts) - len(answering)
    print(
        f"hosts={len(hosts)} ({len(answering)} answering, {dead} never answering) latency={args.latency * 1000:.0f} ms "
        f"deadline={args.deadline:g} s concurrency={args.concurrency} probes={len(PROBES)} transport=NTLM over http "
        f"runs={args.runs}"
    )
    print(f"baseline  plain pywinrm, thread pool     {base.seconds:7.2f} s   ({base.stdout.strip()})")
    print(f"holyaudit collect                        {scan.seconds:7.2f} s   ({every_reached})")
    ratio = scan.seconds / base.seconds
    print(f"ratio     holyaudit / baseline           {ratio:7.2f}x  (target <= {TARGET_RATIO})")
    cost = scan.seconds - live.seconds
    print(
        f"holyaudit collect, answering hosts only  {live.seconds:7.2f} s   -> {dead} dead hosts cost {cost:.2f} s "
        f"(deadline {args.deadline:g} s)"
    )
    print(f"peak RSS  holyaudit collect              {scan.max_rss_mb:7.0f} MB  (target <= {TARGET_RSS_MB} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
