"""Explainable topic tagging from ``config/topics.yaml``.

The taxonomy is validated with pydantic; a broken one (duplicate ids, empty phrases, bad
weights, unknown keys or topic references) raises :class:`TaxonomyError` naming the
topic. All phrases of all topics — triggers, exclusions and context phrases — go into one
Aho-Corasick automaton (:class:`processing.phrases.PhraseIndex`), so a document is scanned
once. The rules (exclude, near, near_topics, not_near, definite, weights, threshold) are
explained at the top of ``config/topics.yaml``.

Output per tagged topic (DESIGN: article record): ``{id, label_ar, label_en, score,
evidence}`` where ``evidence`` lists the phrases that fired, as written in the text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from processing.normalize import normalize_token
from processing.phrases import Doc, PhraseIndex, phrase_key
from raqib.settings import CONFIG_DIR

__all__ = [
    "TaxonomyError",
    "Taxonomy",
    "TopicSpec",
    "TopicTagger",
    "default_tagger",
    "load_taxonomy",
    "tag_topics",
]

DEFAULT_PATH = CONFIG_DIR / "topics.yaml"
MAX_EVIDENCE = 10
_ARTICLE_RE = re.compile(r"^(?:[وف]?[بك]?ال|[وف]?لل)")


class TaxonomyError(ValueError):
    """The taxonomy file is unusable; the message names the file and the topic."""


class PhraseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    variants: list[str] = []
    weight: float = Field(1.0, gt=0, le=10)
    near: list[str] = []
    near_topics: list[str] = []
    not_near: list[str] = []
    window: int | None = Field(None, ge=1, le=500)
    definite: bool = False

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


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    threshold: float = Field(1.0, gt=0)
    window: int = Field(25, ge=1, le=500)


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    defaults: Defaults = Defaults()
    topics: list[TopicSpec]

    def topic(self, topic_id: str) -> TopicSpec:
        return next(t for t in self.topics if t.id == topic_id)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]


def parse_taxonomy(data: Any, source: str = "topics.yaml") -> Taxonomy:
    """Validate a loaded YAML document; every error names ``source`` and the topic."""
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        raise TaxonomyError(f"{source}: expected a mapping with a 'topics' list")
    topics: list[TopicSpec] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["topics"], start=1):
        name = raw.get("id") if isinstance(raw, dict) else None
        label = f"{source}: topic {name!r}" if name else f"{source}: topic #{i}"
        try:
            topic = TopicSpec.model_validate(raw)
        except ValidationError as exc:
            raise TaxonomyError(f"{label}: {_first_error(exc)}") from None
        if topic.id in seen:
            raise TaxonomyError(f"{label}: duplicate topic id")
        seen.add(topic.id)
        _check_phrases(topic, label)
        topics.append(topic)
    try:
        taxonomy = Taxonomy.model_validate({"defaults": data.get("defaults") or {}, "topics": []})
    except ValidationError as exc:
        raise TaxonomyError(f"{source}: defaults: {_first_error(exc)}") from None
    for topic in topics:
        for phrase in topic.phrases:
            for ref in phrase.near_topics:
                if ref not in seen:
                    raise TaxonomyError(
                        f"{source}: topic {topic.id!r}: near_topics refers to unknown topic {ref!r}"
                    )
    return taxonomy.model_copy(update={"topics": topics})


def _check_phrases(topic: TopicSpec, label: str) -> None:
    triggers: set[str] = set()
    for phrase in topic.phrases:
        for group, items in (("phrase", phrase.surfaces), ("near", phrase.near),
                             ("not_near", phrase.not_near)):
            for text in items:
                if not phrase_key(text):
                    raise TaxonomyError(f"{label}: {group} {text!r} is empty after normalisation")
        triggers.update(phrase_key(s) for s in phrase.surfaces)
    for text in topic.exclude:
        key = phrase_key(text)
        if not key:
            raise TaxonomyError(f"{label}: exclude {text!r} is empty after normalisation")
        if key in triggers:
            raise TaxonomyError(f"{label}: {text!r} is both a phrase and an exclusion")


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    """Read and validate a taxonomy file (``config/topics.yaml`` by default)."""
    path = Path(path) if path else DEFAULT_PATH
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"{path}: {exc}") from None
    return parse_taxonomy(data, source=str(path))


@dataclass(frozen=True)
class _Rule:
    topic: int
    phrase: int
    weight: float
    window: int
    near: frozenset[int]
    near_topics: tuple[int, ...]
    not_near: frozenset[int]
    definite: bool
    conditional: bool


class TopicTagger:
    """A compiled taxonomy: ``tag(doc)`` returns the topics of a :class:`Doc`."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._topics = taxonomy.topics
        self._thresholds = [t.threshold or taxonomy.defaults.threshold for t in self._topics]
        index = {t.id: i for i, t in enumerate(self._topics)}
        contexts: dict[str, int] = {}
        entries: list[tuple[str, tuple]] = []
        self._rules: list[_Rule] = []

        def ctx_ids(texts: list[str]) -> frozenset[int]:
            ids = set()
            for text in texts:
                cid = contexts.setdefault(phrase_key(text), len(contexts))
                entries.append((text, ("C", cid)))
                ids.add(cid)
            return frozenset(ids)

        for ti, topic in enumerate(self._topics):
            for text in topic.exclude:
                entries.append((text, ("X", ti)))
            for pi, phrase in enumerate(topic.phrases):
                rule = _Rule(
                    topic=ti,
                    phrase=pi,
                    weight=phrase.weight,
                    window=phrase.window or topic.window or taxonomy.defaults.window,
                    near=ctx_ids(phrase.near),
                    near_topics=tuple(index[r] for r in phrase.near_topics),
                    not_near=ctx_ids(phrase.not_near),
                    definite=phrase.definite,
                    conditional=phrase.conditional,
                )
                rid = len(self._rules)
                self._rules.append(rule)
                for text in phrase.surfaces:
                    entries.append((text, ("T", rid)))
        self._index = PhraseIndex(entries)

    def tag(self, doc: Doc) -> list[dict]:
        """Topics of ``doc`` with score and evidence, highest score first."""
        hits = self._index.find(doc)
        if not hits:
            return []
        triggers: list[tuple[_Rule, int, int]] = []
        excluded: dict[int, list[tuple[int, int]]] = defaultdict(list)
        context: dict[int, list[tuple[int, int]]] = defaultdict(list)
        strong: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for (kind, ref), first, last in hits:
            span = (first, last)
            if kind == "T":
                rule = self._rules[ref]
                triggers.append((rule, *span))
                if not rule.conditional:
                    strong[rule.topic].append(span)
            elif kind == "X":
                excluded[ref].append(span)
            else:
                context[ref].append(span)

        fired: dict[int, dict[int, float]] = defaultdict(dict)
        evidence: dict[int, list[str]] = defaultdict(list)
        quoted: set[tuple] = set()
        for rule, first, last in triggers:
            if any(a <= last and first <= b for a, b in excluded.get(rule.topic, ())):
                continue
            if rule.conditional and not self._context_ok(rule, first, last, doc, context, strong):
                continue
            fired[rule.topic][rule.phrase] = rule.weight
            quotes = evidence[rule.topic]
            key = (rule.topic, doc.raw(first), doc.raw(last), last - first)
            if key not in quoted and len(quotes) < MAX_EVIDENCE:
                quoted.add(key)  # the same words as written: quote once
                quote = doc.quote(first, last)
                if quote not in quotes:
                    quotes.append(quote)

        out = []
        for ti, phrases in fired.items():
            score = round(sum(phrases.values()), 2)
            if score >= self._thresholds[ti]:
                topic = self._topics[ti]
                out.append({"id": topic.id, "label_ar": topic.label_ar,
                            "label_en": topic.label_en, "score": score,
                            "evidence": evidence[ti]})
        out.sort(key=lambda t: -t["score"])
        return out

    @staticmethod
    def _context_ok(rule: _Rule, first: int, last: int, doc: Doc,
                    context: dict[int, list[tuple[int, int]]],
                    strong: dict[int, list[tuple[int, int]]]) -> bool:
        w = rule.window

        def near(spans: list[tuple[int, int]]) -> bool:
            return any(a - last <= w and first - b <= w and (a, b) != (first, last)
                       for a, b in spans)

        if rule.definite and not _ARTICLE_RE.match(normalize_token(doc.raw(first))):
            return False
        if rule.not_near and any(near(context.get(c, [])) for c in rule.not_near):
            return False
        if rule.near or rule.near_topics:
            return (any(near(context.get(c, [])) for c in rule.near)
                    or any(near(strong.get(t, [])) for t in rule.near_topics))
        return True


@lru_cache(maxsize=8)
def _cached_tagger(path: str, mtime: float) -> TopicTagger:
    return TopicTagger(load_taxonomy(path))


def default_tagger(path: Path | str | None = None) -> TopicTagger:
    """The tagger for ``config/topics.yaml`` (or ``path``), rebuilt when the file changes."""
    path = Path(path) if path else DEFAULT_PATH
    return _cached_tagger(str(path), path.stat().st_mtime)


def tag_topics(text: str, tagger: TopicTagger | None = None) -> list[dict]:
    """Convenience: the topics of a plain text."""
    return (tagger or default_tagger()).tag(Doc.from_text(text))
