"""One-pass phrase matching over normalised text, with spans back into the original.

A :class:`Doc` is a text analysed once (tokens from :mod:`processing.normalize`); topics,
places and dedup all use it. Character spans in the original text are computed only when
a quote is asked for. A :class:`PhraseIndex` is an Aho-Corasick automaton (pyahocorasick)
over normalised phrases: all phrases, of all topics or places, are found in a single pass
over the document's token stream. Phrases match whole tokens only (keys are delimited by
spaces in a stream of space-separated tokens).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Hashable, Iterable
from functools import lru_cache
from itertools import islice
from operator import itemgetter

import ahocorasick

from processing.normalize import (
    MARKS,
    TOKEN_RE,
    known_search_form,
    normalize_for_search,
    search_token,
)

__all__ = ["Doc", "Hit", "PhraseIndex", "phrase_key"]

Hit = tuple[Hashable, int, int]  # (payload, first token, last token)


def phrase_key(phrase: str) -> str:
    """The normalised, stemmed form a phrase is matched under (``""`` if nothing is left)."""
    return normalize_for_search(phrase)


class Doc:
    """A text with its normalised tokens; ``quote``/``raw`` give the original words back.

    The text's structure is kept as token offsets: ``sentence_starts[k]`` is the first
    token of sentence *k* and ``sentence_paragraphs[k]`` its paragraph. Paragraphs are
    lines; sentences end at ``. ! ? ؟`` followed by a space. ``has_title``: paragraph 0
    is the headline (:meth:`from_record`). A dateline at the start of the first body
    paragraphs ("دبي، الإمارات العربية المتحدة (CNN)—", "واس- الرياض:", a short first
    line "عين اليوم – عدن") becomes a sentence of its own, listed in ``datelines``.
    """

    __slots__ = ("text", "raw_tokens", "tokens", "stream", "sentence_starts",
                 "sentence_paragraphs", "datelines", "has_title", "_tok2raw", "_spans",
                 "_matches")

    def __init__(self, text: str, *, has_title: bool = False) -> None:
        self.text = text
        self.has_title = has_title
        raw: list[str] = []
        starts: list[int] = []
        paragraphs: list[int] = []
        datelines: list[int] = []
        findall = TOKEN_RE.findall
        first_body = 1 if has_title else 0
        for number, paragraph in enumerate(p for p in text.split("\n") if p.strip()):
            sentences = _SENTENCE_END_RE.split(paragraph)
            if first_body <= number <= first_body + 1 and (line := _dateline(paragraph)):
                datelines.append(len(starts))
                sentences = [line, *_SENTENCE_END_RE.split(paragraph[len(line):])]
            for sentence in sentences:
                words = findall(sentence)
                if words:
                    starts.append(len(raw))
                    paragraphs.append(number)
                    raw += words
        self.raw_tokens: list[str] = raw
        norm = list(map(search_token, raw))
        self.stream = " " + " ".join(norm) + " "
        self._spans: list[tuple[int, int]] = []  # filled on demand, from the start
        self._matches = None
        if "" not in norm and self.stream.count(" ") == len(norm) + 1:
            self.tokens: list[str] = norm
            self._tok2raw: list[int] | None = None  # token i is raw token i
        else:  # a mark-only token vanished or NFKC expanded one into several words
            self.tokens, self._tok2raw = [], []
            for r, tok in enumerate(norm):
                for part in tok.split():
                    self.tokens.append(part)
                    self._tok2raw.append(r)
            self.stream = " " + " ".join(self.tokens) + " "
            starts = [bisect_left(self._tok2raw, r) for r in starts]
        self.sentence_starts: list[int] = starts
        self.sentence_paragraphs: list[int] = paragraphs
        self.datelines: frozenset[int] = frozenset(datelines)

    @classmethod
    def from_text(cls, text: str) -> Doc:
        return cls(text)

    @classmethod
    def from_record(cls, record: dict) -> Doc:
        """Title, lead and body of an article record; the title is paragraph 0."""
        title = (record.get("title") or "").replace("\n", " ")
        parts = [title, record.get("lead") or "", record.get("body") or ""]
        return cls("\n".join(p for p in parts if p), has_title=bool(title.strip()))

    def note_search_forms(self, record: dict) -> None:
        """Tell :func:`processing.normalize.normalize_for_search` the forms of the record's
        title, lead and body (this doc is :meth:`from_record` of it): indexing needs them."""
        paragraph = 0
        for name in ("title", "lead", "body"):
            text = record.get(name)
            if not isinstance(text, str):
                continue
            end = paragraph + (self.has_title if name == "title" else
                               sum(1 for line in text.split("\n") if line.strip()))
            if text:
                known_search_form(text, self.tokens, self._paragraph_start(paragraph),
                                  self._paragraph_start(end))
            paragraph = end

    def _paragraph_start(self, paragraph: int) -> int:
        """The first token of paragraph ``paragraph`` or after it."""
        k = bisect_left(self.sentence_paragraphs, paragraph)
        return self.sentence_starts[k] if k < len(self.sentence_starts) else len(self.tokens)

    def sentence_of(self, i: int) -> int:
        """Index of the sentence that holds token ``i``."""
        return bisect_right(self.sentence_starts, i) - 1

    def _raw_index(self, i: int) -> int:
        return i if self._tok2raw is None else self._tok2raw[i]

    def raw(self, i: int) -> str:
        """Token ``i`` as written."""
        return self.raw_tokens[self._raw_index(i)]

    def quote(self, first: int, last: int) -> str:
        """The original text of tokens ``first..last`` (inclusive).

        One word is the raw token itself. Several words are looked up in the text as that
        sequence of raw words with their original separators (the first place it occurs,
        which saves locating every token); character spans are only a fallback.
        """
        a, b = self._raw_index(first), self._raw_index(last)
        if a == b:
            return self.raw_tokens[a]
        text = self.text
        for found in _sequence_re(tuple(self.raw_tokens[a:b + 1])).finditer(text):
            start, end = found.span()
            if not (start and _WORD_CHAR_RE.match(text, start - 1)
                    or _WORD_CHAR_RE.match(text, end)):
                return found.group()
        return self._quote_by_spans(a, b)

    def _quote_by_spans(self, start: int, end: int) -> str:
        if end >= len(self._spans):  # locate raw tokens only as far as needed
            if self._matches is None:
                self._matches = TOKEN_RE.finditer(self.text)
            self._spans += [m.span() for m in islice(self._matches, end + 1 - len(self._spans))]
        return self.text[self._spans[start][0]:self._spans[end][1]]

    def token_index(self, stream_pos: int) -> int:
        """Index of the token that ends just before the space at ``stream_pos``."""
        return self.stream.count(" ", 0, stream_pos) - 1


# A sentence end and the space after it (the mark is dropped with it: it is no token).
_SENTENCE_END_RE = re.compile(r"[.!?؟]\s+")
# A dateline: up to 8 words ended by a dash, a colon or "(Agency)" and a dash, early in
# the first body paragraph; or a short first line with a dash or a date in it.
_DATELINE_RE = re.compile(r"\s*(?:[^\s.!?؟:()\-–—،,]+[\s،,]+){0,7}?[^\s.!?؟:()\-–—،,]+[\s،,]*"
                          r"(?:\([^()\n]{1,30}\)\s*[-–—:]+|\s[-–—]+\s*|[-–—]+\s|:)\s*")
_SHORT_DATELINE_RE = re.compile(r"^[^.!?؟]{2,90}$")
_DASH_RE = re.compile(r"\s[-–—]\s")
_NUMBER_RE = re.compile(r"\d+")
_YEAR_RE = re.compile(r"(?<!\d)(?:1[34]|20)\d\d(?!\d)")


def _dateline(paragraph: str) -> str | None:
    """The dateline that opens ``paragraph`` (with its separator), if any."""
    end = 0
    head = paragraph[:160]
    while found := _DATELINE_RE.match(head, end):
        if len(paragraph[:found.end()].split()) > 10:
            break
        end = found.end()
    if 0 < end < len(paragraph):
        return paragraph[:end]
    if not _SHORT_DATELINE_RE.match(paragraph):
        return None
    words = len(paragraph.split())
    if (words <= 6 and _DASH_RE.search(paragraph)
            or words <= 14 and len(_NUMBER_RE.findall(paragraph)) >= 2
            and _YEAR_RE.search(paragraph)):
        return paragraph
    return None
_WORD_CHAR_RE = re.compile(f"[\\w{MARKS}\u200c\u200d]")


@lru_cache(maxsize=8192)
def _sequence_re(words: tuple[str, ...]) -> re.Pattern:
    """These raw words in a row with any separators between them (literal prefix: fast)."""
    return re.compile(f"[^\\w{MARKS}\u200c\u200d]+".join(map(re.escape, words)))


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
            self._automaton.add_word(f" {key} ", (key.count(" "), tuple(items)))
        self._empty = not payloads
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, doc: Doc) -> list[Hit]:
        """``(payload, first, last)`` for every occurrence of every phrase, in text order."""
        if self._empty or not doc.tokens:
            return []
        hits: list[Hit] = []
        stream = doc.stream
        pos, index = 0, -1  # running token count: matches come in order of their end
        for end, (extra_tokens, items) in self._automaton.iter(stream):
            index += stream.count(" ", pos, end)
            pos = end
            first = index - extra_tokens
            for payload in items:
                hits.append((payload, first, index))
        hits.sort(key=itemgetter(1, 2))
        return hits
