"""The site's config file: facts about this school's network that are not policy (those live in profiles).

Validated strictly (unknown keys are errors with file and line). Secrets never live here: they come from
the environment, files or the keyring. Environment variables override file values:

- ``HOLYAUDIT_CONFIG``: config file used when ``--config`` is not given
- ``HOLYAUDIT_TIMEZONE``: overrides ``site.timezone``
- ``HOLYAUDIT_PROFILE``: overrides ``profile``
- ``HOLYAUDIT_WAIVERS``: overrides ``waivers``
- ``HOLYAUDIT__<KEY>__<KEY>...``: overrides any key (``config_layers.py``), under the three above

A fleet's site file may be laid over a base file its sites share (``load_settings(path, base=...)``).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PrivateAttr, ValidationError, create_model, field_validator

from holyaudit.collectors.registry import SOURCES
from holyaudit.config_layers import read_layers
from holyaudit.errors import InvalidInputError, Problem
from holyaudit.notify.settings import NotifySettings
from holyaudit.sections import Section
from holyaudit.yamlfile import validation_messages

DEFAULT_TIMEZONE = "Europe/London"


class SiteSettings(Section):
    name: str = "unnamed site"
    timezone: str | None = Field(default=None, description=f"IANA zone; default a snapshot's, else {DEFAULT_TIMEZONE}.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone(value)
        return value


class Settings(Section):
    """The whole config: the site, the rules and waivers it uses, and one section per registered source
    (``collectors/registry.py``), added to it in ``SettingsModel``. Read a source's section with its
    ``Source.settings``."""

    site: SiteSettings = SiteSettings()
    profile: str | None = Field(
        default=None, description="Built-in profile name or profile file path (default: the built-in holywell)."
    )
    rules: list[Path] = Field(default_factory=list, description="Extra rule folders, relative to this file.")
    waivers: Path | None = Field(default=None, description="Waivers file (docs/waivers.md), relative to this file.")
    notify: NotifySettings | None = Field(
        default=None, description="Email when a run gets worse (docs/notifications.md)."
    )
    _profile_at: Problem | None = PrivateAttr(default=None)

    @property
    def profile_named_at(self) -> Problem | None:
        """Where the config file names its profile (for an error about it), or None if it does not."""
        return self._profile_at


SettingsModel: type[Settings] = create_model(  # type: ignore[call-overload]
    "Settings",
    __base__=Settings,
    __doc__=Settings.__doc__,
    **{source.section: source.field() for source in SOURCES},
)
"""The config file's model: ``Settings`` with each registered source's section."""


def new_settings(**values: Any) -> Settings:
    """Settings from values given in code (tests, benchmarks): ``new_settings(mis=MisSettings(...))``."""
    return SettingsModel(**values)


def template() -> str:
    """The commented site config ``holyaudit init`` writes: the site's part, then each source's block."""
    header = resources.files("holyaudit").joinpath("templates", "header.yaml").read_text(encoding="utf-8")
    return "\n".join([header, *(source.template for source in SOURCES if source.template)])


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: "Europe" is a folder, a name too long
        shown = name if len(name) <= 60 else f"{name[:60]}... ({len(name)} characters)"
        raise ValueError(f"unknown time zone {shown!r} (use an IANA name such as Europe/London)") from exc


def load_settings(path: Path | None, *, base: Path | None = None) -> Settings:
    """The config file (or defaults when there is none) over the ``base`` file it shares with other sites (a fleet's,
    ``docs/fleet.md``), with environment overrides applied (``config_layers.py`` says how they combine)."""
    path = path or (Path(os.environ["HOLYAUDIT_CONFIG"]) if os.environ.get("HOLYAUDIT_CONFIG") else None)
    layers = read_layers(path, base, SettingsModel)
    data = layers.merged()
    try:
        settings: Settings = SettingsModel.model_validate(data)
    except ValidationError as exc:
        raise InvalidInputError(
            [layers.problem(message, loc, key) for message, loc, key in validation_messages(exc)]
        ) from exc
    if path is not None:
        settings = _relative_to(path.parent, settings)
    # Checked here, not when used, so the error can point at the line of the file that names them.
    problems = [
        layers.problem(f"rules: folder '{folder}' does not exist", ("rules", index))
        for index, folder in enumerate(settings.rules)
        if not folder.is_dir()
    ]
    if settings.waivers is not None and not settings.waivers.is_file():
        problems.append(layers.problem(f"waivers: file '{settings.waivers}' does not exist", ("waivers",)))
    if settings.notify is not None:
        problems += [layers.problem(message, ("notify", *loc)) for message, loc in settings.notify.problems()]
    for source in SOURCES:
        section = source.settings(settings)
        inside = section.problems() if section is not None else []
        problems += [layers.problem(message, (source.section, *loc)) for message, loc in inside]
        problems += [layers.problem(message, loc) for message, loc in source.problems(settings)]
    if problems:
        raise InvalidInputError(problems)
    if "profile" in data:
        settings._profile_at = layers.problem("", ("profile",))
    return _with_environment(settings)


def _relative_to(base: Path, settings: Settings) -> Settings:
    """The config's paths (rule folders, waivers, a profile file, each section's files) taken relative to the
    config file's folder."""

    def anchored(path: Path) -> Path:
        return path if path.is_absolute() else base / path

    profile = settings.profile
    if profile is not None and profile.endswith((".yaml", ".yml")) and not Path(profile).is_absolute():
        profile = str(base / profile)
    update: dict[str, object] = {
        "rules": [anchored(folder) for folder in settings.rules],
        "profile": profile,
        "waivers": anchored(settings.waivers) if settings.waivers is not None else None,
        "notify": settings.notify.relative_to(base) if settings.notify is not None else None,
    }
    for source in SOURCES:
        if (section := source.settings(settings)) is not None:
            update[source.section] = section.relative_to(base)
    return settings.model_copy(update=update)


def _with_environment(settings: Settings) -> Settings:
    if tz_name := os.environ.get("HOLYAUDIT_TIMEZONE"):
        try:
            zone(tz_name)
        except ValueError as exc:
            raise InvalidInputError([Problem(None, None, None, f"HOLYAUDIT_TIMEZONE: {exc}")]) from exc
        settings = settings.model_copy(update={"site": settings.site.model_copy(update={"timezone": tz_name})})
    if profile := os.environ.get("HOLYAUDIT_PROFILE"):
        settings = settings.model_copy(update={"profile": profile})
        settings._profile_at = None
    if waivers := os.environ.get("HOLYAUDIT_WAIVERS"):
        settings = settings.model_copy(update={"waivers": Path(waivers)})
    return settings
