"""Crawl benchmark: a generated replay site of N article pages on loopback.

Runs, in the same invocation and against the same server:

1. the real crawl (fetch + extraction + landing pipeline), throttling off, extracting in
   ``RAQIB_EXTRACT_WORKERS`` processes as ``raqib crawl`` does (``auto``: one on a
   machine with two cores or more; ``0``: in the crawl process);
2. the same spider with extraction switched off (``RAQIB_EXTRACT=False``):
   plain Scrapy fetching the same pages, the baseline.

and prints pages/s for both, their ratio, and the extraction time per page
(median, p95) measured inside the spider. ``--profile`` first runs cProfile
over the extraction path on a sample of the pages (in this process) and prints
the top functions.

    python bench/crawl.py                 # 5,000 pages
    python bench/crawl.py --pages 500 --profile
    RAQIB_EXTRACT_WORKERS=0 python bench/crawl.py   # extraction in the crawl process
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
import urllib.request

from parsel import Selector

from core.catalogue.outlets import Outlet
from core.settings import load_settings
from crawlers.extraction import extract_article
from crawlers.run import crawl
from raqib.replay import serve

FAST = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "LOG_LEVEL": "WARNING",
}


def gen_outlet(base: str) -> Outlet:
    return Outlet(
        name="gen",
        display_name="صدى المشرق",
        domains=["127.0.0.1"],
        sitemaps=[f"{base}/gen/sitemap.xml"],
        article_url_pattern=r"/gen/news/\d+",
        timezone="Asia/Beirut",
    )


def profile(base: str, outlet: Outlet, pages: int) -> None:
    """cProfile of extract_article over ``pages`` generated pages (parse included)."""
    bodies = []
    for n in range(1, pages + 1):
        with urllib.request.urlopen(f"{base}/gen/news/{n}") as resp:
            bodies.append((f"{base}/gen/news/{n}", resp.read().decode("utf-8")))
    for url, html in bodies[:12]:  # warm-up: lazy imports, dateparser's locale data
        extract_article(Selector(text=html).root, url, outlet)
    prof = cProfile.Profile()
    started = time.perf_counter()
    prof.enable()
    for url, html in bodies:
        extract_article(Selector(text=html).root, url, outlet)
    prof.disable()
    per_page = (time.perf_counter() - started) / len(bodies) * 1000
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(25)
    print(f"--- cProfile: extraction of {len(bodies)} pages, {per_page:.2f} ms/page (profiled)")
    print("\n".join(out.getvalue().splitlines()[:45]))


def run(base: str, outlet: Outlet, extract: bool) -> tuple[float, object]:
    with tempfile.TemporaryDirectory(prefix="raqib-bench-") as home:
        settings = load_settings({**os.environ, "RAQIB_HOME": home})
        started = time.perf_counter()
        summary = crawl(
            outlets=[outlet],
            settings=settings,
            scrapy_settings={**FAST, "RAQIB_EXTRACT": extract},
        )
        wall = time.perf_counter() - started
    return wall, summary.outlets["gen"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--profile", action="store_true", help="cProfile the extraction first")
    parser.add_argument("--profile-pages", type=int, default=300)
    args = parser.parse_args()

    workers = load_settings().extraction_workers()
    print(f"extraction workers: {workers or 'none (in the crawl process)'}")
    with serve(generated=args.pages) as site:
        outlet = gen_outlet(site.url)
        if args.profile:
            profile(site.url, outlet, min(args.profile_pages, args.pages))
        results = {}
        for label, extract in (("fetch only (baseline)", False), ("fetch + extract", True)):
            wall, o = run(site.url, outlet, extract)
            rate = o.pages_fetched / o.elapsed_seconds
            results[label] = rate
            print(
                f"{label:22s} pages={o.pages_fetched} written={o.articles_written} "
                f"crawl={o.elapsed_seconds:.1f}s (process {wall:.1f}s) -> {rate:.0f} pages/s"
            )
            if extract:
                assert o.articles_written == args.pages, o
                print(
                    f"{'':22s} extraction per page: median {o.extract_ms_median:.2f} ms, "
                    f"p95 {o.extract_ms_p95:.2f} ms ({o.extract_count} pages)"
                )
        base_rate, rate = results["fetch only (baseline)"], results["fetch + extract"]
        print(
            f"ratio: with extraction runs at {rate / base_rate:.2f}x the fetch-only rate "
            f"(fetch-only is {base_rate / rate:.2f}x faster)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
