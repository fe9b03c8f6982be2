"""Exact and near-duplicate detection and story assignment: pure logic over a memory.

* ``fingerprint``: sha1 of the normalised, light-stemmed title + lead + body — stable
  across punctuation, diacritics, alef/hamza/ta-marbuta spellings and whitespace.
* :class:`Sketch`: the fingerprint, a MinHash signature (datasketch's ``affine32`` scheme,
  ``NUM_PERM`` permutations, computed for all shingles at once) of the word 3-shingles,
  and ``BANDS`` LSH band keys of ``ROWS`` values each — keys that articles of estimated
  Jaccard ≥ ``DUPLICATE_THRESHOLD`` share with high probability, so a store can find
  candidates with a terms lookup.

  - ``duplicate_of`` — the id of the earliest seen article with the same fingerprint, else
    of the most similar earlier article with estimated Jaccard ≥ ``DUPLICATE_THRESHOLD``
    whose particulars do not conflict (a re-publication: same text, other title, a
    paragraph added or dropped — not the next event told with the same template);
  - ``story_id`` — a duplicate's original's story; else the story chosen by
    :func:`processing.stories.choose_story` among earlier articles whose main-content
    words may be close (an LSH band in common; the event identity lives there); else a
    new story named after this article's id.

How the duplicate threshold was chosen (``python -m bench.enrich --calibrate`` prints
these): exact word-3-shingle Jaccard between an article and variants of it — another
title plus a source line 0.98–0.99; one paragraph dropped 0.68–0.92; 5 % of the words
replaced 0.74–0.77; half of the paragraphs, reordered, 0.39–0.69; unrelated texts on the
same themes at most 0.04. Hence ``DUPLICATE_THRESHOLD = 0.6``; with 32 bands of 4 rows a
pair at J = 0.6 shares a band with probability 0.99, one at J = 0.2 with 0.05.

What was seen before lives in a :class:`Memory`: :class:`InMemory` here (one process),
or the Elasticsearch-backed one of :mod:`state.dedup` (every worker). Nothing here reads
or writes files. Re-processing an article (same id, same fingerprint) gives the same answer.
"""

from __future__ import annotations

import hashlib
import math
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from datasketch import MinHash
from datasketch.minhash import _fmix

from processing.normalize import _Memo, normalize_for_search
from processing.phrases import Doc
from processing.stories import WINDOW, Event, choose_story, conflict, event_bands, event_of

__all__ = ["Article", "DedupResult", "Deduper", "Entry", "InMemory", "Memory", "Sketch",
           "article_text", "entry", "fingerprint", "signature_of_tokens", "sketch"]

NUM_PERM = 128
SHINGLE = 3
SEED = 1
BANDS, ROWS = 32, 4
DUPLICATE_THRESHOLD = 0.6
CANDIDATES = 3  # near-duplicate candidates: the articles sharing the most band keys
STORY_CANDIDATES = 5  # story candidates: earlier articles sharing the most event bands

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)
_LOW32 = np.uint64(0xFFFFFFFF)
_PERM_A, _PERM_B = MinHash(num_perm=NUM_PERM, seed=SEED).permutations
_PERM_B_COLUMN = _PERM_B[:, None]


def article_text(record: dict) -> str:
    """Title, lead and body joined by blank lines: the text that is tagged and hashed."""
    return "\n\n".join(v for v in (record.get(k) for k in ("title", "lead", "body")) if v)


def fingerprint(record: dict, tokens: Sequence[str] | None = None) -> str:
    """Stable content hash: sha1 of the normalised, stemmed title + lead + body."""
    if tokens is None:
        tokens = normalize_for_search(article_text(record)).split()
    return hashlib.sha1(" ".join(tokens).encode("utf-8")).hexdigest()


def _crc32(token: str) -> int:
    return zlib.crc32(token.encode("utf-8"))


_token_hash = _Memo(_crc32, 1_000_000).__getitem__


def _shingle_hashes(tokens: Sequence[str]) -> np.ndarray:
    """32-bit hashes of the word ``SHINGLE``-grams of ``tokens`` (stable across runs)."""
    h = np.array(list(map(_token_hash, tokens)), dtype=np.uint64)  # faster than fromiter
    if len(h) >= SHINGLE:
        h = h[:-2] * _M1 ^ h[1:-1] * _M2 ^ h[2:]
    return ((h >> np.uint64(32)) ^ (h & _LOW32)).astype(np.uint32)


def signature_of_tokens(tokens: Sequence[str]) -> np.ndarray | None:
    """MinHash signature of a token sequence's shingles; ``None`` for an empty sequence.

    The values of datasketch's ``MinHash(num_perm=NUM_PERM, seed=SEED)`` fed the shingle
    hashes (its ``affine32`` scheme: the hash pre-mixed by ``_fmix``, then ``a·h + b`` mod
    2^32, the minimum per permutation), computed on the whole array at once: a fifth of
    the time of ``update_batch``, which goes through a Python list.
    """
    if not tokens:
        return None
    hv = _fmix(_shingle_hashes(tokens), 32)
    values = np.multiply.outer(_PERM_A, hv)  # a permutation per row: rows reduce fastest
    values += _PERM_B_COLUMN
    return values.min(axis=1)


@dataclass(frozen=True)
class Sketch:
    """What dedup needs of one article: fingerprint, MinHash signature, LSH band keys."""

    fingerprint: str
    signature: np.ndarray | None
    bands: tuple[str, ...]


def sketch(record: dict, tokens: Sequence[str] | None = None) -> Sketch:
    """The sketch of an article (``tokens``: its normalised tokens, if already known)."""
    if tokens is None:
        tokens = normalize_for_search(article_text(record)).split()
    signature = signature_of_tokens(tokens)
    return Sketch(fingerprint(record, tokens), signature, band_keys(signature))


def band_keys(signature: np.ndarray | None) -> tuple[str, ...]:
    """``BANDS`` keys ``"<band>:<hash of its ROWS values>"``; none for an empty text."""
    if signature is None:
        return ()
    rows = signature[: BANDS * ROWS].reshape(BANDS, ROWS)
    mixed = rows[:, 0]
    for r in range(1, ROWS):
        mixed = mixed * _M1 ^ rows[:, r]
    return tuple([f"{b}:{v:x}" for b, v in enumerate(mixed.tolist())])


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard of two signatures."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


@dataclass(frozen=True)
class Entry:
    """An article already seen: what a :class:`Memory` keeps and returns.

    ``bands``/``event_bands`` are the LSH keys of ``signature``/``event`` (see
    :func:`entry`), kept so that nobody computes them twice.
    """

    id: str
    fingerprint: str
    signature: np.ndarray | None
    duplicate_of: str | None
    story_id: str
    event: Event | None = None
    outlet: str | None = None
    sentence_keys: tuple[str, ...] = ()
    bands: tuple[str, ...] = ()
    event_bands: tuple[str, ...] = ()


def entry(rid: str, sk: Sketch, duplicate_of: str | None, story_id: str,
          event: Event | None, outlet: str | None = None,
          sentence_keys: tuple[str, ...] = ()) -> Entry:
    """An :class:`Entry` with its LSH keys."""
    return Entry(rid, sk.fingerprint, sk.signature, duplicate_of, story_id, event, outlet,
                 sentence_keys, sk.bands, event_bands(event) if event is not None else ())


@dataclass(frozen=True)
class DedupResult:
    fingerprint: str
    duplicate_of: str | None
    story_id: str


class Memory(Protocol):
    """Where earlier articles are found again (this process, or a shared store)."""

    def get(self, ids: Sequence[str]) -> list[Entry]:
        """The entries with these ids (those it has)."""

    def candidates(self, sketches: Sequence[Sketch], events: Sequence[Event]
                   ) -> list[list[Entry]]:
        """Per article (``sketches[i]``, ``events[i]``): the entry with its fingerprint and
        the ``CANDIDATES`` sharing the most LSH bands of its text (near-duplicates), then
        the ``STORY_CANDIDATES`` sharing the most bands of its main-content words
        (:func:`processing.stories.event_bands`) published within
        :data:`processing.stories.WINDOW` of it (same event?)."""

    def remember(self, entries: Sequence[Entry]) -> None:
        """Keep these entries for later lookups."""


_WEEK = 7 * 86_400  # event bands are indexed per week: a story window touches one or two
_WINDOW_SECONDS = WINDOW.total_seconds()


def _timestamp(event: Event | None) -> float:
    """When an event was published (POSIX seconds); NaN when unknown."""
    return math.nan if event is None or event.published is None else \
        event.published.timestamp()


def _week(event: Event | None) -> int | None:
    """The week an event was published in (``None``: undated, inside every window)."""
    at = _timestamp(event)
    return None if math.isnan(at) else int(at // _WEEK)


class InMemory:
    """A :class:`Memory` in this process: the newest ``max_entries`` articles.

    Every entry gets a sequence number in the order it came; each LSH key maps to the
    numbers of the entries that have it (one number, or an array of them), so that counting
    the keys candidates share is one numpy pass, and ties go to the earlier article,
    whatever the process's hash seed. Event bands are indexed per week of publication, so
    that a story lookup counts only the articles of the one or two weeks its window
    touches, however long the run.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._by_fingerprint: dict[str, str] = {}
        self._seq_of: dict[str, int] = {}
        self._id_of: dict[int, str] = {}
        self._published = array("d")  # per sequence number: publication time, NaN if none
        self._by_band: dict[str, _Postings] = {}
        self._by_week: dict[int | None, dict[str, _Postings]] = {}  # event bands, per week

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, rid: object) -> bool:
        return rid in self._entries

    def get(self, ids: Sequence[str]) -> list[Entry]:
        return [self._entries[rid] for rid in ids if rid in self._entries]

    def candidates(self, sketches: Sequence[Sketch], events: Sequence[Event]
                   ) -> list[list[Entry]]:
        return [self._candidates(sk, event) for sk, event in zip(sketches, events, strict=True)]

    def _candidates(self, sk: Sketch, event: Event) -> list[Entry]:
        found = {e.id: e for e in self.near_duplicates(sk)}
        for e in self.same_event_candidates(event):
            found.setdefault(e.id, e)
        return list(found.values())

    def near_duplicates(self, sk: Sketch) -> list[Entry]:
        """The entry with the sketch's fingerprint, and those sharing the most bands."""
        found: dict[str, Entry] = {}
        if (rid := self._by_fingerprint.get(sk.fingerprint)) is not None:
            found[rid] = self._entries[rid]
        for rid in self._most_shared(sk.bands, CANDIDATES):
            found.setdefault(rid, self._entries[rid])
        return list(found.values())

    def same_event_candidates(self, event: Event) -> list[Entry]:
        """Those sharing the most event bands, published within the window of ``event``."""
        at = event.published.timestamp() if event.published is not None else None
        weeks = [bands for w, bands in self._by_week.items() if w is None or at is None
                 or (at - _WINDOW_SECONDS) // _WEEK <= w <= (at + _WINDOW_SECONDS) // _WEEK]
        return [self._entries[rid] for rid in
                self._most_shared(event_bands(event), STORY_CANDIDATES, weeks, at)]

    def _most_shared(self, keys: Sequence[str], limit: int | None = None,
                     indexes: Iterable[dict[str, _Postings]] | None = None,
                     at: float | None = None) -> list[str]:
        """Ids sharing the most of ``keys`` in ``indexes`` (default: the band keys), best
        first (the earlier article on a tie); ``at``: only those published within the story
        window of this time (or undated)."""
        found = array("q")
        for index in (self._by_band,) if indexes is None else indexes:
            for key in keys:
                seqs = index.get(key)
                if seqs is not None:
                    if isinstance(seqs, int):
                        found.append(seqs)
                    else:
                        found.extend(seqs)
        if not found:
            return []
        seqs = np.frombuffer(found, dtype=np.int64)
        if at is not None:  # not further away than the window (NaN, undated, is not)
            published = np.frombuffer(self._published, dtype=np.float64)[seqs]
            seqs = seqs[~(np.abs(published - at) > _WINDOW_SECONDS)]
            if not len(seqs):
                return []
        low = int(seqs.min())
        if int(seqs.max()) - low < 8 * len(seqs) + 4096:  # counting by position is cheaper
            counts = np.bincount(seqs - low)
            unique = np.flatnonzero(counts)
            counts = counts[unique]
            unique += low
        else:
            unique, counts = np.unique(seqs, return_counts=True)
        if limit is not None and len(counts) > limit:  # only those up to the limit-th count
            keep = counts >= np.partition(counts, len(counts) - limit)[len(counts) - limit]
            unique, counts = unique[keep], counts[keep]
        best = unique[np.argsort(-counts, kind="stable")[:limit]]  # unique is in seq order
        return [self._id_of[seq] for seq in best.tolist()]

    def remember(self, entries: Sequence[Entry]) -> None:
        for entry in entries:
            rid = entry.id
            if rid in self._entries:
                self._forget(rid)
            self._entries[rid] = entry
            seq = len(self._published)
            self._seq_of[rid], self._id_of[seq] = seq, rid
            self._published.append(_timestamp(entry.event))
            self._by_fingerprint.setdefault(entry.fingerprint, rid)
            _add(self._by_band, entry.bands, seq)
            if entry.event_bands:
                _add(self._by_week.setdefault(_week(entry.event), {}), entry.event_bands, seq)
        while len(self._entries) > self.max_entries:
            self._forget(next(iter(self._entries)))

    def _forget(self, rid: str) -> None:
        entry = self._entries.pop(rid)
        seq = self._seq_of.pop(rid)
        del self._id_of[seq]
        if self._by_fingerprint.get(entry.fingerprint) == rid:
            del self._by_fingerprint[entry.fingerprint]
        _remove(self._by_band, entry.bands, seq)
        if entry.event_bands:
            week = _week(entry.event)
            _remove(self._by_week[week], entry.event_bands, seq)
            if not self._by_week[week]:
                del self._by_week[week]


_Postings = int | array  # the sequence number of the one entry with a key, or of several


def _add(index: dict[str, _Postings], keys: Iterable[str], seq: int) -> None:
    for key in keys:  # a key most often has one article: kept as a plain number
        seqs = index.setdefault(key, seq)
        if isinstance(seqs, int):
            if seqs != seq:
                index[key] = array("q", (seqs, seq))
        else:
            seqs.append(seq)


def _remove(index: dict[str, _Postings], keys: Iterable[str], seq: int) -> None:
    for key in keys:
        seqs = index[key]
        if isinstance(seqs, int):
            del index[key]
        else:
            seqs.remove(seq)
            if len(seqs) == 1:
                index[key] = seqs[0]


@dataclass(frozen=True)
class Article:
    """One article to classify: its record, and what the caller already derived from it
    (normalised tokens, :class:`Event`, body sentence keys), to save doing it twice."""

    record: dict
    tokens: Sequence[str] | None = None
    event: Event | None = None
    sentence_keys: tuple[str, ...] = ()


class Deduper:
    """Assigns ``fingerprint``, ``duplicate_of`` and ``story_id`` to articles in order.

    ``memory``: what earlier runs saw (default: this process only). Results of a batch are
    held back until :meth:`commit`, so a batch that fails to index is not remembered.
    """

    def __init__(self, memory: Memory | None = None) -> None:
        self._session = InMemory(max_entries=1_000_000)  # this run's articles
        self.memory = memory if memory is not None else self._session
        self._known: dict[str, Entry] = {}  # earlier ones met: earlier versions, first reports
        self._pending: dict[str, Entry] = {}
        self._lookups = ThreadPoolExecutor(1, thread_name_prefix="raqib-lookup")

    def check(self, record: dict) -> DedupResult:
        """Classify one record against everything seen so far, then remember it."""
        return self.check_batch([Article(record)])[0]

    def check_batch(self, articles: Iterable[Article]) -> list[DedupResult]:
        """Classify articles in order; earlier ones of the batch count for later ones."""
        return self.look_up(articles)()

    def look_up(self, articles: Iterable[Article]) -> Callable[[], list[DedupResult]]:
        """Start :meth:`check_batch`: the memory lookups run in a background thread while
        the caller does other work; call what is returned to classify the articles.
        Nothing else may use this deduper in between.

        Three calls to the memory per batch: the articles' earlier versions, their
        candidates, the first reports of the candidates' stories.
        """
        articles = list(articles)
        sketches = [sketch(a.record, a.tokens) for a in articles]
        ids = [str(a.record.get("id") or sk.fingerprint)
               for a, sk in zip(articles, sketches, strict=True)]
        events = [a.event if a.event is not None else _event(a.record) for a in articles]
        fetched = (None if self.memory is self._session  # this process only: nothing to fetch
                   else self._lookups.submit(self._fetch, ids, sketches, events))

        def classify() -> list[DedupResult]:
            found = fetched.result() if fetched else [[] for _ in articles]
            return [self._classify(rid, sk, article, event, entries) for rid, sk, article,
                    event, entries in zip(ids, sketches, articles, events, found, strict=True)]
        return classify

    def _fetch(self, ids: list[str], sketches: list[Sketch], events: list[Event]
               ) -> list[list[Entry]]:
        """Learn the articles' earlier versions, find their candidates, and learn the first
        report of every story met, so that choose_story can check it (those among the
        candidates are at hand; the others are fetched). Returns the candidates."""
        self._learn(self.memory.get([i for i in ids if i not in self._session]))
        found = self.memory.candidates(sketches, events)
        met = {e.id: e for entries in found for e in entries}
        self._learn([e for e in met.values() if e.story_id == e.id])
        heads = {e.story_id for e in met.values()} - self._known.keys()
        self._learn(self.memory.get(sorted(h for h in heads if h not in self._session)))
        return found

    def _learn(self, entries: list[Entry]) -> None:
        self._known.update((e.id, e) for e in entries)

    def _get(self, rid: str) -> Entry | None:
        """This run's version of an article, else the one the memory had."""
        return self._session.get([rid])[0] if rid in self._session else self._known.get(rid)

    def take_pending(self) -> list[Entry]:
        """The entries of the articles classified since the last call or commit, taken
        out of the pending ones: :meth:`commit` them once those articles are stored."""
        entries = list(self._pending.values())
        self._pending.clear()
        return entries

    def commit(self, entries: Sequence[Entry] | None = None) -> None:
        """Hand what was classified to the memory (call once the articles are stored):
        ``entries`` from :meth:`take_pending`, or by default every pending one."""
        entries = self.take_pending() if entries is None else entries
        if entries and self.memory is not self._session:
            self.memory.remember(entries)

    def __len__(self) -> int:
        return len(self._session)

    def _classify(self, rid: str, sk: Sketch, article: Article, event: Event,
                  found: list[Entry]) -> DedupResult:
        old = self._get(rid)
        if old is not None and old.fingerprint == sk.fingerprint:
            return DedupResult(sk.fingerprint, old.duplicate_of, old.story_id)
        by_id = {e.id: e for e in found}
        by_id.update((e.id, e) for e in self._session.candidates([sk], [event])[0])
        by_id.update((e.id, e) for e in self._session.get(list(by_id)))  # newest version
        candidates = [e for i, e in by_id.items() if i != rid]
        duplicate_of = next((e.duplicate_of or e.id for e in candidates
                             if e.fingerprint == sk.fingerprint), None)
        if duplicate_of is None and sk.signature is not None:
            best, best_j = None, 0.0
            for other in candidates:  # one template, other particulars: not a copy
                if other.signature is not None and (
                        other.event is None or conflict(event, other.event) is None):
                    j = similarity(other.signature, sk.signature)
                    if j > best_j:
                        best, best_j = other, j
            if best is not None and best_j >= DUPLICATE_THRESHOLD:
                duplicate_of = best.duplicate_of or best.id
        original = self._get(duplicate_of) if duplicate_of else None
        if original is None and duplicate_of:
            original = next((e for e in candidates if e.id == duplicate_of), None)
        if original is not None:
            story_id = original.story_id
        else:
            heads = {e.story_id: h.event for e in candidates
                     if (h := self._get(e.story_id)) is not None and h.event is not None}
            story_id = (choose_story(event, ((e.story_id, e.event) for e in candidates
                                             if e.event is not None), heads)
                        or (old.story_id if old else rid))
        made = entry(rid, sk, duplicate_of, story_id, event, article.record.get("outlet"),
                     article.sentence_keys)
        self._session.remember([made])
        self._pending[rid] = made
        return DedupResult(sk.fingerprint, duplicate_of, story_id)


def _event(record: dict) -> Event:
    """An event from the record's text alone (no places, no learned boilerplate)."""
    return event_of(Doc.from_record(record), record.get("outlet"),
                    record.get("published_at") or record.get("crawled_at"))
