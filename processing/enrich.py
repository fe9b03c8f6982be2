"""The single enrichment entry point used by ``raqib enrich``, ``raqib process`` and Airflow.

:class:`Enricher` adds, per the article record contract: ``language`` (+
``language_confidence``), ``topics``, ``places``, ``fingerprint``, ``duplicate_of`` and
``story_id``. The input records are not modified. Near-duplicates and stories are looked
up in a :class:`processing.dedup.Memory` given by the caller (this process by default, the
shared store of :mod:`state.dedup` in ``raqib process``): nothing here touches files.

:func:`enrich_jsonl` is the line-oriented wrapper behind ``raqib enrich``: a bad line is
reported on ``err`` with its line number and reason and skipped; the rest goes on.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import BinaryIO, TextIO

from core.catalogue.places import Gazetteer
from core.catalogue.topics import Taxonomy
from core.record import RecordError, RecordLimits, read_jsonl
from processing.boilerplate import Boilerplate, sentence_keys
from processing.dedup import Article, Deduper, Entry, Memory, article_text
from processing.language import language_of_record
from processing.phrases import Doc
from processing.places import PlaceTagger
from processing.stories import event_of
from processing.topics import TopicTagger

__all__ = ["EnrichStats", "Enricher", "article_text", "enrich_jsonl", "fewer_collections"]

BATCH = 200  # records per near-duplicate lookup


class Enricher:
    """Taggers and near-duplicate memory bound together.

    Call :meth:`commit` once the enriched records are safely stored (indexed), so that a
    failed batch is not remembered as seen. ``boilerplate``: what each outlet repeats,
    learned from the archive; the enricher keeps learning from what it reads.
    """

    def __init__(self, taxonomy: Taxonomy, gazetteer: Gazetteer,
                 memory: Memory | None = None, boilerplate: Boilerplate | None = None
                 ) -> None:
        self.topics = TopicTagger(taxonomy)
        self.places = PlaceTagger(gazetteer)
        self.deduper = Deduper(memory)
        self.boilerplate = boilerplate if boilerplate is not None else Boilerplate()
        self._kinds = {p.id: p.kind for p in gazetteer.places}

    def enrich_one(self, record: dict) -> dict:
        """A copy of ``record`` with the processing fields added."""
        return self.enrich_batch([record])[0]

    def enrich_batch(self, records: list[dict]) -> list[dict]:
        """Copies of ``records`` with the processing fields added (one memory lookup)."""
        docs = [Doc.from_record(r) for r in records]
        for record, doc in zip(records, docs, strict=True):
            doc.note_search_forms(record)  # indexing's *_norm fields, from these tokens
        places = [self.places.tag_with_positions(d) for d in docs]
        keys = [sentence_keys(d) for d in docs]
        for record, doc_keys in zip(records, keys, strict=True):  # the batch first
            self.boilerplate.learn(record.get("outlet"), str(record.get("id")), doc_keys)
        articles = []
        for record, doc, found, doc_keys in zip(records, docs, places, keys, strict=True):
            event = event_of(doc, record.get("outlet"),
                             record.get("published_at") or record.get("crawled_at"),
                             found, self.boilerplate, self._kinds)
            articles.append(Article(record, doc.tokens, event, tuple(doc_keys)))
        classify = self.deduper.look_up(articles)  # the lookups run while we tag
        languages = [language_of_record(r) for r in records]
        topics = [self.topics.tag(d) for d in docs]
        out = []
        for record, found, lang, tags, dd in zip(records, places, languages, topics,
                                                 classify(), strict=True):
            enriched = dict(record)
            enriched.update(
                language=lang.code,
                language_confidence=lang.confidence,
                topics=tags,
                places=[place for place, _ in found],
                fingerprint=dd.fingerprint,
                duplicate_of=dd.duplicate_of,
                story_id=dd.story_id,
            )
            out.append(enriched)
        return out

    def enrich(self, records: Iterable[dict]) -> Iterator[dict]:
        """Enrich records in order, lazily, ``BATCH`` at a time."""
        it = iter(records)
        while batch := list(islice(it, BATCH)):
            yield from self.enrich_batch(batch)

    def take_seen(self) -> list[Entry]:
        """What the records enriched since the last call or commit add to the memory;
        :meth:`commit` it once they are stored (while the next records are enriched)."""
        return self.deduper.take_pending()

    def commit(self, seen: list[Entry] | None = None) -> None:
        """Hand what was seen to the memory (call once the records are stored): ``seen``
        from :meth:`take_seen`, or by default everything enriched since the last commit."""
        self.deduper.commit(seen)


@contextmanager
def fewer_collections(young: int = 10_000, older: int = 50) -> Iterator[None]:
    """Run the cyclic garbage collector less often while articles are enriched.

    Enrichment and the cluster's answers make many short-lived objects beside large
    long-lived caches and memories, which every older-generation collection walks again.
    At Python's default (700, 10, 10) the collector took a quarter of ``raqib process``'s
    CPU and up to a sixth of ``raqib enrich``'s (``bench.process --real``, ``bench.enrich
    --real``); at (10,000, 50, 50) about as much as with the collector off. Restored after.
    """
    before = gc.get_threshold()
    gc.set_threshold(young, older, older)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@dataclass
class EnrichStats:
    written: int = 0
    skipped: int = 0


def enrich_jsonl(source: BinaryIO, out: TextIO, err: TextIO, enricher: Enricher,
                 limits: RecordLimits = RecordLimits()) -> EnrichStats:
    """Read article JSONL, write enriched JSONL; report bad lines on ``err`` and skip them."""
    stats = EnrichStats()

    def records() -> Iterator[dict]:
        for number, item in read_jsonl(source, limits):
            if isinstance(item, RecordError):
                stats.skipped += 1
                err.write(f"line {number}: skipped: {item}\n")
            else:
                yield item

    with fewer_collections():
        for enriched in enricher.enrich(records()):
            out.write(json.dumps(enriched, ensure_ascii=False) + "\n")
            stats.written += 1
    out.flush()
    enricher.commit()
    return stats
