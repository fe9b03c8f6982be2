"""Where in an article a cue stands, and how much of the article it covers.

An article (:class:`processing.phrases.Doc`) has zones: the **headline** (paragraph 0 of a
record), the **lead** (the first ``lead_sentences`` sentences after it), the **body**, and
a **teaser tail** — trailing paragraphs that share (almost) no words with the headline and
the first paragraphs, as outlets append the leads of other stories. :class:`Zones`
measures a set of cue occurrences: each sentence that carries one adds its zone's weight
times the strongest cue's strength (plus ``dense`` when it carries two or more); datelines
and the teaser tail add nothing.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable

from core.catalogue.topics import Salience
from processing.phrases import Doc

__all__ = ["Salience", "Zones", "teaser_start"]

# Function words (normalised, stemmed) that say nothing about what a paragraph is about.
STOPWORDS = frozenset("""
في من علي الي عن مع ان او ثم قد لقد كان كانت يكون تكون هذا هذه ذلك تلك التي الذي الذين
بين بعد قبل عند منذ حتي خلال حول ضد دون غير كل بعض اي لا لم لن ما ماذا اذا كما وقال قال
اكد اضاف اشار اوضح ذكر وفق حيث هو هي هم نحو لدي لدى عبر اما الا اليوم امس يوم عام
""".split())


# Teaser markers, normalised and stemmed as in Doc.tokens: اقرأ أيضا, قد يهمك, شاهد أيضا…
_TEASER_MARK_RE = re.compile(r"^(?:اقرا|قد يهم|شاهد ايضا|اخبار ذات صله|مواضيع ذات صله"
                             r"|تابع ايضا)")


def _content(tokens: Iterable[str]) -> set[str]:
    return {t for t in tokens if len(t) > 2 and t not in STOPWORDS and not t.isdigit()}


def teaser_start(doc: Doc, s: Salience) -> int | None:
    """First paragraph of the trailing teaser block, or ``None`` if the article has none.

    Walking back from the last paragraph, a paragraph belongs to the tail while fewer than
    ``teaser_overlap`` of its content words occur in the headline and the first
    ``teaser_head_paragraphs`` paragraphs; the head itself is never tail.
    """
    starts, paras = doc.sentence_starts, doc.sentence_paragraphs
    if not paras or paras[-1] < s.teaser_head_paragraphs:
        return None
    first_sentence: dict[int, int] = {}
    for k, p in enumerate(paras):
        first_sentence.setdefault(p, k)
    order = sorted(first_sentence)
    bounds = {p: (starts[first_sentence[p]],
                  starts[first_sentence[q]] if (q := _next(order, p)) is not None
                  else len(doc.tokens))
              for p in order}
    head_end = order[min(s.teaser_head_paragraphs, len(order)) - 1]
    head = _content(doc.tokens[:bounds[head_end][1]])
    tail = None
    for p in order:  # "اقرأ أيضا", "قد يهمك": everything after is other stories
        if p > head_end and _TEASER_MARK_RE.match(" ".join(doc.tokens[slice(*bounds[p])][:3])):
            tail = p
            break
    for p in reversed(order if tail is None else order[:order.index(tail)]):
        if p <= head_end:
            break
        words = _content(doc.tokens[slice(*bounds[p])])
        if words and len(words & head) >= s.teaser_overlap * len(words):
            break
        tail = p
    return tail


def _next(order: list[int], p: int) -> int | None:
    i = bisect_right(order, p)
    return order[i] if i < len(order) else None


class Zones:
    """The zones of one document, to measure cue occurrences against.

    ``weights[k]`` is sentence *k*'s zone weight: headline, lead (the first
    ``lead_sentences`` sentences after the headline, datelines not counted), body, and 0
    for datelines and the teaser tail.
    """

    def __init__(self, doc: Doc, s: Salience, tail: int | None) -> None:
        self.doc = doc
        zones: list[str] = []
        lead_left = s.lead_sentences
        for k, p in enumerate(doc.sentence_paragraphs):
            if doc.has_title and p == 0:
                zones.append("title")
            elif k in doc.datelines or (tail is not None and p >= tail):
                zones.append("skip")
            elif lead_left:
                lead_left -= 1
                zones.append("lead")
            else:
                zones.append("body")
        weight = {"title": s.title, "lead": s.lead, "body": s.sentence, "skip": 0.0}
        self.zones = zones
        self.weights = [weight[z] for z in zones]
        self.countable = max(sum(z != "skip" for z in zones), 1)
        self._dense = s.dense

    def measure(self, cues: list[tuple[int, float, int]]) -> dict:
        """``cues``: (first token, strength, phrase number). Salience and why, as a dict."""
        best: dict[int, float] = {}
        count: dict[int, int] = {}
        phrases: set[int] = set()
        mentions = strong = 0
        weights, sentence_of = self.weights, self.doc.sentence_of
        for token, strength, phrase in cues:
            k = sentence_of(token)
            if not weights[k]:
                continue
            mentions += 1
            count[k] = count.get(k, 0) + 1
            strong += strength == 1.0
            phrases.add(phrase)
            if strength > best.get(k, 0.0):
                best[k] = strength
        paras, zones = self.doc.sentence_paragraphs, self.zones
        return {
            "score": round(sum(weights[k] * (v + self._dense * (count[k] > 1))
                               for k, v in best.items()), 2),
            "in_title": any(zones[k] == "title" for k in best),
            "in_lead": any(zones[k] == "lead" for k in best),
            "mentions": mentions,
            "sentences": len(best),
            "paragraphs": len({paras[k] for k in best}),
            "cues": len(phrases),
            "strong": strong,
        }

    def covers(self, why: dict, share: float) -> bool:
        """Do the cue-carrying sentences make up at least ``share`` of the article?"""
        return why["sentences"] >= share * self.countable
