"""Loading what every command that judges needs: the site settings, the rule catalogue and the profile."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from holyaudit.config import Settings, load_settings
from holyaudit.engine.loader import Catalogue, Profile, find_profile, load_catalogue, load_profile


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
