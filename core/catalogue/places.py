"""The gazetteer (``config/places.yaml``): its model and validation.

The matching rules (variants, exclusions, names that need context) are documented at the
top of ``config/places.yaml``; :mod:`processing.places` compiles a :class:`Gazetteer`.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.catalogue.loader import ConfigError, check_unique, load_file, parse_data

__all__ = ["Context", "Gazetteer", "GazetteerError", "PlaceSpec", "load_gazetteer",
           "parse_gazetteer", "slugify"]


def _normalisable(texts: list[str]) -> list[str]:
    from processing.normalize import normalize_for_search  # a leaf module: no cycle

    for text in texts:
        if not normalize_for_search(text):
            raise ValueError(f"{text!r} is empty after normalisation")
    return texts


class GazetteerError(ConfigError):
    """The gazetteer is unusable; the message names the file, the place and the field."""


def slugify(name: str) -> str:
    """Lowercase ASCII slug: "Deir ez-Zor" → "deir-ez-zor"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


class PlaceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    name_en: str = Field(min_length=1)
    name_ar: str = Field(min_length=1)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    kind: Literal["city", "province", "region", "country"]
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    variants: list[str] = []
    exclude: list[str] = []
    needs_context: bool = False
    context_before: list[str] | None = None
    context_after: list[str] | None = None

    @field_validator("name_ar", "name_en")
    @classmethod
    def _name(cls, value: str) -> str:
        return _normalisable([value])[0]

    @field_validator("variants", "exclude", "context_before", "context_after")
    @classmethod
    def _phrases(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _normalisable(value)

    @model_validator(mode="after")
    def _id_is_slug(self) -> PlaceSpec:
        if self.id != slugify(self.name_en):
            raise ValueError(f"id must be the slug of name_en ({slugify(self.name_en)!r})")
        return self

    @property
    def names(self) -> list[str]:
        return [self.name_ar, self.name_en, *self.variants]

    def record(self) -> dict:
        return {"id": self.id, "name_ar": self.name_ar, "name_en": self.name_en,
                "country": self.country, "lat": self.lat, "lon": self.lon}


class Context(BaseModel):
    model_config = ConfigDict(extra="forbid")

    before: list[str] = []
    after: list[str] = []


class Gazetteer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    context: Context = Context()
    places: list[PlaceSpec]

    @model_validator(mode="after")
    def _unique_ids(self) -> Gazetteer:
        check_unique("place", "id", (place.id for place in self.places))
        return self


def parse_gazetteer(data: Any, source: str = "places.yaml") -> Gazetteer:
    """Validate a loaded YAML document; every error names ``source``, the place and field."""
    return parse_data(data, Gazetteer, source, items="places", kind="place", name="id",
                      error=GazetteerError)


def load_gazetteer(path: str | Path) -> Gazetteer:
    """Read and validate a gazetteer file."""
    return load_file(path, Gazetteer, items="places", kind="place", name="id",
                     error=GazetteerError)
