"""Trends and breaking checks on a large archive: milliseconds per answer.

    RAQIB_HOME=/tmp/raqib-bench raqib es up
    RAQIB_HOME=/tmp/raqib-bench python -m bench.trends [--n 1000000] [--runs 100]
(or RAQIB_ES_URL=… for another cluster; use a scratch one). Goal: ``raqib trends`` over
all themes p95 <= 300 ms; the breaking check after an ingest <= 2 s.

Loads ``--n`` synthetic article documents (skipped when the cluster holds them already;
else the monthly article indices of those days are deleted first) over the 90 days before
a fixed instant: the fields trends read (time, outlet, topics,
places, story) and a short title; the configured topics, places and 30 outlets, each with
its own daily rate, three articles per story from different outlets within hours, and in
the last day one topic and one place at three times their rate. The story records of
the last day and a half are written as ``raqib process`` writes them.

Then times, each request at its own ``now`` (a few seconds apart, as real calls are, so
Elasticsearch's request cache does not answer them; the first call is shown apart):

* ``indexing.trends.trends`` as ``raqib trends`` asks it — all kinds, 30 days by day —
  and two other shapes (topics only; all kinds, 7 days by hour);
* ``alerts.breaking.run_breaking`` — the breaking DAG's task — for four alerts
  (three breaking, one rising): the first run mails to an outbox, later ones find
  nothing new.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta

from elasticsearch.helpers import parallel_bulk

from alerts.breaking import run_breaking
from bench.search import percentiles
from bench.synthetic import WORDS
from core.catalogue import Catalogue
from core.catalogue.alerts import Alert
from indexing.client import get_client
from indexing.stories import update_stories
from indexing.templates import ALIAS, index_for, install_template
from indexing.trends import TrendRequest, trends

END = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 90
URL_PREFIX = "https://bench.example/trends/"
OUTLETS = [f"outlet{i:02d}" for i in range(30)]
PER_STORY = 3


def _weights(n: int, rnd: random.Random) -> list[float]:
    """Zipf-like popularity: a few keys carry most of the coverage."""
    ranks = list(range(1, n + 1))
    rnd.shuffle(ranks)
    return [1 / r for r in ranks]


def generate(n: int, topics: list[str], places: list[str], seed: int = 5):
    """``n`` article documents, oldest first; yields (index, id, source)."""
    rnd = random.Random(seed)
    topic_w, place_w, outlet_w = (_weights(len(topics), rnd), _weights(len(places), rnd),
                                  _weights(len(OUTLETS), rnd))
    hot_topic, hot_place = topics[0], places[0]
    start = END - timedelta(days=DAYS)
    for s in range(0, n, PER_STORY):
        at = start + timedelta(seconds=DAYS * 86400 * s / n)
        story_topics = rnd.choices(topics, topic_w, k=rnd.randint(0, 2))
        story_places = rnd.choices(places, place_w, k=rnd.randint(0, 2))
        if END - at < timedelta(days=1) and rnd.random() < 0.4:
            story_topics.append(hot_topic)  # the surge of the last day
            story_places.append(hot_place)
        title = " ".join(rnd.choices(WORDS, k=8))
        outlets = set()
        while len(outlets) < min(PER_STORY, n - s):
            outlets.add(rnd.choices(OUTLETS, outlet_w)[0])
        for k, outlet in enumerate(sorted(outlets)):
            published = at + timedelta(minutes=rnd.randrange(0, 240) * (k > 0))
            url = f"{URL_PREFIX}{n}/{s + k}"
            doc_id = hashlib.sha1(url.encode()).hexdigest()
            stamp = published.isoformat(timespec="seconds")
            yield index_for(stamp), doc_id, {
                "id": doc_id, "url": url, "canonical_url": url, "outlet": outlet,
                "outlet_name": outlet, "title": title, "language": "ar",
                "published_at": stamp, "crawled_at": stamp,
                "indexed_at": (published + timedelta(minutes=5)).isoformat(timespec="seconds"),
                "topics": [{"id": t, "score": 1.0} for t in dict.fromkeys(story_topics)],
                "places": [{"id": p} for p in dict.fromkeys(story_places)],
                "story_id": f"bench-story-{n}-{s}"}


def ensure_loaded(client, n: int, topics: list[str], places: list[str]) -> None:
    """Index the articles and the recent story records unless they are there already."""
    have = client.options(ignore_status=404).count(
        index=ALIAS, query={"prefix": {"url": f"{URL_PREFIX}{n}/"}}).get("count", 0)
    if have >= n:
        print(f"the cluster holds {have:,} trend articles already; not loading")
        return
    install_template(client)
    months = sorted({index_for(day.isoformat()) for day in
                     (END - timedelta(days=d) for d in range(DAYS + 1))})
    client.options(ignore_status=404).indices.delete(index=",".join(months))  # another size's
    print(f"loading {n:,} articles over {DAYS} days …", flush=True)
    started = time.perf_counter()
    recent: list[dict] = []
    cutoff = (END - timedelta(hours=36)).isoformat()

    def actions():
        for index, doc_id, source in generate(n, topics, places):
            if source["published_at"] >= cutoff:
                recent.append(source)
            yield {"_op_type": "index", "_index": index, "_id": doc_id, "_source": source}

    for ok, item in parallel_bulk(client, actions(), thread_count=2, chunk_size=5000,
                                  raise_on_error=True):
        if not ok:
            raise RuntimeError(item)
    client.indices.refresh(index=ALIAS)
    for i in range(0, len(recent), 500):
        update_stories(client, recent[i:i + 500])
    print(f"loaded in {time.perf_counter() - started:.0f} s "
          f"({len(recent):,} recent articles in story records)", flush=True)


def time_trends(client, runs: int) -> None:
    shapes = {"all kinds, 30 d by day (raqib trends)": TrendRequest(),
              "topics, 30 d by day": TrendRequest(kinds=("topic",)),
              "all kinds, 7 d by hour": TrendRequest(since="7d", interval="hour")}
    for name, req in shapes.items():
        first = time.perf_counter()
        trends(client, req, END)  # the first call after loading warms the caches
        first = time.perf_counter() - first
        samples, rising = [], []
        for i in range(1, runs + 1):
            now = END - timedelta(seconds=7 * i)
            started = time.perf_counter()
            answer = trends(client, req, now)
            samples.append(time.perf_counter() - started)
            rising = answer["rising"]
        p = percentiles(samples)
        print(f"{name:40s} first {first * 1000:6.0f} ms  p50 {p['p50']:6.1f} ms  "
              f"p95 {p['p95']:6.1f} ms  p99 {p['p99']:6.1f} ms  "
              f"series {len(answer['series'])}  rising "
              + ", ".join(f"{r['kind']}:{r['key']} ({r['score']:.1f})" for r in rising[:4]))


def time_breaking(client, topics: list[str], places: list[str], runs: int) -> None:
    tag = f"{time.time():.0f}"  # fresh ledger keys: the first run sends
    alerts = [
        Alert(name=f"bench-topic-{tag}", topics=[topics[0]], recipients=["a@example.org"],
              breaking={"min_outlets": 3, "within": "2h"}),
        Alert(name=f"bench-place-{tag}", places=[places[0]], recipients=["b@example.org"],
              breaking={"min_outlets": 2, "within": "1h"}),
        Alert(name=f"bench-text-{tag}", query=WORDS[0], recipients=["c@example.org"],
              breaking={"min_outlets": 3, "within": "4h"}),
        Alert(name=f"bench-rising-{tag}", recipients=["d@example.org"],
              rising={"min_score": 3}),
    ]
    with tempfile.TemporaryDirectory() as outbox:
        samples, sent = [], []
        for i in range(runs):
            started = time.perf_counter()
            summary = run_breaking(outbox=outbox, client=client, alerts=alerts,
                                   now=END + timedelta(seconds=3 * i))
            samples.append(time.perf_counter() - started)
            sent.append(summary.written)
    p = percentiles(samples[1:] or samples)
    print(f"breaking check, 4 alerts: first run {samples[0] * 1000:.0f} ms "
          f"({sent[0]} mails); later runs p50 {p['p50']:.0f} ms p95 {p['p95']:.0f} ms "
          f"({sum(sent[1:])} mails)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    catalogue = Catalogue()
    topics = [t.id for t in catalogue.taxonomy().topics]
    places = [p.id for p in catalogue.gazetteer().places]
    client = get_client()
    ensure_loaded(client, args.n, topics, places)
    time_trends(client, args.runs)
    time_breaking(client, topics, places, max(5, args.runs // 10))


if __name__ == "__main__":
    main()
