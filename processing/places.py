"""Place tagging from the gazetteer ``config/places.yaml``.

Names and variants are matched like topic phrases (normalised, light-stemmed, whole words,
one Aho-Corasick pass). Names that are also common words (تدمر "destroys") carry
``needs_context`` and only count next to a context cue; the rules are explained at the top
of ``config/places.yaml``. Output per place (DESIGN: article record):
``{id, name_ar, name_en, country, lat, lon}``, in order of first mention.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from processing.normalize import normalize_token
from processing.phrases import Doc, PhraseIndex, phrase_key
from raqib.settings import CONFIG_DIR

__all__ = ["GazetteerError", "Gazetteer", "PlaceTagger", "default_place_tagger",
           "load_gazetteer", "slugify", "tag_places"]

DEFAULT_PATH = CONFIG_DIR / "places.yaml"
_LOCATIVE_RE = re.compile(r"^و?ب")


class GazetteerError(ValueError):
    """The gazetteer is unusable; the message names the file and the place."""


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


def parse_gazetteer(data: Any, source: str = "places.yaml") -> Gazetteer:
    """Validate a loaded YAML document; every error names ``source`` and the place."""
    if not isinstance(data, dict) or not isinstance(data.get("places"), list):
        raise GazetteerError(f"{source}: expected a mapping with a 'places' list")
    places: list[PlaceSpec] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["places"], start=1):
        name = raw.get("id") if isinstance(raw, dict) else None
        label = f"{source}: place {name!r}" if name else f"{source}: place #{i}"
        try:
            place = PlaceSpec.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise GazetteerError(f"{label}: {where + ': ' if where else ''}{err['msg']}") from None
        if place.id in seen:
            raise GazetteerError(f"{label}: duplicate place id")
        seen.add(place.id)
        for text in [*place.names, *place.exclude, *(place.context_before or []),
                     *(place.context_after or [])]:
            if not phrase_key(text):
                raise GazetteerError(f"{label}: {text!r} is empty after normalisation")
        places.append(place)
    try:
        context = Context.model_validate(data.get("context") or {})
    except ValidationError as exc:
        raise GazetteerError(f"{source}: context: {exc.errors()[0]['msg']}") from None
    return Gazetteer(context=context, places=places)


def load_gazetteer(path: Path | str | None = None) -> Gazetteer:
    """Read and validate a gazetteer file (``config/places.yaml`` by default)."""
    path = Path(path) if path else DEFAULT_PATH
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GazetteerError(f"{path}: {exc}") from None
    return parse_gazetteer(data, source=str(path))


_Cues = tuple[dict[int, frozenset[tuple[str, ...]]], dict[int, frozenset[tuple[str, ...]]]]


def _cue_table(phrases: list[str]) -> dict[int, frozenset[tuple[str, ...]]]:
    """Cue phrases as token tuples, grouped by length (looked up beside a name)."""
    table: dict[int, set[tuple[str, ...]]] = {}
    for phrase in phrases:
        key = tuple(phrase_key(phrase).split())
        table.setdefault(len(key), set()).add(key)
    return {n: frozenset(keys) for n, keys in table.items()}


class PlaceTagger:
    """A compiled gazetteer: ``tag(doc)`` returns the places a :class:`Doc` names."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._places = gazetteer.places
        self._records = [p.record() for p in self._places]
        entries: list[tuple[str, tuple]] = []
        shared: _Cues = (_cue_table(gazetteer.context.before),
                         _cue_table(gazetteer.context.after))
        # Per place: None (unambiguous) or (cues, shared?) for names needing context.
        self._context: list[tuple[_Cues, bool] | None] = []
        for pi, place in enumerate(self._places):
            entries += [(text, ("P", pi)) for text in place.names]
            entries += [(text, ("X", pi)) for text in place.exclude]
            if not place.needs_context:
                self._context.append(None)
            elif place.context_before is None and place.context_after is None:
                self._context.append((shared, True))
            else:
                own = (_cue_table(place.context_before or []),
                       _cue_table(place.context_after or []))
                self._context.append((own, False))
        self._index = PhraseIndex(entries)

    def tag(self, doc: Doc) -> list[dict]:
        """Places named in ``doc``, in order of first mention."""
        return [record for record, _first in self.tag_with_positions(doc)]

    def tag_with_positions(self, doc: Doc) -> list[tuple[dict, int]]:
        """Places named in ``doc`` with the first token of their first mention."""
        hits = self._index.find(doc)
        if not hits:
            return []
        names: list[tuple[int, int, int]] = []
        excluded: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for (kind, pi), first, last in hits:
            if kind == "P":
                names.append((pi, first, last))
            else:
                excluded[pi].append((first, last))
        if excluded:
            names = [(pi, f, la) for pi, f, la in names
                     if not any(a <= la and f <= b for a, b in excluded.get(pi, ()))]
        plain = [(f, la) for pi, f, la in names if self._context[pi] is None]
        starts = {f for f, _ in plain}
        ends = {la for _, la in plain}
        found: dict[int, int] = {}
        for pi, first, last in names:
            if pi in found:
                continue
            context = self._context[pi]
            if context is not None and not _has_context(doc, first, last, *context,
                                                        starts, ends):
                continue
            found[pi] = first
        return [(self._records[pi], first) for pi, first in found.items()]


def _has_context(doc: Doc, first: int, last: int, cues: _Cues, shared: bool,
                 starts: set[int], ends: set[int]) -> bool:
    """Is the ambiguous name at tokens ``first..last`` used as a place here?"""
    tokens = doc.tokens
    before, after = cues
    for n, keys in before.items():
        if first >= n and tuple(tokens[first - n:first]) in keys:
            return True
    for n, keys in after.items():
        if tuple(tokens[last + 1:last + 1 + n]) in keys:
            return True
    raw = normalize_token(doc.raw(first))
    stem = tokens[first]
    if raw.startswith("و") and not stem.startswith("و") and first - 1 in ends:
        return True  # "الرمادي في العراق وتدمر"
    if not shared:
        return False
    if _LOCATIVE_RE.match(raw) and not stem.startswith("ب"):
        return True  # بتدمر: "in Palmyra"
    nxt = last + 1
    return nxt < len(tokens) and tokens[nxt] == "في" and nxt + 1 in starts


@lru_cache(maxsize=8)
def _cached_tagger(path: str, mtime: float) -> PlaceTagger:
    return PlaceTagger(load_gazetteer(path))


def default_place_tagger(path: Path | str | None = None) -> PlaceTagger:
    """The tagger for ``config/places.yaml`` (or ``path``), rebuilt when the file changes."""
    path = Path(path) if path else DEFAULT_PATH
    return _cached_tagger(str(path), path.stat().st_mtime)


def tag_places(text: str, tagger: PlaceTagger | None = None) -> list[dict]:
    """Convenience: the places a plain text names."""
    return (tagger or default_place_tagger()).tag(Doc.from_text(text))
