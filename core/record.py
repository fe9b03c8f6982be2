"""The article record: its fields (a contract, see docs/architecture.md) and its bounds.

Records come from crawlers, JSONL files and other tools; any of them may be hostile or
broken. :func:`parse_record` checks a line's size and nesting depth *before* parsing it,
then its shape, so one bad line costs one skipped record with a reason, never the run.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypedDict

__all__ = ["CRAWLED_FIELDS", "PROCESSED_FIELDS", "ArticleRecord", "RecordError", "RecordLimits",
           "parse_record", "read_jsonl"]


class ArticleRecord(TypedDict):
    """What a crawler writes for one article."""

    id: str
    url: str
    canonical_url: str
    outlet: str
    outlet_name: str
    title: str | None
    lead: str | None
    body: str
    author: str | None
    section: str | None
    image: str | None
    keywords: list[str]
    published_at: str | None
    modified_at: str | None
    crawled_at: str


CRAWLED_FIELDS = tuple(ArticleRecord.__annotations__)
PROCESSED_FIELDS = ("language", "language_confidence", "topics", "places", "fingerprint",
                    "duplicate_of", "story_id")
TEXT_FIELDS = ("title", "lead", "body")
_STRING_FIELDS = ("id", "url", "canonical_url", "outlet", "outlet_name", "title", "lead",
                  "body", "author", "section", "image", "published_at", "modified_at",
                  "crawled_at")


class RecordError(ValueError):
    """A record that cannot be used; the message is the reason it was skipped."""


@dataclass(frozen=True)
class RecordLimits:
    """Bounds on one record (``RAQIB_MAX_RECORD_BYTES``, ``…_DEPTH``, ``…_FIELDS``)."""

    max_bytes: int = 4_000_000   # a long article is ~100 KB; a whole book, ~2 MB
    max_depth: int = 8           # {"topics": [{"evidence": ["…"]}]} is 3
    max_fields: int = 100        # a record has ~25


_STRINGS_RE = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKETS_RE = re.compile(rb"[\[\]{}]")


def _depth(raw: bytes) -> int:
    """Deepest nesting of ``[`` / ``{`` outside strings (without parsing the JSON)."""
    depth = deepest = 0
    for m in _BRACKETS_RE.finditer(_STRINGS_RE.sub(b'""', raw)):
        if m.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def parse_record(line: bytes | str, limits: RecordLimits = RecordLimits()) -> dict:
    """One JSON line as an article record, or :class:`RecordError` saying why not."""
    raw = line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line
    if len(raw) > limits.max_bytes:
        raise RecordError(f"record of {len(raw):,} bytes is over the limit of "
                          f"{limits.max_bytes:,} (RAQIB_MAX_RECORD_BYTES)")
    # the depth is at most the number of opening brackets (an article has two or three):
    # only a line with more than the limit is scanned
    if (raw.count(b"[") + raw.count(b"{") > limits.max_depth
            and (depth := _depth(raw)) > limits.max_depth):
        raise RecordError(f"JSON nested {depth} deep, over the limit of {limits.max_depth} "
                          "(RAQIB_MAX_RECORD_DEPTH)")
    try:
        record = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise RecordError(f"not UTF-8 (bad byte at offset {exc.start})") from None
    except ValueError as exc:
        raise RecordError(f"not JSON: {exc}") from None
    if not isinstance(record, dict):
        raise RecordError(f"expected a JSON object, got {type(record).__name__}")
    if len(record) > limits.max_fields:
        raise RecordError(f"{len(record)} fields, over the limit of {limits.max_fields} "
                          "(RAQIB_MAX_RECORD_FIELDS)")
    for key in _STRING_FIELDS:
        if record.get(key) is not None and not isinstance(record[key], str):
            raise RecordError(f"field {key!r} must be a string or null")
    keywords = record.get("keywords")
    if keywords is not None and not (isinstance(keywords, list)
                                     and all(isinstance(k, str) for k in keywords)):
        raise RecordError("field 'keywords' must be a list of strings")
    return record


def read_jsonl(source: Path | BinaryIO, limits: RecordLimits = RecordLimits()
               ) -> Iterator[tuple[int, dict | RecordError]]:
    """``(line number, record or the error that skips it)`` for each non-blank line of a
    file or a binary stream. A line over the size limit is skipped without being held in
    memory whole.
    """
    with (Path(source).open("rb") if isinstance(source, (str, Path))
          else contextlib.nullcontext(source)) as fh:
        number = 0
        while line := fh.readline(limits.max_bytes + 1):
            number += 1
            if len(line) > limits.max_bytes and not line.endswith(b"\n"):
                while (rest := fh.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass  # the rest of an oversized line
                yield number, RecordError(f"record over {limits.max_bytes:,} bytes "
                                          "(RAQIB_MAX_RECORD_BYTES)")
                continue
            if not line.strip():
                continue
            try:
                yield number, parse_record(line, limits)
            except RecordError as exc:
                yield number, exc
