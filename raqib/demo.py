"""``raqib demo``: the whole pipeline on embedded defaults.

Local Elasticsearch (unless ``RAQIB_ES_URL`` is set) → the bundled replay site on
loopback → crawl → enrich and index → a sample search → the demo digest in the
outbox. Everything lands under ``$RAQIB_HOME`` (default ``./var``); running it again
fetches nothing new and sends no digest twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.settings import CONFIG_DIR, Settings, load_settings

DEMO_QUERY = "داعش"
DEMO_ALERTS_FILE = CONFIG_DIR / "alerts.yaml"


@dataclass
class DemoResult:
    """What the demo did, for the closing message."""

    es_url: str
    crawl: object
    process: object
    search: dict
    digest: object


def _replay_site():
    """The replay site on its usual port, so URLs (and so ids) stay the same across runs."""
    from raqib.replay import REPLAY_BASE, serve

    try:
        return serve(port=int(REPLAY_BASE.rsplit(":", 1)[1]))
    except OSError:  # the port is taken: any free one (a re-run then fetches anew)
        return serve()


def run_demo(settings: Settings | None = None, log: Callable[[str], None] = print) -> DemoResult:
    """Run every stage once against the replay site; return their summaries."""
    from alerts.digest import run_digests
    from crawlers.run import crawl
    from indexing.client import cluster_url, get_client
    from indexing.node import ensure_up
    from indexing.search import SearchRequest, search
    from ingest.process import process_landing

    settings = settings or load_settings()
    if settings.es_url:
        log(f"1/5 Elasticsearch: using the cluster at {settings.es_url}")
    else:
        info = ensure_up(settings, log=log)
        log(f"1/5 Elasticsearch {info.version} is up at {info.url}")

    with _replay_site() as site:
        log(f"2/5 Crawling the replay site at {site.url} …")
        crawled = crawl(outlets=site.outlets(), scrapy_settings=site.fast_settings(),
                        settings=settings)
    written = sum(o.articles_written for o in crawled.outlets.values())
    log(f"    {written} new article(s) landed")

    log("3/5 Enriching and indexing …")
    processed = process_landing(settings)
    if processed.error:
        raise RuntimeError(processed.error)
    log(f"    {processed.created} new document(s) indexed")

    client = get_client(settings)
    found = search(client, SearchRequest(text=DEMO_QUERY, limit=5))
    log(f"4/5 Searching {DEMO_QUERY}: {found['total']} article(s)")

    log("5/5 Writing the daily digests to the outbox …")
    digest = run_digests(settings, alerts_file=DEMO_ALERTS_FILE, send=False,
                         outbox=Path(settings.outbox_dir), client=client)
    return DemoResult(es_url=cluster_url(settings), crawl=crawled, process=processed,
                      search=found, digest=digest)
