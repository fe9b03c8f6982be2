"""The landing zone: every collected article, append-only, readable by any worker.

Why Elasticsearch: it is the one store every Raqib deployment already has, every Airflow
worker reaches it, and it keeps what a shared folder would need NFS or object storage
for. The landing zone stays the source of truth: the articles index can be rebuilt from it
(``raqib process --rebuild``), and ``raqib landing export`` / ``import`` move it to and from
JSONL files for archives.

* ``raqib-landing``: one document per landed record, ``{"batch", "seq", "landed_at",
  "record"}``; the record is kept as it came (stored, not indexed). ``_id`` is
  sha1(batch, record id): writing a batch again changes nothing.
* ``raqib-landing-batches``: one document per batch (a crawl run of one outlet, or one
  imported file), created only once all its records are in. Batches without one (a crawl
  that died) are never processed; their URLs were not marked seen, so they come again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from elasticsearch import Elasticsearch

from state.store import (
    DATE,
    INTEGER,
    KEYWORD,
    STORED,
    Index,
    create_all,
    get_many,
    scan,
)

LANDING = Index("raqib-landing", {"batch": KEYWORD, "seq": INTEGER, "landed_at": DATE,
                                  "record": STORED})
BATCHES = Index("raqib-landing-batches", {"batch": KEYWORD, "outlet": KEYWORD,
                                          "origin": KEYWORD, "records": INTEGER,
                                          "landed_at": DATE, "source": KEYWORD})
CHUNK = 200


@dataclass(frozen=True)
class Batch:
    """One landed batch: a crawl run of an outlet, or an imported file."""

    id: str
    outlet: str | None
    records: int
    landed_at: str
    origin: str  # "crawl" or "import"
    source: str | None = None  # the imported file

    @property
    def key(self) -> str:
        """Its key in the processed ledger (a batch never changes once landed)."""
        return f"batch:{self.id}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _doc_id(batch: str, record_id: str) -> str:
    return hashlib.sha1(f"{batch}\x00{record_id}".encode()).hexdigest()


class BatchWriter:
    """Writes one batch into the landing index; :meth:`close` publishes it."""

    def __init__(self, client: Elasticsearch, batch: str, outlet: str | None,
                 origin: str = "crawl", source: str | None = None) -> None:
        self.client = client
        self.batch, self.outlet, self.origin, self.source = batch, outlet, origin, source
        self.count = 0
        self._buffer: list[tuple[str, dict]] = []
        self._landed_at = _now()

    def write(self, record: dict) -> None:
        self._buffer.append((_doc_id(self.batch, str(record.get("id"))),
                             {"batch": self.batch, "seq": self.count,
                              "landed_at": self._landed_at, "record": record}))
        self.count += 1
        if len(self._buffer) >= CHUNK:
            self._flush()

    def _flush(self, refresh: bool = False) -> None:
        create_all(self.client, LANDING, self._buffer, f"landing batch {self.batch}", refresh)
        self._buffer.clear()

    def close(self) -> Batch | None:
        """Publish the batch; ``None`` if nothing was written."""
        if not self.count:
            return None
        self._flush(refresh=True)  # every record searchable before the batch is published
        batch = Batch(self.batch, self.outlet, self.count, self._landed_at, self.origin,
                      self.source)
        create_all(self.client, BATCHES, [(self.batch, {
            "batch": batch.id, "outlet": batch.outlet, "origin": batch.origin,
            "records": batch.records, "landed_at": batch.landed_at, "source": batch.source,
        })], f"publishing landing batch {self.batch}", refresh=True)
        return batch


def batches(client: Elasticsearch) -> list[Batch]:
    """Every published batch, oldest first."""
    return [Batch(id=h["_source"]["batch"], outlet=h["_source"].get("outlet"),
                  records=h["_source"]["records"], landed_at=h["_source"]["landed_at"],
                  origin=h["_source"]["origin"], source=h["_source"].get("source"))
            for h in scan(client, BATCHES, {"match_all": {}},
                          [{"landed_at": "asc"}, {"batch": "asc"}], "listing landing batches")]


def published(client: Elasticsearch, ids: Iterable[str]) -> set[str]:
    """The batch ids among ``ids`` that are published."""
    return set(get_many(client, BATCHES, ids, "looking up landing batches"))


def records(client: Elasticsearch, batch: Batch) -> Iterator[dict]:
    """The records of one batch, in the order they landed."""
    for hit in scan(client, LANDING, {"term": {"batch": batch.id}}, [{"seq": "asc"}],
                    f"reading landing batch {batch.id}"):
        yield hit["_source"]["record"]


# ------------------------------------------------------------------ JSONL archives
def file_batch_id(path: Path) -> str:
    """A file's batch id: the sha256 of its bytes (the same content is the same batch)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return f"file-{digest.hexdigest()[:40]}"


def export_batches(client: Elasticsearch, folder: Path) -> list[Path]:
    """Write every batch to ``folder/<day>/<batch>.jsonl`` (atomically; existing kept)."""
    written = []
    for batch in batches(client):
        path = folder / batch.landed_at[:10] / f"{batch.id}.jsonl"
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for record in records(client, batch):
                fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        written.append(path)
    return written
