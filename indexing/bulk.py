"""Bulk indexing of article records into Elasticsearch.

``index_records`` streams records (any iterable; memory stays bounded by one
window of ``chunk_size`` records) through ``elasticsearch.helpers.streaming_bulk``
with the article ``id`` as ``_id``, so indexing a record twice leaves one document
(which keeps the ``indexed_at`` of its first indexing: the digests depend on it).

What goes wrong, and what happens then:

* 429 on single documents: ``streaming_bulk`` retries them with backoff.
* 429/5xx on the whole request, timeouts, connection errors: the window is retried
  with exponential backoff; when the attempts run out ``IndexingError`` is raised
  and nothing is marked done, so the caller can retry the whole batch later
  (ids are idempotent, so that is safe).
* a document Elasticsearch rejects (mapping error, bad date, …) or a record that
  cannot be turned into a document: handed to the dead letter with the reason
  (:mod:`state.deadletter` in ``raqib process``), and the rest of the batch goes on.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Protocol

from elasticsearch import ApiError, Elasticsearch, TransportError
from elasticsearch.helpers import streaming_bulk

from indexing.templates import ALIAS, index_for, install_template
from processing.normalize import normalize_for_search

log = logging.getLogger(__name__)

NORMALISED_FIELDS = (("title", "title_norm"), ("lead", "lead_norm"), ("body", "body_norm"))


class IndexingError(RuntimeError):
    """The cluster could not be reached or kept failing; nothing of the window was lost."""

    def __init__(self, message: str, pending: int | None = None) -> None:
        super().__init__(message)
        self.pending = pending


class RecordError(ValueError):
    """A record that cannot become a document (missing id, bad published_at, …)."""


@dataclass
class IndexSummary:
    """Counts of one ``index_records`` call."""

    created: int = 0
    updated: int = 0
    failed: int = 0
    indices: set[str] = field(default_factory=set)

    @property
    def indexed(self) -> int:
        return self.created + self.updated


def to_document(record: dict, now: datetime | None = None) -> tuple[str, str, dict]:
    """Return ``(index, id, source)`` for an article record; raises RecordError if unusable."""
    doc_id = record.get("id")
    if not doc_id or not isinstance(doc_id, str):
        raise RecordError("id: missing or not a string")
    published = record.get("published_at")
    if not isinstance(published, str):
        raise RecordError("published_at: missing or not a string")
    try:
        index = index_for(published)
    except ValueError as exc:
        raise RecordError(f"published_at: not an ISO 8601 date with offset ({exc})") from None
    source = dict(record)
    for text_field, norm_field in NORMALISED_FIELDS:
        text = record.get(text_field)
        source[norm_field] = normalize_for_search(text) if isinstance(text, str) else None
    places = []
    for place in record.get("places") or []:
        place = dict(place)
        if place.get("lat") is not None and place.get("lon") is not None:
            place["location"] = {"lat": place["lat"], "lon": place["lon"]}
        places.append(place)
    source["places"] = places
    source["indexed_at"] = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    return index, doc_id, source


class DeadLetter(Protocol):
    """Where rejected records go, with the reason (e.g. :class:`state.deadletter.DeadLetter`)."""

    def write(self, record: dict, reason: str, status: int | None = None) -> None: ...

    def flush(self) -> None: ...


class _LogOnly:
    def write(self, record: dict, reason: str, status: int | None = None) -> None:
        log.warning("not indexed: %s (%s)", record.get("id") or record.get("url"), reason)

    def flush(self) -> None:
        pass


def _reason(error: dict) -> str:
    err = error.get("error")
    if isinstance(err, dict):
        return f"{err.get('type')}: {err.get('reason')}"
    return str(err)


def _is_transient(status: int | None) -> bool:
    return status is None or status == 429 or status >= 500


def index_records(
    records: Iterable[dict],
    client: Elasticsearch,
    *,
    dead_letter: DeadLetter | None = None,
    chunk_size: int = 500,
    attempts: int = 6,
    initial_backoff: float = 1.0,
    max_backoff: float = 30.0,
    refresh: bool = False,
) -> IndexSummary:
    """Index article records; return counts. Raises IndexingError if the cluster stays down."""
    try:
        install_template(client)
    except TransportError as exc:
        raise IndexingError(f"Elasticsearch is unreachable: {exc}. Nothing was indexed; "
                            "run the same batch again when the cluster is back.") from None
    summary = IndexSummary()
    dead = dead_letter or _LogOnly()
    try:
        for window in _windows(records, chunk_size):
            actions = []
            for record in window:
                try:
                    index, doc_id, source = to_document(record)
                except RecordError as exc:
                    summary.failed += 1
                    dead.write(record, str(exc))
                    continue
                actions.append(({"_index": index, "_id": doc_id, "_source": source}, record))
            _keep_first_indexed_at(client, actions)
            _send_window(client, actions, summary, dead, chunk_size, attempts,
                         initial_backoff, max_backoff)
        if refresh and summary.indices:
            client.indices.refresh(index=ALIAS)
    finally:
        dead.flush()
    return summary


def _keep_first_indexed_at(client: Elasticsearch, actions: list[tuple[dict, dict]]) -> None:
    """A re-indexed article keeps the time it was first indexed.

    The digests select "indexed since the last digest": re-processing the archive
    (say after a taxonomy change) must not make old articles look new.
    """
    if not actions:
        return
    docs = [{"_index": a["_index"], "_id": a["_id"], "_source": ["indexed_at"]} for a, _ in actions]
    try:
        found = client.mget(docs=docs)["docs"]
    except (TransportError, ApiError):
        return  # the bulk request that follows reports and retries it
    for (action, _), doc in zip(actions, found, strict=True):
        first = doc.get("_source", {}).get("indexed_at") if doc.get("found") else None
        if first:
            action["_source"]["indexed_at"] = first


def _windows(records: Iterable[dict], size: int) -> Iterator[list[dict]]:
    it = iter(records)
    while window := list(islice(it, size)):
        yield window


def _send_window(client: Elasticsearch, actions: list[tuple[dict, dict]], summary: IndexSummary,
                 dead: DeadLetter, chunk_size: int, attempts: int, initial_backoff: float,
                 max_backoff: float) -> None:
    """Send one window, retrying transient failures with exponential backoff."""
    pending = actions
    for attempt in range(attempts):
        if not pending:
            return
        by_id: dict[str, list[tuple[dict, dict]]] = defaultdict(list)
        for action in pending:
            by_id[action[0]["_id"]].append(action)
        retry: list[tuple[dict, dict]] = []
        try:
            results = streaming_bulk(
                client, (a for a, _ in pending), chunk_size=chunk_size, max_retries=3,
                initial_backoff=initial_backoff, max_backoff=max_backoff,
                raise_on_error=False, raise_on_exception=False,
            )
            for ok, item in results:
                info = item["index"]
                action = by_id[info["_id"]].pop(0)
                if ok:
                    summary.indices.add(info["_index"])
                    if info.get("result") == "created":
                        summary.created += 1
                    else:
                        summary.updated += 1
                elif _is_transient(info.get("status")):
                    retry.append(action)
                else:
                    summary.failed += 1
                    dead.write(action[1], _reason(info), info.get("status"))
        except (TransportError, ApiError) as exc:  # connection refused, timeout, …
            retry = [a for items in by_id.values() for a in items] + retry
            last_error = str(exc)
        else:
            last_error = f"{len(retry)} document(s) kept failing with 429/5xx"
        pending = retry
        if pending and attempt + 1 < attempts:
            delay = min(max_backoff, initial_backoff * 2**attempt)
            log.warning("bulk: %d document(s) to retry in %.1fs: %s", len(pending), delay,
                        last_error)
            time.sleep(delay)
    if pending:
        raise IndexingError(
            f"Elasticsearch did not accept {len(pending)} document(s) after {attempts} attempts: "
            f"{last_error}. Nothing was lost: run the same batch again when the cluster is back.",
            pending=len(pending),
        )
