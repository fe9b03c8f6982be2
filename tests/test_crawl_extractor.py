"""Extraction in worker processes: the same records as inline, and dead workers lose nothing.

Real crawls over real HTTP on 127.0.0.1 and real worker processes; the workers that die
are killed with SIGKILL from outside, or run a wrapper that exits on one page.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from core.catalogue.outlets import Outlet
from core.settings import SettingsError, load_settings
from crawlers.extractor import ExtractionCrashed, Extractor, extract_page
from crawlers.run import CrawlSummary, crawl
from raqib.replay import serve
from tests.conftest import wipe_state

OUTLET = Outlet(name="t", display_name="ت", domains=["t.org"], sitemaps=["http://t.org/s.xml"],
                article_url_pattern="/a/", timezone="Asia/Beirut")

# a worker that dies on pages whose URL ends in /die, fails on /raise and loops on /loop
FRAGILE_WORKER = [sys.executable, "-c", """
import os, sys
import crawlers.extractor as worker
real = worker.extract_page
def fragile(html, url, *args):
    if url.endswith("/die"):
        os._exit(7)
    if url.endswith("/raise"):
        raise ValueError("no article here: " + url)
    while url.endswith("/loop"):
        pass
    return real(html, url, *args)
worker.extract_page = fragile
sys.exit(worker.main())
"""]


def _page(n: int) -> tuple[str, str]:
    url = f"http://t.org/a/{n}"
    html = (f"<html><head><title>خبر {n}</title></head><body><article><h1>خبر {n}</h1>"
            f"<p>الخميس 21 أيار 2015 - 10:{n % 60:02d}</p>"
            f"<p>{'قالت مصادر ميدانية إن الاشتباكات استمرت في محيط المدينة. ' * (n % 7 + 3)}</p>"
            f"</article></body></html>")
    return url, html


def _without_clock(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "crawled_at"}


def test_the_workers_setting() -> None:
    assert load_settings({"RAQIB_EXTRACT_WORKERS": "0"}).extraction_workers() == 0
    assert load_settings({"RAQIB_EXTRACT_WORKERS": "3"}).extraction_workers() == 3
    auto = load_settings({}).extraction_workers()
    assert auto == (1 if (os.cpu_count() or 1) > 1 else 0)
    for bad in ("-1", "1.5", "many"):
        with pytest.raises(SettingsError, match="RAQIB_EXTRACT_WORKERS"):
            load_settings({"RAQIB_EXTRACT_WORKERS": bad}).extraction_workers()


def test_a_page_that_kills_or_hangs_its_worker_is_skipped_and_the_others_come_back() -> None:
    pages = [_page(n) for n in range(1, 13)]
    pages[3] = ("http://t.org/a/loop", pages[3][1])
    pages[5] = ("http://t.org/a/die", pages[5][1])
    pages[8] = ("http://t.org/a/raise", pages[8][1])
    extractor = Extractor(2, command=FRAGILE_WORKER, timeout=3.0)
    extractor.open()

    async def all_pages() -> list:
        try:
            return await asyncio.gather(
                *(extractor.extract(html, url, url, OUTLET) for url, html in pages),
                return_exceptions=True,
            )
        finally:
            await extractor.close()

    results = asyncio.run(all_pages())
    for (url, html), got in zip(pages, results, strict=True):
        if url.endswith("/die"):
            assert isinstance(got, ExtractionCrashed), got
            assert "died twice (exit status 7)" in str(got)
        elif url.endswith("/loop"):
            assert isinstance(got, ExtractionCrashed), got
            assert "took longer than 3 s" in str(got)
        elif url.endswith("/raise"):
            assert isinstance(got, ValueError) and "no article here" in str(got)
            assert any("in the extraction worker" in note for note in got.__notes__)
        else:
            inline = extract_page(html, url, url, OUTLET)
            assert _without_clock(got.record) == _without_clock(inline.record)
            assert got.record["title"] and got.record["published_at"]
            assert got.malformed is inline.malformed
    assert extractor.deaths == 3  # /die was tried twice, /loop once


def _crawl(site, outlets: list[Outlet], home: Path, workers: str, landing_dir: Path
           ) -> CrawlSummary:
    settings = load_settings({"RAQIB_HOME": str(home), "RAQIB_ES_URL": os.environ["RAQIB_ES_URL"],
                              "RAQIB_EXTRACT_WORKERS": workers})
    return crawl(outlets=outlets, settings=settings, landing_dir=landing_dir,
                 scrapy_settings=site.fast_settings(), timeout=180)


def _landed(folder: Path) -> dict[str, dict]:
    records = {}
    for path in folder.rglob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            records[record["url"]] = _without_clock(record)
    return records


def test_records_do_not_depend_on_where_pages_are_extracted(es_client, tmp_path: Path) -> None:
    """The replay site (its awkward pages included) crawled inline and with two workers."""
    outcomes = {}
    with serve() as site:
        for workers in ("0", "2"):
            wipe_state(es_client)  # the second crawl must fetch everything again
            out = tmp_path / f"landing-{workers}"
            summary = _crawl(site, site.outlets(), tmp_path / f"home-{workers}", workers, out)
            outcomes[workers] = (_landed(out), summary.outlets)
    (inline, inline_outlets), (pooled, pooled_outlets) = outcomes["0"], outcomes["2"]
    assert len(inline) >= 12
    assert pooled == inline
    for name, o in inline_outlets.items():
        p = pooled_outlets[name]
        assert (p.articles_written, p.skipped, p.extract_count) == \
            (o.articles_written, o.skipped, o.extract_count)


def _workers_of(pid: int) -> list[int]:
    """Extraction workers started by the crawl processes that ``pid`` started."""
    def parent(p: str) -> int:
        try:
            return int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return -1

    found = []
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{p}/cmdline").read_bytes()
        except OSError:
            continue
        if b"crawlers.extractor" in cmdline and parent(str(parent(p))) == pid:
            found.append(int(p))
    return found


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the worker through /proc")
def test_a_worker_killed_mid_crawl_loses_no_article(es_client, tmp_path: Path) -> None:
    wipe_state(es_client)
    killed: list[int] = []

    def kill_a_busy_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            workers = _workers_of(os.getpid())
            if workers and _cpu_seconds(workers[0]) > 1.2:  # warmed up, into the articles
                os.kill(workers[0], signal.SIGKILL)
                killed.append(workers[0])
            time.sleep(0.05)

    with serve(generated=1500) as site:
        generated = Outlet(name="gen", display_name="مولد", domains=["127.0.0.1"],
                           sitemaps=[f"{site.url}/gen/sitemap.xml"],
                           article_url_pattern=r"/gen/news/\d+", timezone="Asia/Beirut")
        killer = threading.Thread(target=kill_a_busy_worker)
        killer.start()
        summary = _crawl(site, [generated], tmp_path / "home", "1", tmp_path / "landing")
        killer.join()
    assert killed, "no extraction worker was seen"
    assert summary.articles_written == 1500, summary.report()
    assert len(_landed(tmp_path / "landing")) == 1500
    log = Path(summary.log_file).read_text(encoding="utf-8")
    assert f"extraction worker {killed[0]} died" in log
