"""End to end: real Scrapy over real HTTP on 127.0.0.1 against the replay site."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.catalogue.outlets import Outlet
from core.record import CRAWLED_FIELDS as RECORD_FIELDS
from core.settings import Settings, load_settings
from crawlers.report import ERROR_REASONS
from crawlers.run import CrawlSummary, crawl
from raqib.cli import app
from raqib.replay import ReplaySite, serve
from raqib.replay.site import NON_ARTICLE_PATHS, SLOW_PAGE, SLOW_SECTION
from state import landing
from tests.conftest import SHARED_DIR, wipe_state

SAMPLE = SHARED_DIR / "samples" / "elnashra-palmyra-2015.txt"


@pytest.fixture(scope="module")
def replay() -> ReplaySite:
    site = serve(sample_file=SAMPLE if SAMPLE.exists() else None)  # the sample is manbar 207
    yield site
    site.stop()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, es_client) -> Settings:
    wipe_state(es_client)
    return load_settings({"RAQIB_HOME": str(tmp_path_factory.mktemp("raqib-home")),
                          "RAQIB_ES_URL": os.environ["RAQIB_ES_URL"]})


@pytest.fixture(scope="module")
def first(replay: ReplaySite, settings: Settings) -> tuple[CrawlSummary, dict[str, int]]:
    summary = crawl(
        outlets=replay.outlets(),
        settings=settings,
        scrapy_settings=replay.fast_settings(),
        timeout=120,
    )
    return summary, replay.hits


@pytest.fixture(scope="module")
def records(first: tuple[CrawlSummary, dict[str, int]], es_client) -> dict[str, dict]:
    out = {}
    for batch in landing.batches(es_client):
        for record in landing.records(es_client, batch):
            out[record["url"]] = record
    return out


def _sample_paragraphs(text: str) -> str:
    return "\n\n".join(p.strip() for p in text.strip().split("\n\n") if p.strip())


def test_every_article_extracted_with_every_field(replay: ReplaySite, records: dict) -> None:
    expected = {e["url"]: e for e in replay.expected_articles()}
    assert sorted(records) == sorted(expected)
    assert len(records) == 12 + SAMPLE.exists()
    for url, exp in expected.items():
        got = records[url]
        assert set(got) == set(RECORD_FIELDS)
        for field in RECORD_FIELDS:
            if field in ("id", "crawled_at"):
                continue
            assert got[field] == exp[field], f"{url} {field}"
        assert got["id"] == hashlib.sha1(got["canonical_url"].encode()).hexdigest()
        assert datetime.fromisoformat(got["crawled_at"]).utcoffset().total_seconds() == 0


def test_layout_specifics(replay: ReplaySite, records: dict) -> None:
    sada = records[replay.url + "/sada/news/103"]  # naive JSON-LD date, Beirut winter time
    assert sada["published_at"] == "2015-01-27T09:15:00+02:00"
    opinion = records[replay.url + "/sada/news/106"]  # Arabic-Indic digits, visible text only
    assert opinion["published_at"] == "2015-05-27T16:45:00+03:00"
    old = records[replay.url + "/manbar/article.php?id=203"]  # تشرين الثاني, Baghdad time
    assert old["published_at"] == "2014-11-13T09:00:00+03:00"
    assert old["author"] == "علي الحسن" and old["section"] == "سوريا"
    assert records[replay.url + "/manbar/article.php?id=204"]["author"] is None
    for record in records.values():  # boilerplate stays out of the body
        for noise in (
            "شارك:",
            "اقرأ أيضاً",
            "جميع الحقوق محفوظة",
            "مقالات ذات صلة",
            "طباعة",
            "الرئيسية",
            "عاجل:",
            record["title"],
        ):
            assert noise not in record["body"], (record["url"], noise)


def test_sample_article_comes_out_intact(
    replay: ReplaySite, records: dict, sample_text: str
) -> None:
    record = records[replay.url + "/manbar/article.php?id=207"]
    assert record["body"] == _sample_paragraphs(sample_text)
    assert record["body"] == sample_text.strip()
    assert record["published_at"] == "2015-05-23T12:00:00+03:00"


def test_windows_1256_pages_decode(replay: ReplaySite, records: dict) -> None:
    for path in ("/manbar/article.php?id=201", "/manbar/article.php?id=202"):
        raw = replay.site.routes[path].body
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert records[replay.url + path]["title"] in raw.decode("windows-1256")
    assert replay.site.routes["/sada/news/105"].body.startswith(b"\xef\xbb\xbf")  # BOM only


def test_bad_inputs_skipped_each_with_its_reason(replay: ReplaySite, first) -> None:
    summary, hits = first
    sada = summary.outlets["sada"]
    expected = replay.expected_skips()
    for url, reason in expected.items():
        assert sada.skipped_urls.get(reason) == [url], reason
    assert sada.skipped == dict(Counter(expected.values()))
    assert sada.errors == sum(
        1 for r in expected.values() if r in ERROR_REASONS or r.startswith("http_")
    )
    assert summary.outlets["manbar"].skipped == {} and summary.outlets["manbar"].errors == 0
    assert summary.outlets["sada"].articles_written == 6
    assert summary.outlets["manbar"].articles_written == 6 + SAMPLE.exists()
    assert summary.outlets["sada"].finish_reason == "finished"
    assert hits["/sada/news/9002"] == 3  # truncated: retried, then given up


def test_politeness_and_link_discovery(replay: ReplaySite, first) -> None:
    summary, hits = first
    assert hits["/robots.txt"] >= 1
    assert "/sada/news/9011" not in hits  # disallowed by robots.txt: never requested
    assert hits["/sada/news/101"] == 2  # 503 once, retried, written
    for path in NON_ARTICLE_PATHS:
        assert path not in hits, path
    assert not any("?utm_" in path for path in hits)  # tracking parameters removed
    assert {ua for ua in replay.user_agents} == {
        "RaqibBot/0.1 (Arabic news monitoring; respects robots.txt; +https://example.org/raqib-bot)"
    }
    assert summary.outlets["sada"].pages_fetched >= 15
    assert summary.outlets["manbar"].pages_fetched == 9 + SAMPLE.exists()


def test_one_landing_batch_per_outlet_and_run(first, es_client) -> None:
    summary, _ = first
    batches = {b.id: b for b in landing.batches(es_client)}
    assert sorted(batches) == [f"manbar-{summary.run_id}", f"sada-{summary.run_id}"]
    assert batches[f"sada-{summary.run_id}"].records == 6
    assert summary.landing_files == []  # no files: the landing zone is shared
    assert Path(summary.log_file).exists()


def test_second_crawl_writes_nothing(replay: ReplaySite, settings: Settings, first,
                                     es_client) -> None:
    before = replay.hits
    batches_before = landing.batches(es_client)
    summary = crawl(
        outlets=replay.outlets(),
        settings=settings,
        scrapy_settings=replay.fast_settings(),
        timeout=120,
    )
    delta = {k: v - before.get(k, 0) for k, v in replay.hits.items() if v != before.get(k, 0)}
    assert summary.articles_written == 0
    assert landing.batches(es_client) == batches_before
    assert not [
        p
        for p in delta
        if p.startswith("/manbar/article") or p in {f"/sada/news/{i}" for i in range(101, 107)}
    ]
    assert summary.outlets["sada"].not_modified == 1  # feed: If-None-Match -> 304
    assert summary.outlets["manbar"].not_modified == 1  # news sitemap: If-Modified-Since -> 304
    assert summary.outlets["sada"].already_seen >= 6
    # permanent failures are remembered too; transient ones are tried again
    assert set(summary.outlets["sada"].skipped) == {
        "bad_feed",
        "redirect_loop",
        "robots_forbidden",
        "truncated",
    }


def test_cli_crawl_prints_summary_and_exits_zero(
    replay: ReplaySite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_state
) -> None:
    monkeypatch.setenv("RAQIB_HOME", str(tmp_path / "home"))
    outlets = replay.write_outlets(tmp_path / "outlets.yaml")
    landing = tmp_path / "landing"
    # polite defaults (AutoThrottle on) on purpose: this is the production path
    result = CliRunner().invoke(
        app, ["crawl", "--outlets", str(outlets), "--outlet", "manbar", "--landing", str(landing)]
    )
    assert result.exit_code == 0, result.output
    assert "manbar" in result.output and "sada" not in result.output.replace("/sada", "")
    files = list(landing.rglob("manbar-*.jsonl"))
    lines = files[0].read_text(encoding="utf-8").splitlines()
    assert len(files) == 1 and len(lines) == 6 + SAMPLE.exists()
    assert not (tmp_path / "home" / "state").exists()  # seen URLs are in the cluster


def test_timeouts_are_retried_then_skipped(replay: ReplaySite, tmp_path: Path,
                                           es_url: str) -> None:
    slow = Outlet(
        name="slow",
        display_name="بطيء",
        domains=["127.0.0.1"],
        sections=[replay.url + SLOW_SECTION],
        article_url_pattern=r"/slow/news/\d+",
        timezone="Asia/Beirut",
    )
    before = replay.hits.get(SLOW_PAGE, 0)
    summary = crawl(
        outlets=[slow],
        settings=load_settings({"RAQIB_HOME": str(tmp_path), "RAQIB_ES_URL": es_url}),
        scrapy_settings={**replay.fast_settings(), "DOWNLOAD_TIMEOUT": 1, "RETRY_TIMES": 1},
        timeout=60,
    )
    assert summary.outlets["slow"].skipped_urls == {"timeout": [replay.url + SLOW_PAGE]}
    assert summary.outlets["slow"].errors == 1
    assert replay.hits[SLOW_PAGE] - before == 2  # first try + one retry
