"""Saved searches: ``config/alerts.yaml`` (a contract) and its validation.

::

    alerts:
      - name: coalition-watch
        query: "التحالف الدولي"        # optional, same syntax as raqib search
        topics: [coalition]             # optional filters
        outlets: []
        places: []
        recipients: [analyst@example.org]
        language: ar                    # language of the digest's labels, default ar

Optional extensions: ``max_stories`` (entries per e-mail before "N more", default 20),
``send_empty`` (send an e-mail even when nothing is new, default false), and two kinds of
alerts sent within minutes of indexing (``raqib digest --breaking``, the breaking DAG)::

        breaking: {min_outlets: 3, within: 2h}   # a story N outlets picked up within 2 h
        rising: {min_score: 3}                   # a topic/place of the alert is rising

Unknown keys are rejected; every error names the alert and the field.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from core.catalogue.loader import ConfigError, parse_data, read_yaml

# A plain ASCII addr-spec: dot-atom local part, a domain of DNS labels with a dot.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


class AlertsConfigError(ConfigError):
    """The alerts file cannot be read or is invalid; the message says where and why."""


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise ValueError(f"not a valid e-mail address: {value!r} "
                         "(expected e.g. analyst@example.org)")
    return value


EmailAddress = Annotated[str, AfterValidator(_email)]


_DURATION = re.compile(r"^\s*(\d{1,4})\s*([mhd])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class Breaking(BaseModel):
    """A story breaking: at least ``min_outlets`` outlets carried it within ``within``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_outlets: int = Field(default=3, ge=2, le=50)
    within: str = "2h"

    @field_validator("within")
    @classmethod
    def _within(cls, value: str) -> str:
        if not _DURATION.match(value):
            raise ValueError(f"expected a duration like 30m, 2h or 1d, got {value!r}")
        return value.strip()

    @property
    def window(self) -> timedelta:
        """``within`` as a duration."""
        amount, unit = _DURATION.match(self.within).groups()  # type: ignore[union-attr]
        return timedelta(**{_UNITS[unit]: int(amount)})


class Rising(BaseModel):
    """One of the alert's topics or places (all topics if it has none) is rising."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_score: float = Field(default=3.0, gt=0, le=100)


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
    breaking: Breaking | None = None
    rising: Rising | None = None

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
                raise ValueError(f"alert {alert.name!r}: name used twice (names must be unique)")
            seen.add(alert.name)
        return value


def parse_alerts(raw: object, source: str = "alerts") -> list[Alert]:
    """Validate already-loaded YAML data; raises AlertsConfigError listing every problem."""
    return parse_data({} if raw is None else raw, AlertsFile, source, items="alerts",
                      kind="alert", name="name", error=AlertsConfigError).alerts


def load_alerts(path: str | Path) -> list[Alert]:
    """Read and validate an alerts file (an empty file has no alerts)."""
    return parse_alerts(read_yaml(Path(path), AlertsConfigError), str(path))
