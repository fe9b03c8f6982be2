"""Exact and near-duplicate detection, and story grouping, across a stream and across runs.

* ``fingerprint``: sha1 of the normalised, light-stemmed title + lead + body — stable
  across punctuation, diacritics, alef/hamza/ta-marbuta spellings and whitespace (it
  changes if the normaliser's tables change; re-processing recomputes it).
* MinHash (datasketch, ``NUM_PERM`` permutations) over word 3-shingles of the normalised,
  light-stemmed title + lead + body, indexed in a MinHashLSH tuned for
  ``STORY_THRESHOLD``. Candidates are re-scored with the MinHash Jaccard estimate:

  - ``duplicate_of`` — the id of the earliest seen article with the same fingerprint, else
    of the most similar earlier article with estimated Jaccard ≥ ``DUPLICATE_THRESHOLD``
    (a re-publication: same text, other title, a paragraph added or dropped);
  - ``story_id`` — the story of the most similar earlier article with Jaccard ≥
    ``STORY_THRESHOLD`` (another outlet's rewrite of the same wire copy or statement),
    else a new story named after this article's id.

How the thresholds were chosen (``python bench/enrich.py --calibrate`` prints these):
exact word-3-shingle Jaccard between an article and variants of it, for the real sample
article and generated ones — another title plus a source line 0.98–0.99; one paragraph
dropped 0.68–0.92; 5 % of the words replaced 0.74–0.77; half of the paragraphs, reordered,
0.39–0.69 (0.69 where that half is two thirds of the text); a third of the paragraphs
0.33–0.46; unrelated texts on the same themes at most 0.04 (all 780 pairs of the
real sample and 39 texts of four of our evaluation snippets each; 0.00 between generated
articles). Hence
``DUPLICATE_THRESHOLD = 0.6`` (everything that is mostly the same text, which includes a
copy keeping two thirds of it) and ``STORY_THRESHOLD = 0.2`` (a third of shared text is
still the same story; unrelated news is far below). MinHash with 128 permutations
estimates J to about ±0.04, and the LSH (datasketch picks 28 bands of 2 rows for 0.2)
returns a pair at J = 0.33 with probability 0.96 (0.997 at J = 0.5).

State: :meth:`Deduper.save` / :meth:`Deduper.load` keep what earlier runs saw in
``state_dir/dedup.pickle`` (the newest ``max_entries`` articles), so today's article can be
matched to yesterday's; :class:`StateLock` serialises runs (``processing.enrich.Enricher``
holds it while it works).
Re-processing an article already seen (same id, same fingerprint) returns the same answer.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import tempfile
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from datasketch import MinHash, MinHashLSH

from processing.normalize import normalize_for_search

__all__ = ["DedupResult", "Deduper", "StateLock", "article_text", "fingerprint",
           "minhash_of_tokens"]

NUM_PERM = 128
SHINGLE = 3
SEED = 1
DUPLICATE_THRESHOLD = 0.6
STORY_THRESHOLD = 0.2
MAX_ENTRIES = 100_000
STATE_FILE = "dedup.pickle"
LOCK_FILE = "dedup.lock"
_STATE_VERSION = 1

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)
_LOW32 = np.uint64(0xFFFFFFFF)
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED)


def fingerprint(record: dict, tokens: Sequence[str] | None = None) -> str:
    """Stable content hash: sha1 of the normalised, stemmed title + lead + body.

    ``tokens``: those words if already known (``Doc.tokens``), to avoid redoing them.
    """
    if tokens is None:
        tokens = normalize_for_search(article_text(record)).split()
    return hashlib.sha1(" ".join(tokens).encode("utf-8")).hexdigest()


def article_text(record: dict) -> str:
    """Title, lead and body joined by blank lines: the text that is tagged and hashed."""
    return "\n\n".join(v for v in (record.get(k) for k in ("title", "lead", "body")) if v)


@lru_cache(maxsize=262_144)
def _token_hash(token: str) -> int:
    return zlib.crc32(token.encode("utf-8"))


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
class DedupResult:
    fingerprint: str
    duplicate_of: str | None
    story_id: str


@dataclass
class _Entry:
    fingerprint: str
    duplicate_of: str | None
    story_id: str
    signature: np.ndarray | None


class Deduper:
    """Assigns ``fingerprint``, ``duplicate_of`` and ``story_id`` to articles in order."""

    def __init__(self, *, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._by_fingerprint: dict[str, str] = {}
        self._lsh = MinHashLSH(threshold=STORY_THRESHOLD, num_perm=NUM_PERM)

    # ------------------------------------------------------------------ matching
    def check(self, record: dict, tokens: Sequence[str] | None = None) -> DedupResult:
        """Classify ``record`` against everything seen so far, then remember it.

        ``tokens``: its normalised, stemmed title + lead + body tokens, if already known.
        """
        rid = str(record.get("id") or "")
        if tokens is None:
            tokens = normalize_for_search(article_text(record)).split()
        fp = fingerprint(record, tokens)
        old = self._entries.get(rid) if rid else None
        if old is not None and old.fingerprint == fp:
            return DedupResult(fp, old.duplicate_of, old.story_id)
        if old is not None:
            self._forget(rid)
        mh = minhash_of_tokens(tokens)
        rid = rid or fp

        duplicate_of = self._by_fingerprint.get(fp)
        best_id, best_j = None, 0.0
        if mh is not None and not self._lsh.is_empty():
            for cand in self._lsh.query(mh):
                sig = self._entries[cand].signature
                j = float(np.count_nonzero(sig == mh.hashvalues)) / NUM_PERM
                if j > best_j:
                    best_id, best_j = cand, j
        if duplicate_of is None and best_id is not None and best_j >= DUPLICATE_THRESHOLD:
            duplicate_of = self._entries[best_id].duplicate_of or best_id
        if duplicate_of is not None and duplicate_of in self._entries:
            story_id = self._entries[duplicate_of].story_id
        elif best_id is not None and best_j >= STORY_THRESHOLD:
            story_id = self._entries[best_id].story_id
        else:
            story_id = old.story_id if old is not None else rid
        self._remember(rid, _Entry(fp, duplicate_of, story_id,
                                   None if mh is None else mh.hashvalues), mh)
        return DedupResult(fp, duplicate_of, story_id)

    def __len__(self) -> int:
        return len(self._entries)

    def _remember(self, rid: str, entry: _Entry, mh: MinHash | None = None) -> None:
        self._entries[rid] = entry
        self._by_fingerprint.setdefault(entry.fingerprint, rid)
        if entry.signature is not None:
            mh = mh or self._minhash(entry.signature)
            self._lsh.insert(rid, mh, check_duplication=False)
        while len(self._entries) > self.max_entries:
            self._forget(next(iter(self._entries)))

    def _forget(self, rid: str) -> None:
        entry = self._entries.pop(rid)
        if self._by_fingerprint.get(entry.fingerprint) == rid:
            del self._by_fingerprint[entry.fingerprint]
        if entry.signature is not None and rid in self._lsh:
            self._lsh.remove(rid)

    @staticmethod
    def _minhash(signature: np.ndarray) -> MinHash:
        return MinHash(seed=SEED, hashfunc=int, hashvalues=signature,
                       permutations=_TEMPLATE.permutations, scheme=_TEMPLATE.scheme)

    # ------------------------------------------------------------------ state
    def save(self, state_dir: Path | str) -> None:
        """Write the state atomically to ``state_dir/dedup.pickle``."""
        state_dir = Path(state_dir)
        state_dir.mkdir(parents=True, exist_ok=True)
        payload = {"version": _STATE_VERSION, "num_perm": NUM_PERM, "shingle": SHINGLE,
                   "seed": SEED, "scheme": _TEMPLATE.scheme,
                   "entries": [(rid, e.fingerprint, e.duplicate_of, e.story_id,
                                None if e.signature is None else e.signature.tobytes())
                               for rid, e in self._entries.items()]}
        fd, tmp = tempfile.mkstemp(dir=state_dir, prefix=".dedup-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, state_dir / STATE_FILE)

    @classmethod
    def load(cls, state_dir: Path | str, *, max_entries: int = MAX_ENTRIES) -> Deduper:
        """A deduper with the state saved in ``state_dir`` (empty if there is none).

        State written with other MinHash parameters is ignored (it would not compare).
        """
        deduper = cls(max_entries=max_entries)
        path = Path(state_dir) / STATE_FILE
        if not path.exists():
            return deduper
        with path.open("rb") as fh:
            payload = pickle.load(fh)  # our own file under RAQIB_HOME/state
        params = (payload.get("version"), payload.get("num_perm"), payload.get("shingle"),
                  payload.get("seed"), payload.get("scheme"))
        if params != (_STATE_VERSION, NUM_PERM, SHINGLE, SEED, _TEMPLATE.scheme):
            return deduper
        dtype = _TEMPLATE.hashvalues.dtype
        for rid, fp, dup, story, sig in payload["entries"]:
            signature = None if sig is None else np.frombuffer(sig, dtype=dtype).copy()
            deduper._remember(rid, _Entry(fp, dup, story, signature))
        return deduper


class StateLock:
    """An exclusive lock on ``state_dir/dedup.lock`` between processes.

    Blocks until another process releases it. Re-entrant within one process (a second
    lock on the same folder shares the first), so two enrichers in one process cannot
    deadlock each other.
    """

    _held: dict[Path, list] = {}  # folder → [open lock file, holders]

    def __init__(self, state_dir: Path | str) -> None:
        self.path = Path(state_dir).resolve()
        self.path.mkdir(parents=True, exist_ok=True)
        held = self._held.get(self.path)
        if held is None:
            fh = (self.path / LOCK_FILE).open("a")
            fcntl.flock(fh, fcntl.LOCK_EX)
            held = self._held[self.path] = [fh, 0]
        held[1] += 1
        self._released = False

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        held = self._held[self.path]
        held[1] -= 1
        if held[1] == 0:
            fcntl.flock(held[0], fcntl.LOCK_UN)
            held[0].close()
            del self._held[self.path]

    def __del__(self) -> None:
        self.release()
