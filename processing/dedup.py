"""Exact and near-duplicate detection, and story grouping: pure logic over a memory.

* ``fingerprint``: sha1 of the normalised, light-stemmed title + lead + body — stable
  across punctuation, diacritics, alef/hamza/ta-marbuta spellings and whitespace.
* :class:`Sketch`: the fingerprint, a MinHash signature (datasketch, ``NUM_PERM``
  permutations) of the word 3-shingles, and ``BANDS`` LSH band keys of ``ROWS`` values
  each — keys that articles of estimated Jaccard ≥ ``STORY_THRESHOLD`` share with high
  probability, so a store can find candidates with a terms lookup.

  - ``duplicate_of`` — the id of the earliest seen article with the same fingerprint, else
    of the most similar earlier article with estimated Jaccard ≥ ``DUPLICATE_THRESHOLD``
    (a re-publication: same text, other title, a paragraph added or dropped);
  - ``story_id`` — the story of the most similar earlier article with Jaccard ≥
    ``STORY_THRESHOLD``, else a new story named after this article's id.

How the thresholds were chosen (``python bench/enrich.py --calibrate`` prints these): exact
word-3-shingle Jaccard between an article and variants of it — another title plus a source
line 0.98–0.99; one paragraph dropped 0.68–0.92; 5 % of the words replaced 0.74–0.77; half
of the paragraphs, reordered, 0.39–0.69; a third of the paragraphs 0.33–0.46; unrelated
texts on the same themes at most 0.04. Hence ``DUPLICATE_THRESHOLD = 0.6`` and
``STORY_THRESHOLD = 0.2``. With 28 bands of 2 rows a pair at J = 0.33 shares a band with
probability 0.96 (0.997 at J = 0.5).

What was seen before lives in a :class:`Memory`: :class:`InMemory` here (one process),
or the Elasticsearch-backed one of :mod:`state.dedup` (every worker). Nothing here reads
or writes files. Re-processing an article (same id, same fingerprint) gives the same answer.
"""

from __future__ import annotations

import hashlib
import zlib
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from datasketch import MinHash

from processing.normalize import _Memo, normalize_for_search

__all__ = ["DedupResult", "Deduper", "Entry", "InMemory", "Memory", "Sketch", "article_text",
           "fingerprint", "minhash_of_tokens", "sketch"]

NUM_PERM = 128
SHINGLE = 3
SEED = 1
BANDS, ROWS = 28, 2  # datasketch's choice for a 0.2 threshold at 128 permutations
DUPLICATE_THRESHOLD = 0.6
STORY_THRESHOLD = 0.2

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)
_LOW32 = np.uint64(0xFFFFFFFF)
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED)


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
    h = np.fromiter(map(_token_hash, tokens), dtype=np.uint64, count=len(tokens))
    if len(h) >= SHINGLE:
        h = h[:-2] * _M1 ^ h[1:-1] * _M2 ^ h[2:]
    return ((h >> np.uint64(32)) ^ (h & _LOW32)).astype(np.uint32)


def minhash_of_tokens(tokens: Sequence[str]) -> MinHash | None:
    """MinHash of a token sequence's shingles; ``None`` for an empty sequence."""
    if not tokens:
        return None
    m = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int,
                permutations=_TEMPLATE.permutations, scheme=_TEMPLATE.scheme)
    m.update_batch(_shingle_hashes(tokens).tolist())
    return m


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
    mh = minhash_of_tokens(tokens)
    signature = None if mh is None else mh.hashvalues
    return Sketch(fingerprint(record, tokens), signature, band_keys(signature))


def band_keys(signature: np.ndarray | None) -> tuple[str, ...]:
    """``BANDS`` keys ``"<band>:<hash of its ROWS values>"``; none for an empty text."""
    if signature is None:
        return ()
    rows = signature[: BANDS * ROWS].reshape(BANDS, ROWS)
    mixed = rows[:, 0] * _M1 ^ rows[:, 1]
    return tuple(f"{b}:{int(v):x}" for b, v in enumerate(mixed))


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard of two signatures."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


@dataclass(frozen=True)
class Entry:
    """An article already seen: what a :class:`Memory` keeps and returns."""

    id: str
    fingerprint: str
    signature: np.ndarray | None
    duplicate_of: str | None
    story_id: str

    @property
    def bands(self) -> tuple[str, ...]:
        return band_keys(self.signature)


@dataclass(frozen=True)
class DedupResult:
    fingerprint: str
    duplicate_of: str | None
    story_id: str


class Memory(Protocol):
    """Where earlier articles are found again (this process, or a shared store)."""

    def lookup(self, sketches: Sequence[Sketch], ids: Sequence[str]) -> list[Entry]:
        """Entries with these ids, or sharing a fingerprint or a band with a sketch."""

    def remember(self, entries: Sequence[Entry]) -> None:
        """Keep these entries for later lookups."""


class InMemory:
    """A :class:`Memory` in this process: the newest ``max_entries`` articles."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._by_fingerprint: dict[str, str] = {}
        self._by_band: dict[str, set[str]] = defaultdict(set)

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, sketches: Sequence[Sketch], ids: Sequence[str]) -> list[Entry]:
        found: dict[str, Entry] = {}
        for rid in ids:
            if rid in self._entries:
                found[rid] = self._entries[rid]
        for sk in sketches:
            if (rid := self._by_fingerprint.get(sk.fingerprint)) is not None:
                found[rid] = self._entries[rid]
            for band in sk.bands:
                for rid in self._by_band.get(band, ()):
                    found.setdefault(rid, self._entries[rid])
        return list(found.values())

    def remember(self, entries: Sequence[Entry]) -> None:
        for entry in entries:
            if entry.id in self._entries:
                self._forget(entry.id)
            self._entries[entry.id] = entry
            self._by_fingerprint.setdefault(entry.fingerprint, entry.id)
            for band in entry.bands:
                self._by_band[band].add(entry.id)
        while len(self._entries) > self.max_entries:
            self._forget(next(iter(self._entries)))

    def _forget(self, rid: str) -> None:
        entry = self._entries.pop(rid)
        if self._by_fingerprint.get(entry.fingerprint) == rid:
            del self._by_fingerprint[entry.fingerprint]
        for band in entry.bands:
            ids = self._by_band.get(band)
            if ids is not None:
                ids.discard(rid)
                if not ids:
                    del self._by_band[band]


class Deduper:
    """Assigns ``fingerprint``, ``duplicate_of`` and ``story_id`` to articles in order.

    ``memory``: what earlier runs saw (default: this process only). Results of a batch are
    held back until :meth:`commit`, so a batch that fails to index is not remembered.
    """

    def __init__(self, memory: Memory | None = None) -> None:
        self.memory = memory if memory is not None else InMemory()
        self._session = InMemory(max_entries=1_000_000)  # this run: looked up first
        self._pending: dict[str, Entry] = {}

    def check(self, record: dict, tokens: Sequence[str] | None = None) -> DedupResult:
        """Classify one record against everything seen so far, then remember it."""
        return self.check_batch([(record, tokens)])[0]

    def check_batch(self, items: Iterable[tuple[dict, Sequence[str] | None]]
                    ) -> list[DedupResult]:
        """Classify records in order; earlier ones of the batch count for later ones.

        One lookup in the memory for the whole batch.
        """
        items = list(items)
        sketches = [sketch(record, tokens) for record, tokens in items]
        ids = [str(record.get("id") or sk.fingerprint) for (record, _), sk in
               zip(items, sketches, strict=True)]
        fresh = [e for e in self.memory.lookup(sketches, ids) if e.id not in self._pending]
        self._session.remember(fresh)
        return [self._classify(rid, sk) for rid, sk in zip(ids, sketches, strict=True)]

    def commit(self) -> None:
        """Hand what this batch saw to the memory (call once the batch is stored)."""
        if self._pending:
            self.memory.remember(list(self._pending.values()))
            self._pending.clear()

    def __len__(self) -> int:
        return len(self._session)

    def _classify(self, rid: str, sk: Sketch) -> DedupResult:
        old = self._session.lookup((), (rid,))
        if old and old[0].fingerprint == sk.fingerprint:
            entry = old[0]
            return DedupResult(sk.fingerprint, entry.duplicate_of, entry.story_id)
        candidates = [e for e in self._session.lookup((sk,), ()) if e.id != rid]
        duplicate_of = next((e.duplicate_of or e.id for e in candidates
                             if e.fingerprint == sk.fingerprint), None)
        best, best_j = None, 0.0
        if sk.signature is not None:
            for entry in candidates:
                if entry.signature is not None:
                    j = similarity(entry.signature, sk.signature)
                    if j > best_j:
                        best, best_j = entry, j
        if duplicate_of is None and best is not None and best_j >= DUPLICATE_THRESHOLD:
            duplicate_of = best.duplicate_of or best.id
        known = {e.id: e for e in candidates}
        if duplicate_of is not None and duplicate_of in known:
            story_id = known[duplicate_of].story_id
        elif best is not None and best_j >= STORY_THRESHOLD:
            story_id = best.story_id
        else:
            story_id = old[0].story_id if old else rid
        entry = Entry(rid, sk.fingerprint, sk.signature, duplicate_of, story_id)
        self._session.remember([entry])
        self._pending[rid] = entry
        return DedupResult(sk.fingerprint, duplicate_of, story_id)
