"""From the landing zone to the index: enrich and index every landing file not indexed yet.

The landing zone is the source of truth. A ledger (``$RAQIB_HOME/state/processed.jsonl``)
lists the landing files already indexed; a file is added to it only once all its
records were accepted by Elasticsearch or written to the dead letter. A file that
failed midway is therefore retried whole next time, which is safe because ids
are idempotent. ``raqib process``, ``raqib run``, ``raqib demo`` and the ingest DAG
all call :func:`process_landing`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from elasticsearch import Elasticsearch

from indexing.bulk import IndexingError, index_records
from indexing.client import get_client
from indexing.templates import ALIAS
from raqib.settings import Settings, load_settings

log = logging.getLogger(__name__)

Progress = Callable[[Path, int, int], None]  # (file, files done, files to do)


@dataclass
class FileResult:
    """What happened to one landing file."""

    path: str
    records: int = 0
    bad_lines: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    duplicates: int = 0


@dataclass
class ProcessSummary:
    """Totals of one ``process_landing`` call."""

    files: list[FileResult] = field(default_factory=list)
    already_processed: int = 0
    error: str | None = None

    @property
    def indexed(self) -> int:
        return sum(f.created + f.updated for f in self.files)

    @property
    def created(self) -> int:
        return sum(f.created for f in self.files)

    def totals(self) -> dict:
        keys = ("records", "bad_lines", "created", "updated", "failed", "duplicates")
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}


class Ledger:
    """Append-only record of the landing files already indexed."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def done(self) -> set[str]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return set()
        return {json.loads(line)["file"] for line in lines if line.strip()}

    def add(self, key: str, result: FileResult) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"file": key, "at": datetime.now(UTC).isoformat(timespec="seconds"),
                 **{k: v for k, v in asdict(result).items() if k != "path"}}
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def landing_files(landing_dir: Path) -> list[Path]:
    """Finished landing files (``<day>/<outlet>-<run>.jsonl``), oldest day first."""
    if not landing_dir.is_dir():
        return []
    return sorted(p for p in landing_dir.glob("*/*.jsonl") if not p.name.startswith("."))


def read_landing(path: Path, result: FileResult) -> Iterator[dict]:
    """Records of one landing file; a malformed line is logged, counted and skipped."""
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not a JSON object")
            except ValueError as exc:
                result.bad_lines += 1
                log.warning("%s:%d skipped: %s", path, number, exc)
                continue
            result.records += 1
            yield record


def process_landing(settings: Settings | None = None, landing_dir: Path | None = None,
                    client: Elasticsearch | None = None,
                    progress: Progress | None = None) -> ProcessSummary:
    """Enrich and index every landing file not in the ledger; return what was done.

    Stops at the first file the cluster could not take (``summary.error`` says why;
    that file and the ones after it stay pending for the next run).
    """
    from processing.enrich import Enricher

    settings = settings or load_settings()
    landing_dir = Path(landing_dir or settings.landing_dir)
    ledger = Ledger(settings.state_dir / "processed.jsonl")
    done = ledger.done()
    files = landing_files(landing_dir)
    todo = [f for f in files if _key(f, landing_dir) not in done]
    summary = ProcessSummary(already_processed=len(files) - len(todo))
    if not todo:
        return summary
    client = client or get_client(settings)
    dead_letter = settings.home / "dead-letter" / "index.jsonl"
    # One enricher for the run: the near-duplicate state is loaded (and locked) once,
    # and saved after each file the cluster took, so a failed file is not remembered.
    with Enricher(settings.state_dir) as enricher:
        for number, path in enumerate(todo):
            if progress:
                progress(path, number, len(todo))
            result = FileResult(path=str(path))
            records = list(enricher.enrich(read_landing(path, result)))
            result.duplicates = sum(1 for r in records if r.get("duplicate_of"))
            try:
                counts = index_records(records, client, dead_letter=dead_letter)
            except IndexingError as exc:
                summary.error = f"{path.name}: {exc}"
                log.error("indexing stopped at %s: %s", path, exc)
                break
            enricher.commit()
            result.created, result.updated = counts.created, counts.updated
            result.failed = counts.failed
            ledger.add(_key(path, landing_dir), result)
            summary.files.append(result)
    if progress:
        progress(todo[-1], len(summary.files), len(todo))
    if summary.files:
        client.options(ignore_status=404).indices.refresh(index=ALIAS)
    return summary


def _key(path: Path, landing_dir: Path) -> str:
    return path.relative_to(landing_dir).as_posix()
