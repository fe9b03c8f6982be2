"""One-pass phrase matching over normalised text, with spans back into the original.

A :class:`Doc` is a text analysed once (tokens from :mod:`processing.normalize` with their
character spans); topics and places both match against it. A :class:`PhraseIndex` is an
Aho-Corasick automaton (pyahocorasick) over normalised phrases: all phrases, of all
topics or places, are found in a single pass over the document's token stream.
Phrases are matched on whole tokens only (keys are space-delimited).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from itertools import accumulate

import ahocorasick

from processing.normalize import normalize_for_search, tokens_with_spans

__all__ = ["Doc", "Hit", "PhraseIndex", "phrase_key"]


def phrase_key(phrase: str) -> str:
    """The normalised, stemmed form a phrase is matched under (``""`` if nothing is left)."""
    return normalize_for_search(phrase)


@dataclass
class Doc:
    """A text with its normalised tokens and their spans in the original text."""

    text: str
    tokens: list[str]
    starts: list[int]
    ends: list[int]
    stream: str = field(repr=False)  # " tok1 tok2 … " — what the automaton scans
    offsets: list[int] = field(repr=False)  # position of each token in ``stream``

    @classmethod
    def from_text(cls, text: str) -> Doc:
        triples = tokens_with_spans(text)
        if triples:
            tokens, starts, ends = (list(x) for x in zip(*triples, strict=True))
        else:
            tokens, starts, ends = [], [], []
        offsets = list(accumulate((len(t) + 1 for t in tokens), initial=1))[:-1]
        stream = " " + " ".join(tokens) + " "
        return cls(text, tokens, starts, ends, stream, offsets)

    def quote(self, first: int, last: int) -> str:
        """The original text of tokens ``first..last`` (inclusive)."""
        return self.text[self.starts[first]:self.ends[last]]

    def raw(self, i: int) -> str:
        """Token ``i`` as written."""
        return self.text[self.starts[i]:self.ends[i]]


@dataclass(frozen=True)
class Hit:
    """One occurrence of a phrase: its payload and first/last token indexes."""

    payload: Hashable
    first: int
    last: int


class PhraseIndex:
    """Aho-Corasick automaton mapping normalised phrases to payloads."""

    def __init__(self, phrases: Iterable[tuple[str, Hashable]]) -> None:
        payloads: dict[str, list[Hashable]] = defaultdict(list)
        for phrase, payload in phrases:
            key = phrase_key(phrase)
            if not key:
                raise ValueError(f"phrase {phrase!r} is empty after normalisation")
            if payload not in payloads[key]:
                payloads[key].append(payload)
        self._automaton = ahocorasick.Automaton()
        for key, items in payloads.items():
            self._automaton.add_word(f" {key} ", (key.count(" ") + 1, tuple(items)))
        self._empty = not payloads
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, doc: Doc) -> list[Hit]:
        """Every occurrence of every phrase in ``doc``, in text order."""
        if self._empty or not doc.tokens:
            return []
        hits: list[Hit] = []
        offsets = doc.offsets
        for end, (n_tokens, items) in self._automaton.iter(doc.stream):
            # ``end`` is the trailing space of the match; find its last token.
            last = bisect_left(offsets, end) - 1
            first = last - n_tokens + 1
            for payload in items:
                hits.append(Hit(payload, first, last))
        hits.sort(key=lambda h: (h.first, h.last))
        return hits
