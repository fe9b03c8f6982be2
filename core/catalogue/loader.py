"""The one YAML → pydantic loader of the configuration files, and its one error format.

Every problem is one line: ``FILE: <kind> '<name>': <field.path>: <message>`` for a problem
inside an entry (an outlet, a topic, a place, an alert), ``FILE: <field.path>: <message>``
for one outside them. All problems of a file are reported together.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar, get_args

import yaml
from pydantic import BaseModel, ValidationError

__all__ = ["ConfigError", "check_unique", "load_file", "parse_data", "read_yaml"]

M = TypeVar("M", bound=BaseModel)


class ConfigError(ValueError):
    """A configuration file cannot be read or is invalid; the message says where and why."""


def check_unique(kind: str, field: str, values: Iterable[str]) -> None:
    """Raise ``ValueError`` (a validation error of the file) on the first repeated value."""
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{kind} {value!r}: duplicate {kind} {field}")
        seen.add(value)


def read_yaml(path: Path, error: type[ConfigError] = ConfigError) -> Any:
    """The parsed YAML of ``path``; unreadable, non-UTF-8 or broken YAML raise ``error``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read the file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{path}: not valid YAML{where}: {problem}") from None


def parse_data(data: Any, model: type[M], source: str, *, items: str, kind: str,
               name: str, error: type[ConfigError] = ConfigError) -> M:
    """Validate loaded YAML with ``model``; entries of the list ``items`` are named by
    their ``name`` field in error messages (``kind 'name'``)."""
    if not isinstance(data, dict):
        raise error(f"{source}: expected a mapping with a {items!r} list")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = [_line(err, data, source, items, kind, name, model) for err in exc.errors()]
        raise error("\n".join(dict.fromkeys(lines))) from None


def load_file(path: str | Path, model: type[M], *, items: str, kind: str, name: str,
              error: type[ConfigError] = ConfigError) -> M:
    """Read and validate one configuration file."""
    path = Path(path)
    return parse_data(read_yaml(path, error), model, str(path), items=items, kind=kind,
                      name=name, error=error)


def _line(err: dict, data: dict, source: str, items: str, kind: str, name: str,
          model: type[BaseModel]) -> str:
    loc = list(err["loc"])
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden" and len(loc) in (1, 3):
        fields = model.model_fields if len(loc) == 1 else _item_model(model, items).model_fields
        message = f"unknown key (allowed: {', '.join(fields)})"
    if len(loc) >= 2 and loc[0] == items and isinstance(loc[1], int):
        label = f"{kind} #{loc[1] + 1}"
        with contextlib.suppress(IndexError, TypeError, AttributeError, KeyError):
            if value := data[items][loc[1]].get(name):
                label = f"{kind} {value!r}"
        field = ".".join(str(p) for p in loc[2:])
        return (f"{source}: {label}: {field}: {message}" if field
                else f"{source}: {label}: {message}")
    field = ".".join(str(p) for p in loc)
    return f"{source}: {field}: {message}" if field else f"{source}: {message}"


def _item_model(model: type[BaseModel], items: str) -> type[BaseModel]:
    """The model of one entry of the ``items`` list of a file model."""
    return get_args(model.model_fields[items].annotation)[0]
