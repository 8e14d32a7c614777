"""``holyaudit validate``: check rule and profile files without auditing anything."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from holyaudit.cli.common import RulesOption
from holyaudit.cli.console import stdout_console
from holyaudit.errors import InvalidInputError, Problem


def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Rule, profile or waivers files, or folders of rules (default: the built-in ones).",
            show_default=False,
        ),
    ] = None,
    *,
    rules: RulesOption = None,
) -> int:
    """Check rule, profile and waivers files (and the built-in catalogue) and report every problem with file and
    line. A waivers file (a YAML list) is checked against the catalogue, built-in and given rules alike."""
    from holyaudit.engine.loader import builtin_profiles_dir, load_catalogue, load_profile
    from holyaudit.engine.waivers import load_waivers
    from holyaudit.yamlfile import PosDict, PosList, load_yaml

    problems: list[Problem] = []
    rule_paths: list[Path] = []
    waiver_paths: list[Path] = []
    profile_paths: list[Path] = [] if paths else sorted(builtin_profiles_dir().glob("*.yaml"))
    for path in _expand(paths or [], problems):
        try:
            data = load_yaml(path)
        except InvalidInputError as exc:
            problems.extend(exc.problems)
            continue
        if isinstance(data, PosDict) and "id" not in data and ("rules" in data or "name" in data):
            profile_paths.append(path)
        elif isinstance(data, PosList) and data and isinstance(data[0], PosDict) and "rule" in data[0]:
            waiver_paths.append(path)  # a list of waivers (a rule written as a list is reported as a bad rule)
        else:
            rule_paths.append(path)
    try:
        catalogue = load_catalogue(rules or [], rule_paths)
    except InvalidInputError as exc:
        raise InvalidInputError(problems + exc.problems) from exc
    for path in profile_paths:
        try:
            load_profile(path, catalogue)
        except InvalidInputError as exc:
            problems.extend(exc.problems)
    for path in waiver_paths:
        try:
            load_waivers(path, catalogue.rules)
        except InvalidInputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInputError(problems)
    checked = len(rule_paths) if paths else len(catalogue.rules)
    waivers = f" and {len(waiver_paths)} waivers file(s)" if waiver_paths else ""
    stdout_console().print(f"ok: {checked} rule file(s), {len(profile_paths)} profile(s){waivers} are valid")
    return 0


def _expand(paths: list[Path], problems: list[Problem]) -> list[Path]:
    from holyaudit.engine.loader import rule_files

    files = []
    for path in paths:
        if path.is_dir():
            files.extend(rule_files(path))
        elif path.exists():  # a file, or something that is not one, which loading refuses in its own words
            files.append(path)
        else:
            problems.append(Problem(path, None, None, "no such file or folder"))
    return files
