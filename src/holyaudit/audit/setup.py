"""Loading what every command that judges needs: the site settings, the rule catalogue and the profile."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from holyaudit.config import Settings, load_settings
from holyaudit.engine.loader import DEFAULT_PROFILE, Catalogue, Profile, find_profile, load_catalogue, load_profile
from holyaudit.errors import InvalidInputError, Problem


@dataclass(frozen=True)
class Setup:
    settings: Settings
    catalogue: Catalogue
    profile: Profile


def load_setup(
    config: Path | None, profile: str | None, rules: list[Path] | None, *, base: Path | None = None
) -> Setup:
    settings = load_settings(config, base=base)
    profile_path = profile_file(settings, profile)
    catalogue = load_catalogue([*settings.rules, *(rules or [])])
    return Setup(settings, catalogue, load_profile(profile_path, catalogue))


def profile_file(settings: Settings, chosen: str | None) -> Path:
    """The profile file to use: ``chosen`` (``--profile``), else the config's, else the built-in default. One the
    config names that cannot be found is an error at the config's line."""
    if chosen is not None or settings.profile is None:
        return find_profile(chosen or DEFAULT_PROFILE)
    named_at = settings.profile_named_at
    try:
        found = find_profile(settings.profile)
    except InvalidInputError as exc:
        if named_at is None:
            raise
        why = "; ".join(problem.message for problem in exc.problems)
        raise InvalidInputError([Problem(named_at.path, named_at.line, named_at.column, f"profile: {why}")]) from exc
    if named_at is not None and not found.is_file():
        message = f"profile: profile file {found} does not exist"
        raise InvalidInputError([Problem(named_at.path, named_at.line, named_at.column, message)])
    return found
