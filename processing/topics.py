"""Explainable topic tagging from ``config/topics.yaml``: cues, context rules and salience.

The taxonomy (:class:`core.catalogue.topics.Taxonomy`, validated by the catalogue) is
compiled here into a :class:`TopicTagger`. All phrases of all topics — cues, exclusions and
context phrases — go into one Aho-Corasick automaton (:class:`processing.phrases.PhraseIndex`),
so a document is scanned once.

A topic is tagged when it is a *subject* of the article, not when it is merely mentioned.
Every cue that survives its context rules (exclude, near, near_topics, not_near, definite,
name; a name in a list of ``defaults.list_peers`` counts nothing) lands in a sentence;
each sentence that carries a cue adds its zone's weight (headline, lead, body; the teaser
tail adds nothing) times the cue's strength (strong 1, weak ``salience.weak``). The topic
is tagged when that salience reaches the topic's threshold, or when the cues cover at
least ``salience.share`` of the sentences (a short text about one thing). The model and
its defaults are documented at the top of ``config/topics.yaml``.

Output per tagged topic (the article record, docs/architecture.md): ``{id, label_ar, label_en,
score, evidence}`` plus why it passed: ``in_title``, ``in_lead``, ``mentions``,
``sentences``, ``paragraphs``, ``cues``. ``score`` is the salience; ``evidence`` lists the
phrases that fired, as written in the text.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from core.catalogue.topics import Taxonomy
from processing.normalize import TOKEN_RE, name_forms, normalize_token
from processing.phrases import Doc, PhraseIndex, phrase_key
from processing.salience import Zones, teaser_start

__all__ = ["Cue", "TopicTagger", "tag_topics"]

MAX_EVIDENCE = 10
WEAK_AFTER_GAP = 3  # words between a weak_after phrase and the cue, at most 2
_ARTICLE_RE = re.compile(r"^(?:[وف]?[بك]?ال|[وف]?لل)")


@dataclass(frozen=True)
class _Rule:
    topic: int
    phrase: int
    strength: float
    window: int
    near: frozenset[int]
    near_topics: tuple[int, ...]
    not_near: frozenset[int]
    definite: bool
    conditional: bool
    weak_after: dict[str, tuple[tuple[str, ...], ...]]  # last word -> whole phrases
    names: tuple[tuple[frozenset[str], ...], ...]  # per surface: allowed forms per word


class Cue(NamedTuple):  # a tuple: made ~50 times per article, twice as fast as a dataclass
    """One cue occurrence that counted for a topic (tokens ``first..last``)."""

    rule: _Rule
    first: int
    last: int
    weak: bool = False  # a weak_after phrase stands right before it

    def strength(self, weak: float) -> float:
        return weak if self.weak else self.rule.strength


class TopicTagger:
    """A compiled taxonomy: ``tag(doc)`` returns the topics of a :class:`Doc`."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.salience = taxonomy.defaults.salience
        self._topics = taxonomy.topics
        self._by_id = {t.id: t for t in taxonomy.topics}
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
                names = tuple(
                    tuple(name_forms(normalize_token(w)) for w in TOKEN_RE.findall(text))
                    for text in phrase.surfaces) if phrase.name else ()
                rule = _Rule(
                    topic=ti,
                    phrase=pi,
                    strength=1.0 if phrase.strength == "strong" else self.salience.weak,
                    window=phrase.window or topic.window or taxonomy.defaults.window,
                    near=ctx_ids(phrase.near),
                    near_topics=tuple(index[r] for r in phrase.near_topics),
                    not_near=ctx_ids(phrase.not_near),
                    definite=phrase.definite,
                    conditional=phrase.conditional,
                    weak_after=_by_last_word(phrase.weak_after),
                    names=names,
                )
                rid = len(self._rules)
                self._rules.append(rule)
                for si, text in enumerate(phrase.surfaces):
                    entries.append((text, ("T", rid, si)))
        entries += [(text, ("F",)) for text in taxonomy.defaults.other_fields]
        entries += [(text, ("P",)) for text in taxonomy.defaults.list_peers]
        self._list_length = taxonomy.defaults.list_length
        self._index = PhraseIndex(entries)

    def _scan(self, doc: Doc) -> tuple[list[tuple[_Rule, int, int]], dict, dict, list[int],
                                       dict[int, int]]:
        """Cue matches (name rule applied, one per cue and place), exclusions, contexts,
        where phrases of another field (``defaults.other_fields``) start, and the spans of
        ``defaults.list_peers`` (first token → last)."""
        triggers: list[tuple[_Rule, int, int]] = []
        excluded: dict[int, list[tuple[int, int]]] = defaultdict(list)
        context: dict[int, list[tuple[int, int]]] = defaultdict(list)
        fields: list[int] = []
        peers: dict[int, int] = {}
        seen: set[tuple[int, int, int]] = set()
        for payload, first, last in self._index.find(doc):
            kind = payload[0]
            if kind == "T":
                rule = self._rules[payload[1]]
                key = (payload[1], first, last)  # several spellings of a cue share a key
                if key in seen or (rule.names and not _is_name(doc, first, last,
                                                               rule.names[payload[2]])):
                    continue
                seen.add(key)
                triggers.append((rule, first, last))
            elif kind == "X":
                excluded[payload[1]].append((first, last))
            elif kind == "C":
                context[payload[1]].append((first, last))
            elif kind == "P":
                peers[first] = max(last, peers.get(first, last))
            else:
                fields.append(first)
        return triggers, excluded, context, fields, peers

    def matches(self, doc: Doc) -> Iterator[tuple[str, str, int, int]]:
        """Cue matches before context rules: (topic id, phrase text, first, last)."""
        for rule, first, last in self._scan(doc)[0]:
            topic = self._topics[rule.topic]
            yield topic.id, topic.phrases[rule.phrase].text, first, last

    def cues(self, doc: Doc) -> dict[int, list[Cue]]:
        """The cues that count, per topic index: context rules applied, salience not yet."""
        return self._cues(doc)[0]

    def _cues(self, doc: Doc) -> tuple[dict[int, list[Cue]], list[int]]:
        triggers, excluded, context, fields, peers = self._scan(doc)
        if not triggers:
            return {}, fields
        if peers:  # a name in a list of peers ("فلسطين واليمن وسوريا") is a passing mention
            ends = {b: a for a, b in peers.items()}
            triggers = [t for t in triggers
                        if _list_length(doc, t[1], t[2], peers, ends) < self._list_length]
        found: dict[int, list[Cue]] = defaultdict(list)
        counted: dict[int, list[tuple[int, int]]] = defaultdict(list)
        spans = _Spans(context)
        # Two passes: cues that need another topic nearby (near_topics) look at the cues
        # of that topic that counted on their own in the first pass.
        for second in (False, True):
            for rule, first, last in triggers:
                if bool(rule.near_topics) != second:
                    continue
                if (spans_out := excluded.get(rule.topic)) and any(
                        a <= last and first <= b for a, b in spans_out):
                    continue
                if rule.conditional and not _context_ok(rule, first, last, doc, spans,
                                                        counted):
                    continue
                weak = bool(rule.weak_after) and _ends_before(doc.tokens, rule.weak_after,
                                                              first)
                found[rule.topic].append(Cue(rule, first, last, weak))
                if not second:
                    counted[rule.topic].append((first, last))
        for cues in found.values():
            cues.sort(key=lambda c: c.first)
        return found, fields

    def explain(self, doc: Doc, all_evidence: bool = True) -> dict[str, dict]:
        """Every topic with a cue that counted: salience, why, ``passed`` and ``evidence``
        (for the topics that passed only, unless ``all_evidence``)."""
        found, fields = self._cues(doc)
        if not found:
            return {}
        last = max(c.first for cues in found.values() for c in cues)
        head = self.salience.teaser_head_paragraphs
        tail = (teaser_start(doc, self.salience)
                if doc.sentence_paragraphs[doc.sentence_of(last)] > head else None)
        zones = Zones(doc, self.salience, tail)
        # an article of another field (sport…) by its headline or lead: only a topic in
        # the headline is one of its subjects
        other = any(zones.zones[doc.sentence_of(f)] in ("title", "lead") for f in fields)
        weak = self.salience.weak
        out = {}
        for ti, cues in found.items():
            why = zones.measure([(c.first, c.strength(weak), c.rule.phrase) for c in cues])
            strong = why.pop("strong")
            why["passed"] = strong > 0 and (why["score"] >= self._thresholds[ti]
                                            or zones.covers(why, self.salience.share))
            if other and not why["in_title"]:
                why["passed"], why["other_field"] = False, True
            if why["passed"] or all_evidence:
                why["evidence"] = _evidence(doc, cues)
            out[self._topics[ti].id] = why
        return out

    def tag(self, doc: Doc) -> list[dict]:
        """Topics of ``doc`` that are its subjects, with salience and evidence, best first."""
        out = []
        for tid, why in self.explain(doc, all_evidence=False).items():
            if not why.pop("passed"):
                continue
            topic = self._by_id[tid]
            out.append({"id": tid, "label_ar": topic.label_ar, "label_en": topic.label_en,
                        "score": why.pop("score"), "evidence": why.pop("evidence"), **why})
        out.sort(key=lambda t: -t["score"])
        return out


def _is_name(doc: Doc, first: int, last: int, forms: tuple[frozenset[str], ...]) -> bool:
    """Each matched word is the name itself, with proclitics only (no suffix stripped)."""
    if len(forms) != last - first + 1:
        return True  # NFKC changed the word count: keep the stemmed match
    for k, allowed in enumerate(forms):  # noqa: SIM110 - a generator costs more; hits are many
        if normalize_token(doc.raw(first + k)) not in allowed:
            return False
    return True


def _list_length(doc: Doc, first: int, last: int, peers: dict[int, int],
                 ends: dict[int, int]) -> int:
    """How many items the list has that tokens ``first..last`` stand in: the span itself
    and the peers chained to it by the conjunction و ("وروسيا والصين")."""
    items, k = 1, last + 1
    while k in peers and doc.raw(k).startswith("و"):
        items, k = items + 1, peers[k] + 1
    k = first
    while k - 1 in ends and doc.raw(k).startswith("و"):
        items, k = items + 1, ends[k - 1]
    return items


def _evidence(doc: Doc, cues: list[Cue]) -> list[str]:
    quotes: list[str] = []
    seen: set[tuple] = set()
    for cue in cues:
        key = (doc.raw(cue.first), doc.raw(cue.last), cue.last - cue.first)
        if key in seen:
            continue
        seen.add(key)  # the same words as written: quote once
        quote = doc.quote(cue.first, cue.last)
        if quote not in quotes:
            quotes.append(quote)
            if len(quotes) == MAX_EVIDENCE:
                break
    return quotes


class _Spans:
    """Context phrase occurrences of one document, looked up by groups of context ids."""

    def __init__(self, context: dict[int, list[tuple[int, int]]]) -> None:
        self.context = context
        self._merged: dict[frozenset[int], tuple[list[int], list[tuple[int, int]]]] = {}

    def near(self, ids: frozenset[int], first: int, last: int, window: int) -> bool:
        """Does one of these phrases (not the cue itself) lie within ``window`` words?"""
        merged = self._merged.get(ids)
        if merged is None:
            spans = sorted(s for c in ids for s in self.context.get(c, ()))
            merged = self._merged[ids] = ([a for a, _ in spans], spans)
        starts, spans = merged
        lo = bisect_left(starts, first - window - _MAX_PHRASE_WORDS)
        hi = bisect_right(starts, last + window)
        return _any_near(spans[lo:hi], first, last, window)


_MAX_PHRASE_WORDS = 12


def _any_near(spans: Iterable[tuple[int, int]], first: int, last: int, window: int) -> bool:
    return any(a - last <= window and first - b <= window and (a, b) != (first, last)
               for a, b in spans)


def _by_last_word(phrases: list[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Normalised phrases as word tuples, by their last word (looked up before a cue)."""
    out: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for phrase in phrases:
        words = tuple(phrase_key(phrase).split())
        out[words[-1]].append(words)
    return {last: tuple(found) for last, found in out.items()}


def _ends_before(tokens: list[str], phrases: dict[str, tuple[tuple[str, ...], ...]],
                 first: int) -> bool:
    """Does one of ``phrases`` end at most ``WEAK_AFTER_GAP`` words before ``first``?"""
    for end in range(first - 1, max(first - 1 - WEAK_AFTER_GAP, -1), -1):
        for words in phrases.get(tokens[end], ()):
            if tuple(tokens[end + 1 - len(words):end + 1]) == words:
                return True
    return False


def _context_ok(rule: _Rule, first: int, last: int, doc: Doc, spans: _Spans,
                counted: dict[int, list[tuple[int, int]]]) -> bool:
    w = rule.window
    if rule.definite and not _ARTICLE_RE.match(normalize_token(doc.raw(first))):
        return False
    if rule.not_near and spans.near(rule.not_near, first, last, w):
        return False
    if rule.near or rule.near_topics:
        return ((bool(rule.near) and spans.near(rule.near, first, last, w))
                or any(_any_near(counted.get(t, ()), first, last, w)
                       for t in rule.near_topics))
    return True


def tag_topics(text: str, tagger: TopicTagger) -> list[dict]:
    """Convenience: the topics of a plain text (no headline; the first sentences lead)."""
    return tagger.tag(Doc.from_text(text))
