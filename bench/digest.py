"""Daily digest speed: 200 alerts over 100,000 indexed articles, delivered to a real SMTP server.

Loads the synthetic articles of ``bench.synthetic`` (skipped when the index already
holds them), makes a reproducible set of alerts (query words, phrases, OR, topic /
place / outlet filters), and times ``alerts.digest.run_digests`` end to end —
searches, grouping, rendering, SMTP to an aiosmtpd sink on loopback, state — on a
fresh state folder, three mornings in a row:

1. first digest: every loaded article counts as new (look-back covers the load);
2. next morning, nothing indexed since;
3. a morning after 2,000 new articles were indexed (removed again at the end).

    RAQIB_HOME=/tmp/raqib-bench raqib es up
    RAQIB_HOME=/tmp/raqib-bench python -m bench.digest [--n 100000] [--alerts 200]
(or RAQIB_ES_URL=… for another cluster). Goal: each morning run under 60 s.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import shutil
import socket
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from elasticsearch.helpers import bulk

from alerts.digest import DigestSummary, run_digests
from bench.synthetic import (
    OUTLETS,
    PLACES,
    TOPICS,
    URL_PREFIX,
    WORDS,
    ensure_loaded,
    generate_articles,
)
from core.catalogue.alerts import Alert
from core.settings import load_settings
from indexing.bulk import index_records
from indexing.client import cluster_url, get_client
from indexing.templates import ALIAS

FRESH_PREFIX = "https://bench.example/digest-fresh/"
PHRASES = ['"التحالف الدولي"', '"الحشد الشعبي"', '"البرنامج النووي"', '"مشروع التقسيم"']


class Sink:
    """SMTP handler that accepts and counts."""

    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        self.count += 1
        self.bytes += len(envelope.content)
        return "250 OK"


def make_alerts(count: int, recipients: int, seed: int = 5) -> list[Alert]:
    """A reproducible mix of saved searches, each with ``recipients`` addresses."""
    rnd = random.Random(seed)
    alerts = []
    for i in range(count):
        kind = rnd.random()
        if kind < 0.35:
            query = " ".join(rnd.sample(WORDS, k=rnd.randint(1, 2)))
        elif kind < 0.6:
            query = rnd.choice(PHRASES)
        elif kind < 0.75:
            query = f"{rnd.choice(WORDS)} OR {rnd.choice(WORDS)}"
        else:
            query = ""
        fields: dict = {"topics": [rnd.choice(TOPICS)] if rnd.random() < 0.7 else []}
        if rnd.random() < 0.3:
            fields["places"] = [p for p, _, _ in rnd.sample(PLACES, k=rnd.randint(1, 3))]
        if rnd.random() < 0.2:
            fields["outlets"] = rnd.sample(OUTLETS, k=rnd.randint(1, 3))
        alerts.append(Alert(name=f"alert-{i:03d}", query=query,
                            recipients=[f"analyst{(i + j) % 60}@example.org"
                                        for j in range(recipients)],
                            language="en" if i % 10 == 0 else "ar", **fields))
    return alerts


def fresh_articles(n: int) -> list[dict]:
    """``n`` new synthetic articles with their own URLs (so new ids)."""
    articles = generate_articles(n, seed=99, end=datetime.now(UTC), days=1)
    for i, art in enumerate(articles):
        art["url"] = art["canonical_url"] = f"{FRESH_PREFIX}{i}"
        art["id"] = hashlib.sha1(art["url"].encode()).hexdigest()
        art["story_id"] = f"fresh-{i // 3}"
    return articles


def remove_fresh(client, n: int) -> None:
    """Delete the third morning's articles (the minimal distribution has no delete-by-query)."""
    ids = [a["id"] for a in fresh_articles(n)]
    resp = client.search(index=ALIAS, query={"ids": {"values": ids}}, size=n, source=False)
    actions = [{"_op_type": "delete", "_index": h["_index"], "_id": h["_id"]}
               for h in resp["hits"]["hits"]]
    bulk(client, actions, refresh=True)


def look_back(client) -> str:
    """A ``--since`` that covers the oldest synthetic article's indexing time."""
    resp = client.search(index=ALIAS, size=0, query={"prefix": {"url": URL_PREFIX}},
                         aggs={"oldest": {"min": {"field": "indexed_at"}}})
    oldest = resp["aggregations"]["oldest"]["value"] / 1000
    return f"{math.ceil((time.time() - oldest) / 60) + 5}m"


def report(label: str, summary: DigestSummary, alerts: int, sink: Sink, before: int) -> None:
    results = summary.results
    articles = sum(r.articles for r in results) / max(1, len(results))
    stories = sum(r.stories for r in results) / max(1, len(results))
    print(f"{label:44s} {summary.seconds:6.1f} s total, {summary.seconds / alerts * 1000:6.0f} ms "
          f"per alert | {summary.sent} e-mails sent ({sink.count - before} received), "
          f"{summary.skipped} nothing new, {summary.failed} failed | mean {articles:,.0f} new "
          f"articles, {stories:.1f} stories per e-mail", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--recipients", type=int, default=1, help="recipients per alert")
    parser.add_argument("--fresh", type=int, default=2_000, help="articles of the third morning")
    args = parser.parse_args()

    base = load_settings()
    client = get_client(base, request_timeout=120)
    ensure_loaded(client, args.n)
    alerts = make_alerts(args.alerts, args.recipients)
    since = look_back(client)
    print(f"{args.alerts} alerts × {args.recipients} recipient(s); first look-back --since {since}")

    sink, home = Sink(), Path(tempfile.mkdtemp(prefix="raqib-bench-digest-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = load_settings({"RAQIB_HOME": str(home), "RAQIB_ES_URL": cluster_url(base),
                                  "RAQIB_SMTP_HOST": "127.0.0.1", "RAQIB_SMTP_PORT": str(port)})
        before = sink.count
        summary = run_digests(settings, alerts=alerts, since=since, client=client)
        report("1. first digest (all loaded articles new)", summary, args.alerts, sink, before)
        before = sink.count
        summary = run_digests(settings, alerts=alerts, since=since, client=client)
        report("2. next morning, nothing new", summary, args.alerts, sink, before)
        fresh = fresh_articles(args.fresh)
        index_records(fresh, client, refresh=True)
        before = sink.count
        summary = run_digests(settings, alerts=alerts, since=since, client=client)
        report(f"3. after {args.fresh:,} new articles", summary, args.alerts, sink, before)
        print(f"SMTP sink received {sink.count} messages, {sink.bytes / sink.count / 1024:.0f} KB "
              "each on average" if sink.count else "SMTP sink received nothing")
    finally:
        controller.stop()
        remove_fresh(client, args.fresh)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
