"""Extraction quality on a folder of saved article pages, ours beside trafilatura.

The folder holds the pages and an ``expect.jsonl``, one line per page: ``file``,
``url`` (given to the extractors as the page URL), ``title`` (+ ``title_alternatives``),
``published`` (ISO; with an offset where the page states the instant, without one
where it is the outlet's wall clock) + ``published_has_time`` + ``published_alternatives``,
``author`` (null where the page names no person), ``body_snippets`` (must be in the
body) and ``not_in_body`` (boilerplate that must not be). Optional: ``timezone``,
``display_name`` and ``utc_is_local`` describe the page's outlet like ``outlets.yaml`` does.

Checks, the same for both extractors: title equal after NFKC and whitespace
folding; date right to the day in the outlet's time zone; time within 60 s where
the page gives one (a naive expectation is compared with the wall clock); author
contains the expected name, and no author where none is expected; every snippet
present; every boilerplate string absent.

The page's outlet is the one of ``--outlets`` (default ``config/outlets.yaml``)
whose domains hold the URL, else a generic one named after the host in UTC.

    python -m bench.extraction_quality ../shared/realpages
    python -m bench.extraction_quality tests/pages --verbose
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from parsel import Selector
from w3lib.encoding import html_to_unicode

from core.catalogue.outlets import Outlet, load_outlets
from core.settings import CONFIG_DIR
from core.urls import on_domains
from crawlers.extraction import extract_article

KINDS = ("title", "date", "time", "author", "body", "not_in_body")


def fold(text: str | None) -> str:
    """NFKC, whitespace runs as one space, trimmed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()


@dataclass
class Extracted:
    """What one extractor found on one page."""

    title: str | None
    published: str | None  # ISO date or date-time, with or without offset
    author: str | None
    body: str


@dataclass
class Score:
    """Passed/total per check kind, and the failures for ``--verbose``."""

    passed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failures: list[str] = field(default_factory=list)

    def add(self, kind: str, ok: bool, what: str) -> None:
        self.total[kind] += 1
        self.passed[kind] += ok
        if not ok:
            self.failures.append(f"{kind}: {what}")


def decode(raw: bytes) -> str:
    """The page as text, decoded the way Scrapy decodes a response without headers."""
    return html_to_unicode(None, raw)[1]


def page_outlet(url: str, spec: dict[str, Any], outlets: list[Outlet]) -> Outlet:
    """The configured outlet whose domains hold ``url``, else one made from the host."""
    for outlet in outlets:
        if on_domains(url, outlet.domains):
            return outlet
    host = (urlsplit(url).hostname or "example.org").lower()
    return Outlet(
        name=re.sub(r"[^a-z0-9_-]", "-", host.removeprefix("www.")),
        display_name=spec.get("display_name") or host,
        domains=[host],
        sections=[f"https://{host}/"],
        article_url_pattern=".",
        timezone=spec.get("timezone") or "UTC",
        utc_is_local=bool(spec.get("utc_is_local", False)),
    )


def ours(raw: bytes, url: str, outlet: Outlet) -> Extracted:
    record = extract_article(Selector(text=decode(raw)).root, url, outlet)
    return Extracted(record["title"], record["published_at"], record["author"], record["body"])


def theirs(raw: bytes, url: str) -> Extracted:
    """trafilatura alone: ``bare_extraction`` with metadata, dates with their time."""
    doc = trafilatura.bare_extraction(
        raw,
        url=url,
        with_metadata=True,
        date_extraction_params={
            "extensive_search": True,
            "original_date": True,
            "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        },
    )
    if doc is None:
        return Extracted(None, None, None, "")
    return Extracted(doc.title, doc.date, doc.author, doc.text or "")


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _has_time(value: str | None) -> bool:
    """An ISO value with a time part (a bare date says nothing about the time)."""
    return bool(value) and "T" in value


def _wall(got: datetime, expected: datetime) -> datetime:
    """``got`` in the expectation's frame: its offset when it has one, else the wall clock."""
    if expected.tzinfo is not None and got.tzinfo is not None:
        return got.astimezone(expected.tzinfo)
    return got.replace(tzinfo=expected.tzinfo)


def score_page(spec: dict[str, Any], got: Extracted, score: Score) -> None:
    """Add the checks of one page to ``score``."""
    name = spec["file"]
    titles = {fold(t) for t in [spec["title"], *spec.get("title_alternatives", [])]}
    score.add("title", fold(got.title) in titles, f"{name} got {got.title!r}")

    expected = [_parse(v) for v in [spec["published"], *spec.get("published_alternatives", [])]]
    when = _parse(got.published)
    day_ok = when is not None and any(
        e is not None and _wall(when, e).date() == e.date() for e in expected
    )
    score.add("date", day_ok, f"{name} got {got.published!r}, want {spec['published']!r}")
    if spec.get("published_has_time"):
        first = expected[0]
        time_ok = (
            when is not None
            and first is not None
            and _has_time(got.published)
            and abs(_wall(when, first) - first) <= timedelta(seconds=60)
        )
        score.add("time", time_ok, f"{name} got {got.published!r}, want {spec['published']!r}")

    author = fold(got.author)
    ok = fold(spec["author"]) in author if spec.get("author") else not author
    score.add("author", ok, f"{name} got {got.author!r}, want {spec.get('author')!r}")

    body = fold(got.body)
    for snippet in spec.get("body_snippets", []):
        score.add("body", fold(snippet) in body, f"{name} missing {snippet[:60]!r}")
    for noise in spec.get("not_in_body", []):
        score.add("not_in_body", fold(noise) not in body, f"{name} kept {noise[:60]!r}")


def evaluate(folder: Path, outlets: list[Outlet]) -> tuple[Score, Score]:
    """Score every page of ``folder`` with Raqib's extractor and with trafilatura."""
    mine, other = Score(), Score()
    lines = (folder / "expect.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines:
        if not line.strip():
            continue
        spec = json.loads(line)
        raw = (folder / spec["file"]).read_bytes()
        outlet = page_outlet(spec["url"], spec, outlets)
        score_page(spec, ours(raw, spec["url"], outlet), mine)
        score_page(spec, theirs(raw, spec["url"]), other)
    return mine, other


def table(mine: Score, other: Score) -> str:
    """Per check kind: ours, trafilatura, and the total line."""
    rows = [f"{'check':12s} {'raqib':>9s} {'trafilatura':>12s}"]
    for kind in KINDS:
        if mine.total[kind]:
            rows.append(
                f"{kind:12s} {mine.passed[kind]:>4d}/{mine.total[kind]:<4d}"
                f" {other.passed[kind]:>7d}/{other.total[kind]:<4d}"
            )
    a, b = sum(mine.passed.values()), sum(other.passed.values())
    n = sum(mine.total.values())
    rows.append(f"{'total':12s} {a:>4d}/{n:<4d} {b:>7d}/{n:<4d}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="pages and their expect.jsonl")
    parser.add_argument("--outlets", type=Path, default=CONFIG_DIR / "outlets.yaml")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every failed check")
    args = parser.parse_args(argv)
    if not (args.folder / "expect.jsonl").is_file():
        parser.error(f"no expect.jsonl in {args.folder}")
    mine, other = evaluate(args.folder, load_outlets(args.outlets))
    print(table(mine, other))
    if args.verbose:
        for label, score in (("raqib", mine), ("trafilatura", other)):
            for failure in score.failures:
                print(f"  {label}: {failure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
