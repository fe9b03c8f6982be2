"""From the landing zone to the index: enrich and index every batch not processed yet.

A batch is a landed crawl run of one outlet (:mod:`state.landing`) or, with
``landing_dir``, one JSONL file of a folder. Its records are bounded and parsed (a bad line
is skipped with its reason) and go ``CHUNK`` at a time through enrichment (near-duplicates
and stories looked up in the shared :mod:`state.dedup`); each enriched chunk is indexed,
remembered in :mod:`state.dedup` and merged into the story records (:mod:`indexing.stories`)
by a storing thread while the next chunk is enriched. Only when its last chunk is stored is
the batch recorded in the processed ledger (:mod:`state.ledger`, keyed by content) — a
batch that failed midway is retried whole next time, which is safe because ids are
idempotent and an article processed again gets the same answer.

One worker processes at a time: the ``process`` lease (:mod:`state.leases`) is held for
the run and renewed after each batch; a second worker waits for it (``wait`` seconds), then
finds the batches already done. ``raqib process``, ``raqib run``, ``raqib demo`` and the
ingest DAG all call :func:`process_landing`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from elasticsearch import Elasticsearch

from core.catalogue import Catalogue
from core.record import RecordError, RecordLimits, read_jsonl
from core.settings import Settings, load_settings
from indexing.bulk import IndexingError, index_records
from indexing.client import get_client
from indexing.stories import STORIES, update_stories
from indexing.templates import ALIAS
from processing.boilerplate import Boilerplate
from processing.dedup import Entry
from processing.enrich import Enricher, fewer_collections
from state import landing, ledger
from state.deadletter import DeadLetter
from state.dedup import EsMemory, boilerplate_counts
from state.leases import Lease, LeaseBusy
from state.store import StateError
from state.upgrade import import_legacy

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (batch, batches done, batches to do)
CHUNK = 500  # records enriched, then stored, at a time (one bulk request of articles)


@dataclass
class BatchResult:
    """What happened to one batch."""

    source: str
    records: int = 0
    bad_lines: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)  # "line 3: reason"


@dataclass
class ProcessSummary:
    """Totals of one :func:`process_landing` call; :meth:`report` is how it is shown."""

    batches: list[BatchResult] = field(default_factory=list)
    already_processed: int = 0
    error: str | None = None

    @property
    def indexed(self) -> int:
        return sum(b.created + b.updated for b in self.batches)

    @property
    def created(self) -> int:
        return sum(b.created for b in self.batches)

    def totals(self) -> dict:
        keys = ("records", "bad_lines", "created", "updated", "failed", "duplicates")
        return {k: sum(getattr(b, k) for b in self.batches) for k in keys}

    def report(self) -> str:
        """The summary for people: the CLI prints it, the DAG logs it."""
        t = self.totals()
        lines = [f"{len(self.batches)} batch(es) processed, {self.already_processed} already "
                 f"done: {t['records']} record(s), {t['created']} new, {t['updated']} updated, "
                 f"{t['failed']} rejected (dead letter), {t['duplicates']} near-duplicate(s), "
                 f"{t['bad_lines']} bad line(s) skipped."]
        for batch in self.batches:
            lines += [f"  {batch.source}: {reason}" for reason in batch.skipped[:20]]
            if len(batch.skipped) > 20:
                lines.append(f"  {batch.source}: … {len(batch.skipped) - 20} more")
        if self.error:
            lines.append(f"Stopped: {self.error}")
        return "\n".join(lines)


@dataclass
class _Source:
    """One batch to process: its ledger key, a label, and how to read its records."""

    key: str
    label: str
    read: Callable[[BatchResult], Iterator[dict]]


def read_file(path: Path, result: BatchResult, limits: RecordLimits) -> Iterator[dict]:
    """Records of one JSONL file; a bad line is counted, reported and skipped."""
    for number, item in read_jsonl(path, limits):
        if isinstance(item, RecordError):
            result.bad_lines += 1
            result.skipped.append(f"line {number}: {item}")
            log.warning("%s:%d skipped: %s", path.name, number, item)
            continue
        result.records += 1
        yield item


def folder_files(folder: Path) -> list[Path]:
    """JSONL files of a landing folder (``<day>/<outlet>-<run>.jsonl`` or flat), sorted."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.jsonl") if not p.name.startswith("."))


def _sources(client: Elasticsearch, landing_dir: Path | None,
             limits: RecordLimits) -> list[_Source]:
    if landing_dir is not None:
        out = []
        for path in folder_files(landing_dir):
            key = f"file:{landing.file_batch_id(path)}"
            out.append(_Source(key, str(path.relative_to(landing_dir)),
                               lambda result, path=path: read_file(path, result, limits)))
        return out
    out = []
    for batch in landing.batches(client):
        def read(result: BatchResult, batch: landing.Batch = batch) -> Iterator[dict]:
            for record in landing.records(client, batch):
                result.records += 1
                yield record
        out.append(_Source(batch.key, batch.id, read))
    return out


def process_landing(settings: Settings | None = None, landing_dir: Path | None = None,
                    client: Elasticsearch | None = None, progress: Progress | None = None,
                    rebuild: bool = False, wait: float = 600) -> ProcessSummary:
    """Enrich and index every batch not processed yet; return what was done.

    ``landing_dir``: process the JSONL files of this folder instead of the landing index.
    ``rebuild``: process every batch again (after a taxonomy change, say).
    Stops at the first batch the cluster could not take (``summary.error`` says why; that
    batch and the ones after it stay pending for the next run). Raises
    :class:`state.store.StateError` when the cluster cannot be used at all and
    :class:`state.leases.LeaseBusy` when another worker kept processing for ``wait`` s.
    """
    settings = settings or load_settings()
    client = client or get_client(settings)
    catalogue = Catalogue(settings)
    limits = settings.record_limits()
    import_legacy(settings, client)
    summary = ProcessSummary()
    with Lease(client, "process", ttl=600, wait=wait) as lease, fewer_collections():
        sources = _sources(client, Path(landing_dir) if landing_dir else None, limits)
        done = set() if rebuild else ledger.done(client, [s.key for s in sources])
        todo = [s for s in sources if s.key not in done]
        summary.already_processed = len(sources) - len(todo)
        if not todo:
            return summary
        memory = EsMemory(client)
        memory.publish()  # what a run that stopped before its end had stored
        boilerplate = Boilerplate()
        boilerplate.seed(boilerplate_counts(client))
        enricher = Enricher(catalogue.taxonomy(), catalogue.gazetteer(), memory, boilerplate)
        with _Storer() as storer:
            try:
                for number, source in enumerate(todo):
                    if progress:
                        progress(source.label, number, len(todo))
                    lease.renew()
                    _process_batch(client, enricher, storer, source, summary, lease.holder)
                storer.wait()
            except _StoreFailed as failed:
                summary.error = f"{failed.label}: {failed.cause}"
                log.error("indexing stopped at %s: %s", failed.label, failed.cause)
        memory.publish()  # before the lease goes: the next worker sees this run's articles
        if progress:
            progress(todo[-1].label, len(summary.batches), len(todo))
    if summary.batches:
        client.options(ignore_status=404).indices.refresh(index=[ALIAS, STORIES.name])
    return summary


def _process_batch(client: Elasticsearch, enricher: Enricher, storer: _Storer,
                   source: _Source, summary: ProcessSummary, worker: str) -> None:
    """Enrich one batch ``CHUNK`` records at a time, each chunk stored by ``storer`` while
    the next is enriched; the batch is recorded as done (and added to ``summary``) after
    its last chunk. Raises :class:`_StoreFailed` for this batch or an earlier one."""
    result = BatchResult(source=source.label)
    dead = DeadLetter(client, source.key)
    records = enricher.enrich(source.read(result))
    try:
        while chunk := list(islice(records, CHUNK)):
            seen = enricher.take_seen()
            storer.submit(source.label, lambda chunk=chunk, seen=seen: _store_chunk(
                client, enricher, chunk, seen, dead, result))
    except StateError as exc:  # the enrichment's lookups: this batch failed
        storer.wait()  # an earlier batch's failure comes first
        raise _StoreFailed(source.label, exc) from exc
    storer.submit(source.label,
                  lambda: _record_batch(client, source, result, summary, worker), chunk=False)


def _store_chunk(client: Elasticsearch, enricher: Enricher, records: list[dict],
                 seen: list[Entry], dead: DeadLetter, result: BatchResult) -> None:
    """Index enriched records, then remember them for later lookups, then merge them into
    their stories (in the storing thread)."""
    counts = index_records(records, client, dead_letter=dead)
    enricher.commit(seen)
    update_stories(client, [r for r in records if r.get("id") not in dead.rejected])
    result.created += counts.created
    result.updated += counts.updated
    result.failed += counts.failed
    result.duplicates += sum(1 for r in records if r.get("duplicate_of"))


def _record_batch(client: Elasticsearch, source: _Source, result: BatchResult,
                  summary: ProcessSummary, worker: str) -> None:
    """Mark a batch done by ``worker`` once all its chunks are stored (in the storing
    thread)."""
    ledger.record(client, source.key, source.label, worker, vars(result))
    summary.batches.append(result)


class _StoreFailed(Exception):
    """A batch the cluster could not take (``label``), and why (``cause``)."""

    def __init__(self, label: str, cause: Exception) -> None:
        super().__init__(f"{label}: {cause}")
        self.label, self.cause = label, cause


class _Storer:
    """Runs storing tasks in one background thread, in the order they come, while the main
    thread enriches: the cluster's time to take a chunk overlaps the enrichment of the
    next. At most ``MAX_CHUNKS`` chunks wait or run at a time. Once a task fails, the ones
    after it are skipped: a batch is never recorded as done after a chunk of it (or of an
    earlier batch) failed. Leaving the ``with`` block waits for what is in flight."""

    MAX_CHUNKS = 2

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="raqib-store")
        self._inflight: deque[tuple[str, Future, bool]] = deque()  # label, task, a chunk?
        self._failed = False

    def __enter__(self) -> _Storer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True)

    def submit(self, label: str, task: Callable[[], None], chunk: bool = True) -> None:
        """Queue ``task`` of batch ``label`` (``chunk``: it holds records, and waits for
        room); raise :class:`_StoreFailed` if a task before it failed."""
        while self._inflight and self._inflight[0][1].done():
            self._settle()  # finished: a failure comes out now
        while chunk and sum(c for _, _, c in self._inflight) >= self.MAX_CHUNKS:
            self._settle()
        self._inflight.append((label, self._pool.submit(self._run, task), chunk))

    def wait(self) -> None:
        """Wait for every queued task; :class:`_StoreFailed` if the cluster failed one."""
        while self._inflight:
            self._settle()

    def _run(self, task: Callable[[], None]) -> None:
        if self._failed:
            return
        try:
            task()
        except BaseException:
            self._failed = True
            raise

    def _settle(self) -> None:
        """Wait for the oldest task; raise what it raised."""
        label, future, _ = self._inflight.popleft()
        try:
            future.result()
        except (IndexingError, StateError) as exc:
            raise _StoreFailed(label, exc) from exc


__all__ = ["BatchResult", "LeaseBusy", "ProcessSummary", "folder_files", "process_landing",
           "read_file"]
