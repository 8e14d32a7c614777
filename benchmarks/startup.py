"""How fast the program starts: ``holyaudit --help`` and ``--version`` against a bare typer app of the same shape.

Writes a bare typer app to a temporary module with holyaudit's commands and command groups, each command with
options of the same names, kinds and help text (read from holyaudit's own command tree) and a body that does
nothing, so it imports typer and nothing else. Then runs, interleaved, best and median of ``--runs`` each:

- baseline: the bare app's ``--help``, imported with its bytecode compiled (as holyaudit's modules are);
- holyaudit: ``holyaudit --help`` and ``holyaudit --version`` (the console script of this environment).

Prints the times and holyaudit's ratios to the baseline (target: within 1.3x each). holyaudit's bytecode is
compiled first, as ``pip install`` does. Run: ``python benchmarks/startup.py``.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import py_compile
import statistics
import sys
import tempfile
import typing
from collections.abc import Iterator
from enum import Enum
from itertools import count
from pathlib import Path, PurePath
from typing import Any

import typer
from measure import compile_holyaudit, run

from holyaudit.cli.app import app

TARGET_RATIO = 1.3
VENV_BIN = Path(sys.executable).parent


def bare_app_source(app: typer.Typer) -> str:
    """The source of a typer app with ``app``'s commands, command groups and options (the same names, types, help
    text and defaults; each enum an enum of the same values), whose commands do nothing."""
    lines = [
        "import enum",
        "import pathlib",
        "import typing",
        "",
        "import typer",
        "",
        "",
        "def _version(value: bool) -> None:",
        "    if value:",
        "        typer.echo('bare 0')",
        "        raise typer.Exit(0)",
        "",
        "",
        f"app = typer.Typer(help={app.info.help!r}, context_settings={{'help_option_names': ['-h', '--help']}},",
        "    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)",
        "",
        "",
        "@app.callback()",
        "def _root(",
        "    version: typing.Annotated[",
        "        bool, typer.Option('--version', help='Print the version and exit.', callback=_version, is_eager=True)",
        "    ] = False,",
        ") -> None:",
        f"    {app.info.help!r}",
    ]
    enums: dict[type[Enum], str] = {}
    lines += _commands(app, "app", enums, count(1))
    definitions = [
        f"class {name}(str, enum.Enum):\n" + "".join(f"    m{i} = {m.value!r}\n" for i, m in enumerate(kind))
        for kind, name in enums.items()
    ]
    return "\n".join(lines[:6] + definitions + lines[6:] + ["", "app(prog_name='holyaudit')", ""])


def _commands(app: typer.Typer, parent: str, enums: dict[type[Enum], str], numbers: Iterator[int]) -> list[str]:
    lines: list[str] = []
    for command in app.registered_commands:
        hints = typing.get_type_hints(command.callback, include_extras=True)
        hints.pop("return", None)
        params = [_parameter(name, hint, command.callback, enums) for name, hint in hints.items()]
        settings = f", context_settings={command.context_settings!r}" if command.context_settings else ""
        lines += ["", "", f"@{parent}.command({command.name!r}{settings})"]
        lines += [f"def command_{next(numbers)}(", *(f"    {p}," for p in params), ") -> None:"]
        lines += [f"    {(command.callback.__doc__ or '').strip()!r}"]
    for group in app.registered_groups:
        sub = f"group_{next(numbers)}"
        lines += ["", "", f"{sub} = typer.Typer(help={group.typer_instance.info.help!r}, no_args_is_help=True)"]
        lines += [f"{parent}.add_typer({sub}, name={group.name!r})"]
        lines += _commands(group.typer_instance, sub, enums, numbers)
    return lines


def _parameter(name: str, hint: Any, function: Any, enums: dict[type[Enum], str]) -> str:
    """One parameter of a bare command, declared as holyaudit's is."""
    kind, info = typing.get_args(hint)
    # typer keeps an option's first name where a default would be (typer.Option("--name", "-n")).
    first = [info.default] if isinstance(info.default, str) and info.default.startswith("-") else []
    declared = (
        f"typer.Option({', '.join(map(repr, [*first, *info.param_decls]))}, help={info.help!r})"
        if isinstance(info, typer.models.OptionInfo)
        else f"typer.Argument(help={info.help!r})"
    )
    default = inspect.signature(function).parameters[name].default
    tail = "" if default is inspect.Parameter.empty else f" = {_value(default, enums)}"
    return f"{name}: typing.Annotated[{_type(kind, enums)}, {declared}]{tail}"


def _type(kind: Any, enums: dict[type[Enum], str]) -> str:
    if isinstance(kind, type) and issubclass(kind, Enum):
        return enums.setdefault(kind, f"Choice{len(enums)}")
    if kind is type(None):
        return "None"
    if isinstance(kind, type) and not typing.get_args(kind):
        return f"pathlib.{kind.__name__}" if issubclass(kind, PurePath) else kind.__name__
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is list:
        return f"list[{_type(args[0], enums)}]"
    return " | ".join(_type(arg, enums) for arg in args)  # a union


def _value(default: object, enums: dict[type[Enum], str]) -> str:
    if isinstance(default, Enum):
        return f"{_type(type(default), enums)}({default.value!r})"
    if isinstance(default, PurePath):
        return f"pathlib.Path({str(default)!r})"
    return repr(default)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    bytecode = compile_holyaudit()
    holyaudit = str(VENV_BIN / "holyaudit")
    with tempfile.TemporaryDirectory(prefix="startup-") as tmp:
        # Imported as a module with its bytecode compiled, as holyaudit's are, from a launcher of one line, as
        # holyaudit's console script is.
        bare = Path(tmp) / "bare_app.py"
        bare.write_text(bare_app_source(app), encoding="utf-8")
        py_compile.compile(str(bare), cfile=importlib.util.cache_from_source(str(bare)), doraise=True)
        launcher = f"import sys; sys.path.insert(0, {tmp!r}); import bare_app"
        commands = {
            "bare typer app --help": [sys.executable, "-c", launcher, "--help"],
            "holyaudit --help": [holyaudit, "--help"],
            "holyaudit --version": [holyaudit, "--version"],
            "python -c pass": [sys.executable, "-c", "pass"],
        }
        for argv in commands.values():  # each must work, and the first run warms the page cache
            if (first := run(argv)).code != 0:
                raise RuntimeError(f"{' '.join(argv)} exited {first.code}:\n{first.stderr[-2000:]}")
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):  # interleaved, so a drift in the machine's speed hits each alike
            for name, argv in commands.items():
                times[name].append(run(argv).seconds)
    print(bytecode)
    print(f"runs={args.runs}, interleaved: best, median")
    for name, seconds in times.items():
        print(f"  {name:<24} {min(seconds):7.3f} s  {statistics.median(seconds):7.3f} s")
    base = times["bare typer app --help"]
    for name in ("holyaudit --help", "holyaudit --version"):
        best = min(times[name]) / min(base)
        median = statistics.median(times[name]) / statistics.median(base)
        print(f"ratio {name} / bare --help   best {best:5.2f}x  median {median:5.2f}x  (target <= {TARGET_RATIO})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
