"""Place tagging from the gazetteer (:class:`core.catalogue.places.Gazetteer`).

Names and variants are matched like topic phrases (normalised, light-stemmed, whole words,
one Aho-Corasick pass). Names that are also common words (تدمر "destroys") carry
``needs_context`` and only count next to a context cue; the rules are explained at the top
of ``config/places.yaml``. Stemming may also cut a name down to another word — السليمانية
to سليمان, السعودية to سعود, الحديدة to حديد, personal names all — so a word that is only
the beginning of a name never counts as the name (a country's adjective, السعودي or
السوري, still does). Output per place (docs/architecture.md: the article record):
``{id, name_ar, name_en, country, lat, lon}``, in order of first mention.
"""

from __future__ import annotations

import re
from collections import defaultdict

from core.catalogue.places import Gazetteer
from processing.normalize import TOKEN_RE, name_forms, normalize_token
from processing.phrases import Doc, PhraseIndex, phrase_key

__all__ = ["PlaceTagger", "tag_places"]

_LOCATIVE_RE = re.compile(r"^و?ب")
_ARABIC_RE = re.compile(r"[\u0621-\u064a]")


def _beginnings(text: str, adjective_ok: bool) -> tuple[frozenset[str], ...]:
    """Per word of a name, the spellings (with proclitics) of its proper beginnings: the
    words stemming may fold into it (السعودية: سعود, بسعود …). With ``adjective_ok`` a
    beginning ending in ي (the adjective of a country: السعودي) is not one of them."""
    out = []
    for word in TOKEN_RE.findall(text):
        norm = normalize_token(word)
        core = norm[2:] if norm.startswith("ال") and len(norm) > 4 else norm
        forms: set[str] = set()
        if _ARABIC_RE.search(core):
            for k in range(2, len(core)):
                if not (adjective_ok and core[k - 1] == "ي"):
                    forms |= name_forms(core[:k])
        out.append(frozenset(forms))
    return tuple(out)


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
        self._cut: list[tuple[frozenset[str], ...]] = []  # per name: see _beginnings
        for pi, place in enumerate(self._places):
            for text in place.names:
                entries.append((text, ("P", pi, len(self._cut))))
                self._cut.append(_beginnings(text, place.kind == "country"))
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
        for (kind, pi, *name), first, last in hits:
            if kind == "X":
                excluded[pi].append((first, last))
            elif not self._cut_short(doc, first, last, self._cut[name[0]]):
                names.append((pi, first, last))
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

    @staticmethod
    def _cut_short(doc: Doc, first: int, last: int, cut: tuple[frozenset[str], ...]) -> bool:
        """Is a matched word only the beginning of the name's word (سعود for السعودية)?"""
        if len(cut) != last - first + 1:
            return False  # NFKC changed the word count: keep the stemmed match
        for k, forms in enumerate(cut):  # a loop: a generator costs more, hits are many
            if forms and normalize_token(doc.raw(first + k)) in forms:
                return True
        return False


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


def tag_places(text: str, tagger: PlaceTagger) -> list[dict]:
    """Convenience: the places a plain text names."""
    return tagger.tag(Doc.from_text(text))
