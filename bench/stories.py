"""Story assignment against a large shared memory: milliseconds per article.

    RAQIB_ES_URL=http://127.0.0.1:9200 python -m bench.stories [--stories 100000]
                                     [--articles 2000] [--real FILE] [--keep]

Fills ``raqib-dedup`` of a scratch cluster with ``--stories`` remembered articles, each the
first report of its own story, published over 60 days and remembered through
:class:`state.dedup.EsMemory` as ``raqib process`` does, then times the whole dedup and
story stage (:meth:`processing.dedup.Deduper.check_batch`) for ``--articles`` new ones
in batches of 200, the enricher's batch: near-duplicate and story candidates (one
msearch), first reports of their stories (one mget), the choice. Events are computed
before the clock starts (enrichment has its own bench, bench.enrich). Prints ms/article.

The articles are bench.enrich's synthetic ones, whose small vocabulary makes any two
share many words (mean main-content Jaccard 0.18, against 0.03 on real news): a worst
case for candidate lookup. With ``--real FILE`` (e.g. ``../shared/realnews/articles.jsonl``)
the remembered events take their words from real articles instead — a third from one
real article, the rest drawn from the corpus' word frequencies — and the new articles are
the real ones. Deletes ``raqib-dedup`` first (``--keep``: reuse it if it has the same
size): use a scratch cluster.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from elasticsearch import Elasticsearch

from bench.enrich import generate
from core.catalogue import Catalogue
from processing.boilerplate import Boilerplate, sentence_keys
from processing.dedup import Article, Deduper, Entry, entry, sketch
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


def real_articles(path: Path, start: datetime) -> list[Article]:
    """The real articles of ``path`` with their events, published evenly over 60 days."""
    from core.record import RecordError, read_jsonl

    records = [r for _, r in read_jsonl(path) if not isinstance(r, RecordError)]
    gazetteer = Catalogue().gazetteer()
    places, kinds = PlaceTagger(gazetteer), {p.id: p.kind for p in gazetteer.places}
    boilerplate = Boilerplate()
    docs = [Doc.from_record(r) for r in records]
    for record, doc in zip(records, docs, strict=True):
        boilerplate.learn(record.get("outlet"), str(record.get("id")), sentence_keys(doc))
    out = []
    for i, (record, doc) in enumerate(zip(records, docs, strict=True)):
        record = {**record, "published_at": (start + timedelta(days=60) * i
                                             / len(records)).isoformat()}
        event = event_of(doc, record.get("outlet"), record["published_at"],
                         places.tag_with_positions(doc), boilerplate, kinds)
        out.append(Article(record, doc.tokens, event))
    return out


def realistic(real: list[Article], n: int, start: datetime, seed: int) -> list[Article]:
    """``n`` articles whose events mix one real event's words (a third) with words drawn
    from the real corpus' word frequencies (the rest)."""
    rng = random.Random(seed)
    pool = [t for a in real for t in a.event.terms]
    out = []
    for i in range(n):
        base = rng.choice(real).event
        keep = rng.sample(sorted(base.terms), len(base.terms) // 3)
        terms = frozenset(keep + [rng.choice(pool) for _ in range(len(base.terms) - len(keep))])
        at = start + timedelta(days=60) * i / n
        record = {"id": f"bench-{seed}-{i}", "outlet": "bench", "title": " ".join(keep[:8]),
                  "body": " ".join(sorted(terms)), "published_at": at.isoformat()}
        event = replace(base, terms=terms, title_terms=frozenset(keep[:8]), published=at)
        out.append(Article(record, None, event))
    return out


def fill(client: Elasticsearch, stories: int, start: datetime,
         real: list[Article] | None) -> None:
    """Remember ``stories`` articles, each the first report of its own story."""
    memory = EsMemory(client)
    made = 0
    while made < stories:
        size = min(5000, stories - made)
        chunk = (realistic(real, size, start, seed=1000 + made) if real
                 else articles(size, start, seed=1000 + made))
        for i in range(0, len(chunk), 1000):
            memory.remember([_entry(a) for a in chunk[i:i + 1000]])
        made += len(chunk)
        print(f"  {made:,} remembered", flush=True)
    memory.publish()


def _entry(article: Article) -> Entry:
    sk = sketch(article.record, article.tokens)  # tokens None: the record's own text
    rid = article.record["id"]
    return entry(rid, sk, None, rid, article.event, article.record.get("outlet"),
                 article.sentence_keys)


class NearDuplicatesOnly(EsMemory):
    """The memory without story candidates: what dedup cost before stories were matched."""

    def candidates(self, sketches, events):
        return super().candidates(sketches, [replace(e, terms=frozenset()) for e in events])


@dataclass
class Timing:
    ms: float
    memory_ms: float
    joined: int


def run(memory: EsMemory, new: list[Article]) -> Timing:
    """Classify ``new`` in batches; time it all, and the calls to the memory."""
    waited = 0.0

    def timed(method):
        def call(*args):
            nonlocal waited
            t = time.perf_counter()
            try:
                return method(*args)
            finally:
                waited += time.perf_counter() - t
        return call

    memory.get, memory.candidates = timed(memory.get), timed(memory.candidates)
    deduper = Deduper(memory)
    joined = 0
    started = time.perf_counter()
    for i in range(0, len(new), BATCH):
        results = deduper.check_batch(new[i:i + BATCH])
        joined += sum(str(r.story_id) != str(a.record["id"])
                      for r, a in zip(results, new[i:i + BATCH], strict=True))
    elapsed = time.perf_counter() - started
    return Timing(elapsed * 1000 / len(new), waited * 1000 / len(new), joined)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--real", type=Path, metavar="FILE",
                        help="Real article JSONL: events with a real vocabulary.")
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
    real = real_articles(args.real, start) if args.real else None
    if not (args.keep and count == args.stories):
        client.options(ignore_status=404).indices.delete(index=DEDUP.name)
        DEDUP.forget(client)
        print(f"remembering {args.stories:,} articles (one story each) …")
        fill(client, args.stories, start, real)
    new = real[:args.articles] if real else articles(args.articles, start, seed=7)
    kind = "real" if real else "synthetic"
    full = run(EsMemory(client, read_only=True), new)
    dedup_only = run(NearDuplicatesOnly(client, read_only=True), new)
    print(f"{len(new):,} new {kind} articles against {args.stories:,} stories "
          f"(ms per article, batches of {BATCH}):")
    print(f"  near-duplicates + stories  {full.ms:6.2f}  ({full.memory_ms:.2f} waiting for "
          f"Elasticsearch); {full.joined:,} joined an earlier story")
    print(f"  near-duplicates only       {dedup_only.ms:6.2f}  ({dedup_only.memory_ms:.2f} "
          f"waiting for Elasticsearch)")
    print(f"  => story assignment        {full.ms - dedup_only.ms:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
