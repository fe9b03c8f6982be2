"""Story assignment against a large shared memory: milliseconds per article.

    RAQIB_ES_URL=http://127.0.0.1:9200 python -m bench.stories [--stories 100000]
                                                                [--articles 2000]

Fills ``raqib-dedup`` of a scratch cluster with ``--stories`` remembered articles, each the
first report of its own story (synthetic articles of bench.enrich, published over 60
days, remembered through :class:`state.dedup.EsMemory` as ``raqib process`` does), then
times the story stage for ``--articles`` new ones in batches of 200 (the enricher's
batch): candidate lookup (one msearch per batch), first reports of candidate stories (one
mget), :func:`processing.stories.choose_story`. Events are computed before the clock
starts: enrichment has its own bench (bench.enrich). Prints ms per article.
Deletes ``raqib-dedup`` first: use a scratch cluster.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta

from elasticsearch import Elasticsearch

from bench.enrich import generate
from core.catalogue import Catalogue
from processing.boilerplate import Boilerplate, sentence_keys
from processing.dedup import Article, Deduper, Entry, sketch
from processing.phrases import Doc
from processing.places import PlaceTagger
from processing.stories import event_of
from state.dedup import DEDUP, EsMemory

BATCH = 200


def articles(n: int, start: datetime, seed: int) -> list[Article]:
    """``n`` synthetic articles with their events, published evenly over 60 days."""
    gazetteer = Catalogue().gazetteer()
    places, kinds, boilerplate = PlaceTagger(gazetteer), {p.id: p.kind for p in
                                                          gazetteer.places}, Boilerplate()
    out = []
    for i, record in enumerate(generate(n, seed=seed)):
        record["id"] = f"bench-{seed}-{i}"
        record["published_at"] = (start + timedelta(days=60) * i / n).isoformat()
        doc = Doc.from_record(record)
        event = event_of(doc, record.get("outlet"), record["published_at"],
                         places.tag_with_positions(doc), boilerplate, kinds)
        out.append(Article(record, doc.tokens, event, tuple(sentence_keys(doc))))
    return out


def fill(client: Elasticsearch, stories: int, start: datetime) -> None:
    """Remember ``stories`` articles, each the first report of its own story."""
    memory = EsMemory(client)
    made = 0
    while made < stories:
        chunk = articles(min(5000, stories - made), start, seed=1000 + made)
        for i in range(0, len(chunk), 1000):
            memory.remember([_entry(a) for a in chunk[i:i + 1000]])
        made += len(chunk)
        print(f"  {made:,} remembered", flush=True)
    memory.publish()


def _entry(article: Article) -> Entry:
    sk = sketch(article.record, article.tokens)
    rid = article.record["id"]
    return Entry(rid, sk.fingerprint, sk.signature, None, rid, article.event,
                 article.record.get("outlet"), article.sentence_keys)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--keep", action="store_true",
                        help="Reuse the memory of a previous run of the same size.")
    args = parser.parse_args(argv)
    url = os.environ.get("RAQIB_ES_URL")
    if not url:
        print("set RAQIB_ES_URL to a scratch cluster", file=sys.stderr)
        return 2
    client = Elasticsearch(url.split(","), request_timeout=120)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    count = (client.count(index=DEDUP.name)["count"]
             if client.indices.exists(index=DEDUP.name) else 0)
    if not (args.keep and count == args.stories):
        client.options(ignore_status=404).indices.delete(index=DEDUP.name)
        DEDUP.forget(client)
        print(f"remembering {args.stories:,} articles (one story each) …")
        fill(client, args.stories, start)
    new = articles(args.articles, start, seed=7)
    deduper = Deduper(EsMemory(client, read_only=True))
    started = time.perf_counter()
    joined = 0
    for i in range(0, len(new), BATCH):
        results = deduper.check_batch(new[i:i + BATCH])
        joined += sum(r.story_id != a.record["id"]
                      for r, a in zip(results, new[i:i + BATCH], strict=True))
    elapsed = time.perf_counter() - started
    print(f"{args.articles:,} new articles against {args.stories:,} stories: "
          f"{elapsed * 1000 / args.articles:.2f} ms per article "
          f"({args.articles / elapsed:,.0f} articles/s); {joined:,} joined an earlier story")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
