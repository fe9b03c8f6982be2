"""Trends and breaking alerts: what rises against its own baseline, quiet when quiet.

The articles are written for these tests and placed in time relative to now: ``isis``
and ``mosul`` burst today from three outlets over a small baseline; ``kurds`` is flat;
``refugees`` bursts from a single outlet; ``yemen_war`` has a handful of articles.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from alerts.breaking import breaks, run_breaking
from alerts.digest import run_digests
from core.settings import load_settings
from indexing.bulk import index_records
from indexing.stories import update_stories
from indexing.trends import TrendRequest, trends
from processing.trends import rise
from raqib.cli import app
from tests.conftest import make_record, wipe_state
from tests.test_alerts_digest import alerts_of, smtp_server
from tests.test_web_server import LiveServer, serve

runner = CliRunner()
NOW = datetime.now(UTC).replace(microsecond=0)
OUTLETS = ("sada", "manbar", "nahar")


def test_rise_is_quiet_when_quiet() -> None:
    assert rise(14, 56, 28, 3).rising                      # 14 today against 2 a day
    assert not rise(5, 140, 28, 3).rising                  # flat: 5 a day, 5 today
    assert not rise(8, 0, 28, 1).rising                    # one outlet repeating itself
    assert not rise(4, 0, 28, 3).rising                    # a handful is not a trend
    assert not rise(30, 700, 28, 5).rising                 # 30 against 25 a day: noise
    big = rise(40, 56, 28, 4)
    assert big.baseline == 2.0 and big.score == round((40 - 2) / 3 ** 0.5, 2)


def _article(n: str, at: datetime, outlet: str, topics: list[str], places: list[str],
             story: str) -> dict:
    return make_record(f"https://{outlet}.example/{n}", f"خبر {n}", "نص الخبر.",
                       outlet=outlet, outlet_name=outlet, language="ar",
                       published_at=at.isoformat(), story_id=story,
                       topics=[{"id": t, "label_ar": t, "label_en": t, "score": 1.0,
                                "evidence": []} for t in topics],
                       places=[{"id": p, "name_ar": p, "name_en": p, "country": "IQ",
                                "lat": 0.0, "lon": 0.0} for p in places])


def corpus() -> list[dict]:
    out = []
    for day in range(1, 29):  # the baseline: four weeks before today
        at = NOW - timedelta(days=day, hours=3)
        for k in range(2):
            out.append(_article(f"isis-{day}-{k}", at, OUTLETS[k], ["isis"], ["mosul"],
                                f"old-{day}-{k}"))
        for k in range(5):
            out.append(_article(f"kurds-{day}-{k}", at, OUTLETS[k % 3], ["kurds"], [],
                                f"kurds-{day}-{k}"))
    for k in range(14):  # today: a burst from three outlets, two stories
        at = NOW - timedelta(minutes=20 + 25 * k)
        out.append(_article(f"isis-now-{k}", at, OUTLETS[k % 3], ["isis"], ["mosul"],
                            "mosul-offensive" if k < 9 else "raqqa-raid"))
    out += [_article(f"kurds-now-{k}", NOW - timedelta(hours=2 + k), OUTLETS[k % 3],
                     ["kurds"], [], f"kurds-now-{k}") for k in range(5)]
    out += [_article(f"ref-now-{k}", NOW - timedelta(hours=1 + k), "sada", ["refugees"], [],
                     f"ref-{k}") for k in range(8)]
    out += [_article(f"yem-now-{k}", NOW - timedelta(hours=1 + k), OUTLETS[k], ["yemen_war"],
                     [], "yem") for k in range(3)]
    return out


@pytest.fixture(scope="module")
def indexed(es_client) -> list[dict]:
    wipe_state(es_client)
    es_client.options(ignore_status=404).indices.delete(index="raqib-articles-*")
    records = corpus()
    index_records(records, es_client, refresh=True)
    update_stories(es_client, records)
    es_client.indices.refresh(index="raqib-stories")
    return records


def test_trends_contract_and_what_rises(indexed, es_client) -> None:
    result = trends(es_client, TrendRequest(since="30d"))
    assert set(result) == {"interval", "since", "until", "series", "rising"}
    assert result["interval"] == "day"
    series = {(s["kind"], s["key"]): s for s in result["series"]}
    isis = series[("topic", "isis")]
    assert len(isis["buckets"]) in (30, 31) and set(isis["buckets"][0]) == {"start", "count"}
    assert sum(b["count"] for b in isis["buckets"]) == 56 + 14
    rising = {(r["kind"], r["key"]): r for r in result["rising"]}
    assert {("topic", "isis"), ("place", "mosul")} <= set(rising)
    quiet = {("topic", "kurds"), ("topic", "refugees"), ("topic", "yemen_war")}
    assert not quiet & set(rising)  # flat, one outlet, a handful
    assert ("topic", "refugees") in series
    top = rising[("topic", "isis")]
    assert top["count"] == 14 and top["baseline"] == 2.0 and top["score"] > 5
    assert set(top["stories"]) == {"mosul-offensive", "raqqa-raid"}
    assert top["stories"][0] == "mosul-offensive"  # the story driving it first
    hourly = trends(es_client, TrendRequest(topics=["isis"], since="48h", interval="hour"))
    assert [s["key"] for s in hourly["series"]] == ["isis"]
    assert len(hourly["series"][0]["buckets"]) in (48, 49)


def test_cli_trends_json_table_and_bad_input(indexed) -> None:
    out = runner.invoke(app, ["trends", "--json", "--topic", "isis", "--topic", "kurds"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert {s["key"] for s in result["series"]} == {"isis", "kurds"}
    assert [r["key"] for r in result["rising"]] == ["isis"]
    table = runner.invoke(app, ["trends", "--since", "14d"])
    assert table.exit_code == 0 and "▲ isis" in table.output and "█" in table.output
    for args, field in ((["--topic", "nope"], "topic"), (["--place", "atlantis"], "place"),
                        (["--since", "0d"], "since"), (["--interval", "week"], "interval")):
        bad = runner.invoke(app, ["trends", *args])
        assert bad.exit_code == 2 and field in bad.output, (args, bad.output)


@pytest.fixture(scope="module")
def server(indexed, es_client) -> Iterator[LiveServer]:
    with serve(es_client) as live:
        yield live


def test_api_trends_is_the_cli_json(server) -> None:
    got = httpx.get(server.url + "/api/trends", params={"topic": "isis"}).json()
    assert [r["key"] for r in got["rising"]] == ["isis"]
    assert httpx.get(server.url + "/api/trends", params={"topic": "nope"}).status_code == 400
    assert httpx.get(server.url + "/api/trends",
                     params={"interval": "minute"}).status_code == 400


def test_trends_page_in_chromium(server, page, artifacts_dir) -> None:
    page.goto(server.url + "/trends")
    charts = page.locator("li.multiple")
    assert charts.count() >= 5
    rising = page.locator("li.multiple.rising")
    n = rising.count()
    assert n >= 2 and {rising.nth(i).get_attribute("data-key") for i in range(n)} >= {
        "isis", "mosul"}
    assert all("rising" in (charts.nth(i).get_attribute("class") or "") for i in range(n))
    isis = page.locator("li.multiple[data-key='isis']")
    assert isis.locator("svg rect").count() in (30, 31)
    assert "topic=isis" in isis.locator("h3 a").get_attribute("href")
    page.screenshot(path=str(artifacts_dir / "web-trends.png"), full_page=True)
    isis.locator("a", has_text="القصص").click()
    page.wait_for_url("**/stories?topic=isis*")
    assert page.locator("li.story").count() >= 2
    assert page.problems == []


def test_breaks_needs_outlets_within_the_window() -> None:
    story = {"outlets": [{"outlet": "a", "first_at": "2015-05-18T19:05:00+03:00"},
                         {"outlet": "b", "first_at": "2015-05-18T20:40:00+03:00"},
                         {"outlet": "c", "first_at": "2015-05-19T09:00:00+03:00"}]}
    assert breaks(story, 2, timedelta(hours=2))
    assert not breaks(story, 3, timedelta(hours=2))
    assert breaks(story, 3, timedelta(hours=14))
    assert not breaks({"outlets": [{"outlet": "a", "first_at": "2015-05-18T19:05:00Z"}]},
                      2, timedelta(days=1))


def test_breaking_and_rising_alerts_are_sent_once(indexed, es_client, tmp_path: Path) -> None:
    alerts = alerts_of(
        {"name": "breaking-isis", "topics": ["isis"], "recipients": ["a@example.org"],
         "breaking": {"min_outlets": 3, "within": "2h"}},
        {"name": "rising-all", "recipients": ["b@example.org"], "rising": {"min_score": 3}},
        {"name": "kurds-break", "topics": ["kurds"], "recipients": ["c@example.org"],
         "breaking": {"min_outlets": 2, "within": "1h"}})
    with smtp_server() as (collector, port):
        settings = load_settings({**os.environ, "RAQIB_HOME": str(tmp_path),
                                  "RAQIB_SMTP_HOST": "127.0.0.1", "RAQIB_SMTP_PORT": str(port)})
        first = run_breaking(settings, alerts=alerts, client=es_client)
        by = {(r.alert, r.recipient): r for r in first.results}
        assert by[("breaking-isis", "a@example.org")].status == "sent"
        assert by[("rising-all", "b@example.org")].status == "sent"
        assert ("kurds-break", "c@example.org") not in by or \
            by[("kurds-break", "c@example.org")].status == "skipped"
        mails = {m["To"]: m for m in collector.parsed()}
        assert set(mails) == {"a@example.org", "b@example.org"}
        assert "عاجل" in mails["a@example.org"]["Subject"]
        html = mails["a@example.org"].get_body(("html",)).get_content()
        assert html.count("mosul-offensive") == 0 and "isis-now-" in html  # articles, linked
        rising_mail = mails["b@example.org"]
        assert "صاعد الآن" in rising_mail["Subject"]
        assert "isis" in rising_mail.get_body(("plain",)).get_content()
        again = run_breaking(settings, alerts=alerts, client=es_client)
        assert again.sent == 0 and len(collector.messages) == 2


def test_morning_digest_has_a_rising_section(indexed, es_client, tmp_path: Path) -> None:
    alerts = alerts_of({"name": "watch", "topics": ["isis"], "recipients": ["d@example.org"]})
    settings = load_settings({**os.environ, "RAQIB_HOME": str(tmp_path)})
    summary = run_digests(settings, alerts=alerts, client=es_client, since="2d",
                          outbox=tmp_path / "box")
    [path] = summary.paths
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    assert "صاعد الآن" in text and "isis" in text
