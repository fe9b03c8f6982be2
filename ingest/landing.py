"""Landing JSONL files into the shared landing zone (``raqib landing import``).

Each file becomes one batch whose id is its content hash (:func:`state.landing.file_batch_id`):
importing the same file twice lands nothing new, and records go through the same bounds
as everywhere (:func:`core.record.read_jsonl`) — a bad line is skipped with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from elasticsearch import Elasticsearch

from core.record import RecordError, RecordLimits, read_jsonl
from state.landing import BatchWriter, file_batch_id, published


@dataclass
class ImportResult:
    """What ``raqib landing import`` did; :meth:`report` is how it is shown."""

    files: int = 0
    already: int = 0
    records: int = 0
    skipped: list[str] = field(default_factory=list)  # "file:line: reason"

    def report(self) -> str:
        lines = [f"{self.files} file(s) landed ({self.records} record(s)), {self.already} "
                 f"already there, {len(self.skipped)} bad line(s) skipped."]
        lines += [f"  {s}" for s in self.skipped[:50]]
        return "\n".join(lines)


def import_files(client: Elasticsearch, source: Path, limits: RecordLimits) -> ImportResult:
    """Land ``source`` (a JSONL file, or every ``*.jsonl`` below a folder) as batches."""
    paths = [source] if source.is_file() else sorted(
        p for p in source.rglob("*.jsonl") if not p.name.startswith("."))
    if not paths and not source.exists():
        raise OSError(f"{source}: no such file or folder")
    result = ImportResult()
    ids = {p: file_batch_id(p) for p in paths}
    there = published(client, ids.values())
    for path in paths:
        if ids[path] in there:
            result.already += 1
            continue
        writer = BatchWriter(client, ids[path], None, origin="import", source=str(path))
        for number, item in read_jsonl(path, limits):
            if isinstance(item, RecordError):
                result.skipped.append(f"{path.name}:{number}: {item}")
            else:
                writer.write(item)
        if writer.close():
            result.files += 1
            result.records += writer.count
    return result
