"""Throughput of ``raqib process``: JSONL landing files → enrichment → the index.

    RAQIB_ES_URL=http://127.0.0.1:9200 python -m bench.process [--articles 20000] [--days 20]
                                                               [--real FILE]

Generates ``--articles`` synthetic articles (bench.enrich's generator, ~3 KB each) as
JSONL files of 1,000 records, then times :func:`ingest.process.process_landing` over that
folder against the cluster of ``RAQIB_ES_URL``: enrichment, near-duplicate lookups in the
shared store, bulk indexing and the ledger — the whole stage, in one process. Use a
scratch cluster: the articles index and Raqib's state indices are deleted first.

The articles are published evenly over ``--days`` (1,000 a day by default, a day's output
of a few dozen outlets), so story candidates come from the 72-hour window as in a real
archive; ``--days 0`` publishes them all at one instant, the worst case for story
matching (every article is inside every other's window, and the generator's small
vocabulary makes any two share many words). ``--real FILE`` processes real article
records (JSONL, e.g. ``../shared/realnews/articles.jsonl``; dated over ``--days`` the
same way) instead of generated ones; ``--landing DIR`` keeps the landing files there
(to time another version of the stage on the same input).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from elasticsearch import Elasticsearch

from bench.enrich import generate, read_real
from core.settings import load_settings
from ingest.process import process_landing
from tests.conftest import wipe_state


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--days", type=float, default=20)
    parser.add_argument("--real", type=Path, metavar="FILE", help="real article records")
    parser.add_argument("--landing", type=Path, metavar="DIR", help="keep the landing files")
    args = parser.parse_args(argv)
    url = os.environ.get("RAQIB_ES_URL")
    if not url:
        print("set RAQIB_ES_URL to a scratch cluster", file=sys.stderr)
        return 2
    client = Elasticsearch(url, request_timeout=60)
    records = read_real(args.real) if args.real else generate(args.articles)
    start = datetime(2015, 5, 1, 10, tzinfo=timezone(timedelta(hours=3)))
    for i, record in enumerate(records):
        at = start + timedelta(days=args.days) * i / len(records)
        record["published_at"] = at.isoformat(timespec="seconds")
    with tempfile.TemporaryDirectory(prefix="raqib-bench-process-") as tmp:
        folder = args.landing or Path(tmp) / "landing"
        for first in range(0, len(records), 1000):
            path = folder / "2015-05" / f"bench-{first // 1000:04d}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                    for r in records[first:first + 1000]), encoding="utf-8")
        wipe_state(client)
        client.options(ignore_status=404).indices.delete(index="raqib-articles-*")
        settings = load_settings({**os.environ, "RAQIB_HOME": str(Path(tmp) / "home")})
        started = time.perf_counter()
        summary = process_landing(settings, landing_dir=folder)
        wall = time.perf_counter() - started
    assert summary.error is None, summary.error
    print(f"{summary.totals()['records']:,} articles in {wall:.1f} s: "
          f"{summary.totals()['records'] / wall:,.0f} articles/s (enrich + index + ledger), "
          f"{summary.totals()['duplicates']:,} near-duplicates")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
