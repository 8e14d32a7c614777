"""Where a site's config values come from, and which wins: a base file several sites share (a fleet's, docs/fleet.md),
under the site's own file, under environment variables named ``HOLYAUDIT__<KEY>__<KEY>...``.

Mappings merge key by key, deepest first; any other value (a list, a number) replaces the one below it whole.
Every problem names where the value it is about was written: the file and line, or the variable.
"""

from __future__ import annotations

import os
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from holyaudit.errors import InvalidInputError, Problem
from holyaudit.yamlfile import PosDict, PosList, load_yaml, location_in, parse_yaml

ENV_PREFIX = "HOLYAUDIT__"
"""Environment variables starting so override one config key each: ``HOLYAUDIT__DIRECTORY__BASE_DN``."""
ENV_SEPARATOR = "__"
"""Between the keys of a variable's name (keys themselves hold single underscores: ``base_dn``)."""

Loc = tuple[int | str, ...]


@dataclass(frozen=True)
class Layer:
    """Values read from one place: a file, or one environment variable (``path`` None, ``name`` its name)."""

    data: PosDict
    path: Path | None
    name: str = ""

    def problem(self, message: str, loc: Loc, about_key: bool) -> Problem:
        if self.path is None:
            return Problem(None, None, None, f"environment variable {self.name}: {message}")
        line, column = location_in(self.data, loc, about_key) or (None, None)
        return Problem(self.path, line, column, message)


@dataclass(frozen=True)
class Layers:
    """The layers of one site's config, lowest first."""

    layers: tuple[Layer, ...]
    site: Path | None

    def merged(self) -> PosDict:
        merged = PosDict()
        for layer in self.layers:
            merged = _merge(merged, layer.data)
        return merged

    def problem(self, message: str, loc: Loc, about_key: bool = False) -> Problem:
        """``message`` at the place the value at ``loc`` was written: the highest layer that writes most of
        ``loc`` (for a missing key, the mapping that lacks it); the site's file if no layer writes any of it."""
        best: Layer | None = None
        depth = 0
        for layer in self.layers:
            written = _depth(layer.data, loc)
            if written >= depth and written > 0:
                best, depth = layer, written
        if best is None:
            return Problem(self.site, 1 if self.site else None, 1 if self.site else None, message)
        return best.problem(message, loc, about_key)


def read_layers(site: Path | None, base: Path | None, model: type[BaseModel]) -> Layers:
    """The base file, the site's file and the environment's overrides, each read and checked to be a mapping. Paths
    in the base file are made relative to its folder, and those in variables to the working folder, here; the
    site's own are made relative to its folder once validated (``config._relative_to``), as without a base."""
    layers = []
    if base is not None:
        layers.append(Layer(_anchored(_mapping(base), model, base.parent), base))
    if site is not None:
        layers.append(Layer(_mapping(site), site))
    layers += [Layer(_anchored(data, model, Path.cwd()), None, name) for name, data in environment_overrides()]
    return Layers(tuple(layers), site)


def environment_overrides() -> list[tuple[str, PosDict]]:
    """Each ``HOLYAUDIT__...`` variable as the nested mapping it stands for, by name; its value is read as YAML
    (``636`` a number, ``[a, b]`` a list, ``'yes'`` quoted to stay text)."""
    overrides = []
    for name in sorted(os.environ):
        if not name.startswith(ENV_PREFIX):
            continue
        keys = name[len(ENV_PREFIX) :].casefold().split(ENV_SEPARATOR)
        if not all(keys):
            message = f"environment variable {name}: name keys as HOLYAUDIT__SECTION__KEY (two underscores between)"
            raise InvalidInputError([Problem(None, None, None, message)])
        value = parse_yaml(os.environ[name], Path(name))
        for key in reversed(keys):
            mapping = PosDict()
            mapping[key] = value
            value = mapping
        overrides.append((name, value))
    return overrides


def _mapping(path: Path) -> PosDict:
    data = load_yaml(path)
    if data is None:
        return PosDict()
    if not isinstance(data, PosDict):
        raise InvalidInputError([Problem(path, 1, 1, "expected a YAML mapping at the top level")])
    return data


def _merge(lower: PosDict, upper: PosDict) -> PosDict:
    merged = PosDict()
    merged.pos = upper.pos
    for source in (lower, upper):
        for key, value in source.items():
            below = merged.get(key)
            merged[key] = _merge(below, value) if isinstance(below, PosDict) and isinstance(value, PosDict) else value
            merged.key_pos[key] = source.key_pos.get(key, source.pos)
            merged.value_pos[key] = source.value_pos.get(key, source.pos)
    return merged


def _depth(data: Any, loc: Loc) -> int:
    """How many of ``loc``'s steps ``data`` writes."""
    written = 0
    for part in loc:
        in_mapping = isinstance(data, PosDict) and part in data
        if not in_mapping and not (isinstance(data, PosList) and isinstance(part, int) and 0 <= part < len(data)):
            break
        data = data[part]
        written += 1
    return written


def _anchored(data: PosDict, model: type[BaseModel], folder: Path, *, top: bool = True) -> PosDict:
    """``data`` with each relative path a field of ``model`` holds (and a profile file's name) taken from ``folder``;
    values of the wrong type are left for validation to refuse."""
    for key, value in data.items():
        field = model.model_fields.get(key)
        if field is None:
            continue
        kind = _path_kind(field.annotation)
        if kind == "path" and isinstance(value, str):
            data[key] = _from(folder, value)
        elif kind == "paths" and isinstance(value, PosList):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    value[index] = _from(folder, item)
        elif top and key == "profile" and isinstance(value, str) and value.endswith(_PROFILE_FILE):
            data[key] = _from(folder, value)
        elif isinstance(kind, type) and isinstance(value, PosDict):
            _anchored(value, kind, folder, top=False)
    return data


_PROFILE_FILE = (".yaml", ".yml")
"""A profile named so is a file; otherwise a built-in profile's name."""


def _from(folder: Path, value: str) -> str:
    return value if Path(value).is_absolute() else str(folder / value)


def _path_kind(annotation: Any) -> str | type[BaseModel] | None:
    """What a field holds, as far as paths go: a path, a list of them, a section to look into."""
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    options = typing.get_args(annotation) if union else (annotation,)
    for option in options:
        if option is Path:
            return "path"
        if typing.get_origin(option) is list and typing.get_args(option) == (Path,):
            return "paths"
        if isinstance(option, type) and issubclass(option, BaseModel):
            return option
    return None
