"""The outlets file (``config/outlets.yaml``): schema, validation and loading.

The format is a contract (other tools write such files)::

    outlets:
      - name: elnashra                 # machine name, [a-z0-9_-]
        display_name: النشرة
        domains: [elnashra.com, www.elnashra.com]
        feeds: []                      # RSS or Atom URLs
        sitemaps: []                   # news sitemaps or sitemap indexes
        sections: []                   # listing pages
        article_url_pattern: '/news/show/\\d+'   # regex searched in the URL
        timezone: Asia/Beirut
        utc_is_local: false            # optional: pages write local time marked as UTC
        language: ar                   # expected language, optional
        selectors: {}                  # optional CSS overrides

``utc_is_local`` is for outlets whose pages label their local wall-clock time as
UTC (``2024-05-20T07:00:00Z`` for an article published at 07:00 in Cairo): with it,
a ``Z`` / ``+00:00`` / ``GMT`` date on the page is read as local time in ``timezone``.

Validation errors are raised as :class:`OutletsConfigError` whose message names the
outlet and the field, e.g. ``outlets.yaml: outlet 'aljazeera': timezone: unknown time zone``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from core.catalogue.loader import ConfigError, check_unique, load_file, parse_data


class OutletsConfigError(ConfigError):
    """The outlets file is missing, unreadable or invalid."""


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {value!r}")
    return value


def _check_domain(value: str) -> str:
    value = value.strip().lower()
    if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", value) or ".." in value:
        raise ValueError(f"not a host name: {value!r}")
    return value


def _check_css(value: str) -> str:
    from cssselect import GenericTranslator, SelectorError

    try:
        GenericTranslator().css_to_xpath(value)
    except SelectorError as exc:
        raise ValueError(f"bad CSS selector {value!r}: {exc}") from None
    return value


Url = Annotated[str, AfterValidator(_check_url)]
Domain = Annotated[str, AfterValidator(_check_domain)]
Css = Annotated[str, AfterValidator(_check_css)]


class Selectors(BaseModel):
    """Optional CSS selectors that override generic extraction for one field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Css | None = None
    lead: Css | None = None
    body: Css | None = None
    date: Css | None = None
    author: Css | None = None
    section: Css | None = None


class Outlet(BaseModel):
    """One outlet: where its articles are listed and how to recognise them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9_-]+$")
    display_name: str = Field(min_length=1)
    domains: list[Domain] = Field(min_length=1)
    feeds: list[Url] = []
    sitemaps: list[Url] = []
    sections: list[Url] = []
    article_url_pattern: str
    timezone: str
    utc_is_local: bool = False
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    selectors: Selectors = Selectors()

    @field_validator("article_url_pattern")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"bad regular expression {value!r}: {exc}") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _has_sources(self) -> Outlet:
        if not (self.feeds or self.sitemaps or self.sections):
            raise ValueError("needs at least one of feeds, sitemaps, sections")
        return self

    @property
    def url_regex(self) -> re.Pattern[str]:
        return re.compile(self.article_url_pattern)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class OutletsFile(BaseModel):
    """The whole file: a list of outlets with unique names."""

    model_config = ConfigDict(extra="forbid")

    outlets: list[Outlet] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> OutletsFile:
        check_unique("outlet", "name", (outlet.name for outlet in self.outlets))
        return self


def parse_outlets(data: Any, source: str = "<data>") -> list[Outlet]:
    """Validate already-parsed YAML data; raise :class:`OutletsConfigError`."""
    return parse_data(data, OutletsFile, source, items="outlets", kind="outlet", name="name",
                      error=OutletsConfigError).outlets


def load_outlets(path: str | Path, names: list[str] | None = None) -> list[Outlet]:
    """Load and validate an outlets file; ``names`` selects outlets (unknown: an error)."""
    outlets = load_file(path, OutletsFile, items="outlets", kind="outlet", name="name",
                        error=OutletsConfigError).outlets
    if names:
        known = {o.name: o for o in outlets}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise OutletsConfigError(
                f"{path}: unknown outlet(s) {', '.join(unknown)}; known: {', '.join(known)}"
            )
        outlets = [known[n] for n in dict.fromkeys(names)]
    return outlets
