"""The single enrichment entry point used by ``raqib enrich``, ``raqib process`` and Airflow.

:func:`enrich_records` adds, per DESIGN (article record, "Added by processing"):
``language`` (+ ``language_confidence``), ``topics``, ``places``, ``fingerprint``,
``duplicate_of`` and ``story_id``. The input records are not modified.

:func:`enrich_jsonl` is the line-oriented wrapper behind ``raqib enrich``: malformed lines
are reported on ``err`` with their line number and skipped, valid ones are written out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from processing.dedup import Deduper, StateLock, article_text
from processing.language import language_of_record
from processing.phrases import Doc
from processing.places import PlaceTagger, default_place_tagger
from processing.topics import TopicTagger, default_tagger

__all__ = ["EnrichStats", "Enricher", "article_text", "enrich_jsonl", "enrich_records"]

TEXT_FIELDS = ("title", "lead", "body")


class Enricher:
    """Taggers and near-duplicate state bound together.

    ``state_dir``: where near-duplicate state persists between runs (e.g.
    ``settings.state_dir``); ``None`` dedups within this enricher's lifetime only. With a
    state dir the state is locked from construction to :meth:`close`, and written by
    :meth:`commit` — call it once the enriched records are safely stored (indexed), so a
    failed batch is not remembered.
    """

    def __init__(self, state_dir: Path | str | None = None, *,
                 topics_path: Path | str | None = None,
                 places_path: Path | str | None = None) -> None:
        self.topics: TopicTagger = default_tagger(topics_path)
        self.places: PlaceTagger = default_place_tagger(places_path)
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self._lock = StateLock(self.state_dir) if self.state_dir is not None else None
        self.deduper = Deduper.load(self.state_dir) if self.state_dir else Deduper()

    def enrich_one(self, record: dict) -> dict:
        """A copy of ``record`` with the processing fields added."""
        doc = Doc.from_record(record)
        lang = language_of_record(record)
        dedup = self.deduper.check(record, tokens=doc.tokens)
        out = dict(record)
        out.update(
            language=lang.code,
            language_confidence=lang.confidence,
            topics=self.topics.tag(doc),
            places=self.places.tag(doc),
            fingerprint=dedup.fingerprint,
            duplicate_of=dedup.duplicate_of,
            story_id=dedup.story_id,
        )
        return out

    def enrich(self, records: Iterable[dict]) -> Iterator[dict]:
        """Enrich records in order (lazily)."""
        for record in records:
            yield self.enrich_one(record)

    def commit(self) -> None:
        """Persist the near-duplicate state (no-op without a state dir)."""
        if self.state_dir is not None:
            self.deduper.save(self.state_dir)

    def close(self) -> None:
        """Release the state lock (does not commit)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Enricher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def enrich_records(records: Iterable[dict], *, state_dir: Path | str | None = None,
                   topics_path: Path | str | None = None,
                   places_path: Path | str | None = None) -> Iterator[dict]:
    """Enrich article records in order (a generator); commits the state when done.

    The state is also committed if the consumer stops early: what was yielded was seen.
    """
    with Enricher(state_dir, topics_path=topics_path, places_path=places_path) as enricher:
        try:
            yield from enricher.enrich(records)
        finally:
            enricher.commit()


@dataclass
class EnrichStats:
    written: int = 0
    skipped: int = 0


def _parse(line: bytes | str) -> dict:
    if isinstance(line, bytes):
        line = line.decode("utf-8")
    record = json.loads(line)
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    for key in TEXT_FIELDS:
        if record.get(key) is not None and not isinstance(record[key], str):
            raise ValueError(f"field {key!r} must be a string or null")
    return record


def enrich_jsonl(lines: Iterable[bytes | str], out: TextIO, err: TextIO, *,
                 state_dir: Path | str | None = None) -> EnrichStats:
    """Read article JSONL, write enriched JSONL; report bad lines on ``err`` and skip them."""
    stats = EnrichStats()

    def records() -> Iterator[dict]:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield _parse(line)
            except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
                stats.skipped += 1
                err.write(f"line {number}: skipped: {exc}\n")

    for enriched in enrich_records(records(), state_dir=state_dir):
        out.write(json.dumps(enriched, ensure_ascii=False) + "\n")
        stats.written += 1
    out.flush()
    return stats
