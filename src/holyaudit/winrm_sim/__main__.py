"""``python -m holyaudit.winrm_sim``: serve simulated WinRM hosts until interrupted.

Serves the hosts of an estate file (``--estate``) or the built-in demo estate (``--demo``), prints where
each one listens, and accepts the accounts of ``--users-file`` (``DOMAIN:user:password`` lines, the
NTLM_USER_FILE format), for Basic and NTLM. Passwords never go on the command line.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import ValidationError

from holyaudit.winrm_sim.auth import AuthMode, read_users_file
from holyaudit.winrm_sim.estate import demo_hosts, load_estate
from holyaudit.winrm_sim.fleet import Fleet
from holyaudit.winrm_sim.shell import COMMAND_LINE_LIMIT

EXIT_CANNOT_SERVE = 1
EXIT_INVALID_INPUT = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m holyaudit.winrm_sim",
        description="Serve simulated Windows hosts over WinRM (WS-Management) for holyaudit's endpoint scan.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--estate", type=Path, metavar="FILE", help="JSON or YAML file listing the hosts.")
    source.add_argument("--demo", action="store_true", help="Serve the machines of the built-in demo estate.")
    parser.add_argument("--users-file", type=Path, required=True, metavar="FILE", help="DOMAIN:user:password lines.")
    parser.add_argument("--tls-cert", type=Path, metavar="PEM", help="Certificate chain for HTTPS hosts.")
    parser.add_argument("--tls-key", type=Path, metavar="PEM", help="Private key of --tls-cert.")
    parser.add_argument("--auth", choices=[mode.value for mode in AuthMode], default=AuthMode.BOTH.value)
    parser.add_argument(
        "--allow-unencrypted", action="store_true", help="Accept Basic and unencrypted messages over plain HTTP."
    )
    parser.add_argument(
        "--no-command-line-limit", action="store_true", help=f"Lift cmd.exe's {COMMAND_LINE_LIMIT}-character limit."
    )
    parser.add_argument("--demo-address", default="127.0.0.2", help="--demo: the first host's address.")
    parser.add_argument("--demo-port", type=int, help="--demo: the port of every host (5986 with TLS, else 5985).")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    tls = (args.tls_cert, args.tls_key) if args.tls_cert is not None else None
    try:
        accounts = read_users_file(args.users_file)
        if args.demo:
            hosts = demo_hosts(args.demo_address, args.demo_port or (5986 if tls else 5985))
        else:
            hosts = load_estate(args.estate)
    except (OSError, ValueError, ValidationError, yaml.YAMLError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    fleet = Fleet(
        hosts,
        credentials=accounts,
        tls=tls,
        auth=args.auth,
        allow_unencrypted=args.allow_unencrypted,
        command_line_limit=None if args.no_command_line_limit else COMMAND_LINE_LIMIT,
    )
    try:
        fleet.start()
    except OSError as e:
        print(f"error: cannot listen: {e}", file=sys.stderr)
        return EXIT_CANNOT_SERVE
    try:
        for host in fleet.hosts:
            fault = f"  fault: {host.fault.kind.value}" if host.fault is not None else ""
            print(f"{host.name or '-':<16} {host.endpoint}{fault}", flush=True)
        print(f"serving {len(fleet.hosts)} hosts; Ctrl-C stops", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        fleet.close()


if __name__ == "__main__":
    sys.exit(main())
