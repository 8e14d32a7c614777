"""What several commands share: the options that choose rules, and loading settings, catalogue and profile."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from holyaudit.config import Settings, load_settings
from holyaudit.engine.loader import Catalogue, Profile, find_profile, load_catalogue, load_profile

ProfileOption = Annotated[
    str | None,
    typer.Option("--profile", "-p", help="Built-in profile name or profile file (default: holywell, or the config's)."),
]
RulesOption = Annotated[
    list[Path] | None,
    typer.Option("--rules", help="Extra folder of rule files; repeatable. Their rules always run.", show_default=False),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Site config file (default: $HOLYAUDIT_CONFIG, else built-in defaults)."),
]


@dataclass(frozen=True)
class Setup:
    settings: Settings
    catalogue: Catalogue
    profile: Profile


def load_setup(config: Path | None, profile: str | None, rules: list[Path] | None) -> Setup:
    settings = load_settings(config)
    catalogue = load_catalogue([*settings.rules, *(rules or [])])
    loaded = load_profile(find_profile(profile or settings.profile), catalogue)
    return Setup(settings, catalogue, loaded)


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename, so readers never see half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
