"""The topic taxonomy (``config/topics.yaml``): its model and validation.

The model of cues, context rules and salience is documented at the top of
``config/topics.yaml``; :mod:`processing.topics` compiles a :class:`Taxonomy` into a tagger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.catalogue.loader import ConfigError, check_unique, load_file, parse_data

__all__ = ["Defaults", "PhraseSpec", "Salience", "Taxonomy", "TaxonomyError", "TopicSpec",
           "load_taxonomy", "parse_taxonomy"]


class TaxonomyError(ConfigError):
    """The taxonomy is unusable; the message names the file, the topic and the field."""


def _normalisable(texts: list[str]) -> list[str]:
    from processing.normalize import normalize_for_search  # a leaf module: no cycle

    for text in texts:
        if not normalize_for_search(text):
            raise ValueError(f"{text!r} is empty after normalisation")
    return texts


class PhraseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    variants: list[str] = []
    strength: Literal["strong", "weak"] = "strong"
    name: bool = False
    near: list[str] = []
    near_topics: list[str] = []
    not_near: list[str] = []
    weak_after: list[str] = []
    window: int | None = Field(None, ge=1, le=500)
    definite: bool = False

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return _normalisable([value])[0]

    @field_validator("variants", "near", "not_near", "weak_after")
    @classmethod
    def _phrases(cls, value: list[str]) -> list[str]:
        return _normalisable(value)

    @property
    def surfaces(self) -> list[str]:
        return [self.text, *self.variants]

    @property
    def conditional(self) -> bool:
        return bool(self.near or self.near_topics or self.not_near or self.definite)


class TopicSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label_ar: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    description: str = Field(min_length=1)
    threshold: float | None = Field(None, gt=0)
    window: int | None = Field(None, ge=1, le=500)
    exclude: list[str] = []
    phrases: list[PhraseSpec] = Field(min_length=1)

    @field_validator("phrases", mode="before")
    @classmethod
    def _strings_are_phrases(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"text": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("exclude")
    @classmethod
    def _exclude(cls, value: list[str]) -> list[str]:
        return _normalisable(value)

    @model_validator(mode="after")
    def _exclusions_are_not_cues(self) -> TopicSpec:
        from processing.normalize import normalize_for_search

        cues = {normalize_for_search(s) for p in self.phrases for s in p.surfaces}
        for text in self.exclude:
            if normalize_for_search(text) in cues:
                raise ValueError(f"exclude: {text!r} is both a phrase and an exclusion")
        return self


class Salience(BaseModel):
    """Weights of the salience model (``defaults.salience``; see config/topics.yaml)."""

    model_config = ConfigDict(extra="forbid")

    title: float = Field(2.0, ge=0, le=10)
    lead: float = Field(1.5, ge=0, le=10)
    sentence: float = Field(1.0, ge=0, le=10)
    weak: float = Field(0.5, gt=0, le=1)
    dense: float = Field(0.5, ge=0, le=10)
    lead_sentences: int = Field(2, ge=0, le=10)
    share: float = Field(0.5, gt=0, le=1)
    teaser_overlap: float = Field(0.1, ge=0, le=1)
    teaser_head_paragraphs: int = Field(3, ge=1, le=20)


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    threshold: float = Field(3.0, gt=0)
    window: int = Field(25, ge=1, le=500)
    salience: Salience = Salience()
    other_fields: list[str] = []
    list_peers: list[str] = []
    list_length: int = Field(3, ge=2, le=20)

    @field_validator("other_fields", "list_peers")
    @classmethod
    def _other_fields(cls, value: list[str]) -> list[str]:
        return _normalisable(value)


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    defaults: Defaults = Defaults()
    topics: list[TopicSpec]

    @model_validator(mode="after")
    def _ids_and_references(self) -> Taxonomy:
        check_unique("topic", "id", (topic.id for topic in self.topics))
        seen = {topic.id for topic in self.topics}
        for topic in self.topics:
            for pi, phrase in enumerate(topic.phrases):
                for ref in phrase.near_topics:
                    if ref not in seen:
                        raise ValueError(f"topic {topic.id!r}: phrases.{pi}.near_topics refers "
                                         f"to unknown topic {ref!r}")
        return self

    def topic(self, topic_id: str) -> TopicSpec:
        return next(t for t in self.topics if t.id == topic_id)


def parse_taxonomy(data: Any, source: str = "topics.yaml") -> Taxonomy:
    """Validate a loaded YAML document; every error names ``source``, the topic and field."""
    return parse_data(data, Taxonomy, source, items="topics", kind="topic", name="id",
                      error=TaxonomyError)


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Read and validate a taxonomy file."""
    return load_file(path, Taxonomy, items="topics", kind="topic", name="id",
                     error=TaxonomyError)
