"""Entry point: runs the typer app and maps every outcome to one documented exit code, in one place."""

from __future__ import annotations

import os
import traceback
from collections.abc import Sequence
from typing import NoReturn

import typer

from holyaudit.audit.exit_codes import code_for
from holyaudit.cli.app import app
from holyaudit.cli.console import stderr_console
from holyaudit.cli.library_logs import library_logs_dropped
from holyaudit.cli.process import cycle_collection_paused, end, ends_after_command, interrupts_restored
from holyaudit.cli.streams import output_streams_utf8
from holyaudit.errors import ExitCode, HolyauditError, InvalidInputError
from holyaudit.reporters.safe_text import printable


def debug_enabled() -> bool:
    return os.environ.get("HOLYAUDIT_DEBUG", "") not in ("", "0")


def main(argv: Sequence[str] | None = None) -> int:
    output_streams_utf8()
    with cycle_collection_paused(), interrupts_restored(), library_logs_dropped(debug_enabled()):
        return _run(argv)


def entry() -> NoReturn:
    """The ``holyaudit`` program: ``main``, then the process ends without freeing what the command built (see
    ``cli/process.py``)."""
    ends_after_command()
    end(main())


def _run(argv: Sequence[str] | None) -> int:
    try:
        result = app(args=list(argv) if argv is not None else None, prog_name="holyaudit", standalone_mode=False)
    except typer.TyperException as exc:  # bad flags or arguments, reported by the command-line parser
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            stderr_console().print(f"error: {exc.message}")
        return ExitCode.USAGE
    except (typer.Abort, KeyboardInterrupt):
        stderr_console().print("interrupted", markup=False)
        return ExitCode.INTERRUPTED
    except InvalidInputError as exc:
        if debug_enabled():
            traceback.print_exc()
        err = stderr_console()
        for problem in exc.problems:
            # One unwrapped line per problem, so editors and grep can jump to file:line:column.
            err.print(f"error: {printable(problem)}", markup=False, highlight=False, soft_wrap=True)
        err.print("nothing was audited (exit 3)", markup=False)
        return exc.exit_code
    except HolyauditError as exc:
        if debug_enabled():
            traceback.print_exc()
        stderr_console().print(f"error: {printable(exc)}", markup=False, highlight=False, soft_wrap=True)
        return code_for(exc)
    except Exception as exc:  # a defect: never a finding, never "incomplete", and never compliant
        if debug_enabled():
            traceback.print_exc()
        internal = code_for(exc)
        stderr_console().print(
            f"internal error: {type(exc).__name__} (set HOLYAUDIT_DEBUG=1 for a traceback): a defect in holyaudit; "
            f"the audit did not complete (exit {int(internal)})",
            markup=False,
            soft_wrap=True,
        )
        return internal
    code = int(result) if isinstance(result, int) else ExitCode.COMPLIANT
    if code == ExitCode.INTERRUPTED:  # the parser turns Ctrl-C into this code without a word
        stderr_console().print("interrupted", markup=False)
    return code


if __name__ == "__main__":  # pragma: no cover
    entry()
