"""Saved searches: ``config/alerts.yaml`` (a contract, see issue 7) and its validation.

::

    alerts:
      - name: coalition-watch
        query: "التحالف الدولي"        # optional, same syntax as raqib search
        topics: [coalition]             # optional filters
        outlets: []
        places: []
        recipients: [analyst@example.org]
        language: ar                    # language of the digest's labels, default ar

Optional extensions: ``max_stories`` (entries per e-mail before "N more", default 20)
and ``send_empty`` (send an e-mail even when nothing is new, default false).
Unknown keys are rejected; every error names the alert and the field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from raqib.settings import CONFIG_DIR

DEFAULT_ALERTS_FILE = CONFIG_DIR / "alerts.yaml"

# A plain ASCII addr-spec: dot-atom local part, a domain of DNS labels with a dot.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


class AlertsConfigError(ValueError):
    """The alerts file cannot be read or is invalid; the message says where and why."""


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise ValueError(f"not a valid e-mail address: {value!r} "
                         "(expected e.g. analyst@example.org)")
    return value


EmailAddress = Annotated[str, AfterValidator(_email)]


class Alert(BaseModel):
    """One saved search and who receives its digest."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    name: str = Field(min_length=1, max_length=120)
    query: str = ""
    topics: list[str] = Field(default_factory=list)
    outlets: list[str] = Field(default_factory=list)
    places: list[str] = Field(default_factory=list)
    recipients: list[EmailAddress] = Field(min_length=1)
    language: Literal["ar", "en"] = "ar"
    max_stories: int = Field(default=20, ge=1, le=200)
    send_empty: bool = False

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if _CONTROL.search(value):
            raise ValueError("must be one line without control characters")
        return value

    @field_validator("query", mode="before")
    @classmethod
    def _query(cls, value: object) -> object:
        return "" if value is None else value

    @field_validator("topics", "outlets", "places", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        return [] if value is None else value

    @field_validator("topics", "outlets", "places")
    @classmethod
    def _no_blank_ids(cls, value: list[str]) -> list[str]:
        if any(not v or _CONTROL.search(v) for v in value):
            raise ValueError("ids must be non-empty single-line strings")
        return value

    @field_validator("recipients")
    @classmethod
    def _unique_recipients(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        for address in value:
            if address.lower() in seen:
                raise ValueError(f"{address!r} is listed twice")
            seen.add(address.lower())
        return value


class AlertsFile(BaseModel):
    """The whole file: a list of alerts with unique names."""

    model_config = ConfigDict(extra="forbid")

    alerts: list[Alert] = Field(default_factory=list)

    @field_validator("alerts", mode="before")
    @classmethod
    def _alerts(cls, value: object) -> object:
        return [] if value is None else value

    @field_validator("alerts")
    @classmethod
    def _unique_names(cls, value: list[Alert]) -> list[Alert]:
        seen: set[str] = set()
        for alert in value:
            if alert.name in seen:
                raise ValueError(f"alert name {alert.name!r} is used twice (names must be unique)")
            seen.add(alert.name)
        return value


def _where(loc: tuple, raw: object) -> str:
    """``('alerts', 1, 'recipients', 0)`` → ``alert 'x' (alerts[1]), field recipients[0]``."""
    if len(loc) < 2 or loc[0] != "alerts" or not isinstance(loc[1], int):
        return "top level" if not loc else f"field {'.'.join(map(str, loc))}"
    index = loc[1]
    name = None
    if isinstance(raw, dict) and isinstance(raw.get("alerts"), list) and index < len(raw["alerts"]):
        item = raw["alerts"][index]
        name = item.get("name") if isinstance(item, dict) else None
    alert = f"alert {name!r} (alerts[{index}])" if name else f"alerts[{index}]"
    rest = loc[2:]
    if not rest:
        return alert
    field = str(rest[0]) + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest[1:])
    return f"{alert}, field {field}"


def parse_alerts(raw: object, source: str = "alerts") -> list[Alert]:
    """Validate already-loaded YAML data; raises AlertsConfigError listing every problem."""
    if raw is None:
        raw = {}
    try:
        return AlertsFile.model_validate(raw).alerts
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if not err["loc"]:
                msg = "expected a mapping with an 'alerts:' list"
            elif err["type"] == "extra_forbidden":
                msg = "unknown key (allowed: " + ", ".join(
                    Alert.model_fields if len(err["loc"]) > 2 else AlertsFile.model_fields) + ")"
            lines.append(f"  {_where(err['loc'], raw)}: {msg}")
        raise AlertsConfigError(f"{source}: invalid alerts file\n" + "\n".join(lines)) from None


def load_alerts(path: str | Path | None = None) -> list[Alert]:
    """Read and validate an alerts file (default ``config/alerts.yaml``)."""
    path = Path(path) if path else DEFAULT_ALERTS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AlertsConfigError(f"{path}: cannot read alerts file: {exc.strerror}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise AlertsConfigError(f"{path}: not valid YAML{where}: {problem}") from None
    return parse_alerts(raw, str(path))
