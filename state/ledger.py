"""Which batches were processed: ``raqib-processed``, one document per batch key.

A key names content, not a place: ``batch:<id>`` for a landed batch (never changed once
published) and ``file:<sha256>`` for a JSONL file given to ``raqib process --landing``,
so a file with the same path but new content is processed again, and the same content
under another name is not. A key is recorded (``op_type=create``) only after the cluster
took every record of its batch, so a batch that failed midway is retried whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from elasticsearch import Elasticsearch

from state.store import DATE, INTEGER, KEYWORD, STORED_TEXT, Index, create_all, get_many

PROCESSED = Index("raqib-processed", {
    "key": KEYWORD, "source": STORED_TEXT, "at": DATE, "worker": KEYWORD,
    "records": INTEGER, "bad_lines": INTEGER, "created": INTEGER, "updated": INTEGER,
    "failed": INTEGER, "duplicates": INTEGER,
})
COUNTS = ("records", "bad_lines", "created", "updated", "failed", "duplicates")


def done(client: Elasticsearch, keys: Iterable[str]) -> set[str]:
    """The keys among ``keys`` already processed."""
    return set(get_many(client, PROCESSED, keys, "reading the processed ledger"))


def record(client: Elasticsearch, key: str, source: str, worker: str, counts: dict) -> bool:
    """Mark ``key`` processed; False if another worker recorded it first."""
    created, _ = create_all(client, PROCESSED, [(key, {
        "key": key, "source": source, "worker": worker,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        **{k: int(counts.get(k, 0)) for k in COUNTS}})], "recording a processed batch")
    return bool(created)
