"""Story records in a real Elasticsearch: built by `raqib process`, listed by `raqib stories`
and `/api/stories`, unchanged by re-processing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from indexing.stories import find_stories, update_stories
from ingest.process import process_landing
from raqib.cli import app
from tests.conftest import make_record
from tests.test_stories import BLAST, BLAST_TOLL, PLANE_5, PLANE_5_OTHER, PLANE_6
from tests.test_web_server import LiveServer, serve

runner = CliRunner()
HOSTILE_TITLE = '<script>alert("story")</script> انفجار الكرادة'


def records() -> list[dict]:
    def rec(n: str, text: tuple[str, str], outlet: str, at: str, **extra) -> dict:
        return make_record(f"https://{outlet}.example/{n}", text[0], text[1], outlet=outlet,
                           outlet_name=outlet, published_at=at, **extra)

    return [
        rec("p5", PLANE_5, "sabq", "2015-08-05T09:00:00+03:00"),
        rec("p5b", PLANE_5_OTHER, "alriyadh", "2015-08-05T13:00:00+03:00"),
        rec("p5c", PLANE_5_OTHER, "okaz", "2015-08-05T16:00:00+03:00"),
        rec("p6", PLANE_6, "sabq", "2015-08-06T09:00:00+03:00"),
        rec("blast", (HOSTILE_TITLE, BLAST[1]), "alyaum", "2015-08-05T08:00:00+03:00"),
        rec("toll", BLAST_TOLL, "alwatan", "2015-08-05T20:00:00+03:00"),
    ]


@pytest.fixture
def processed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_state) -> list[dict]:
    monkeypatch.setenv("RAQIB_HOME", str(tmp_path))
    folder = tmp_path / "landing"
    folder.mkdir()
    recs = records()  # two batches: stories grow across batches too
    for name, part in (("a.jsonl", recs[:3]), ("b.jsonl", recs[3:])):
        (folder / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                           for r in part), encoding="utf-8")
    summary = process_landing(landing_dir=folder)
    assert summary.error is None and len(summary.batches) == 2
    return recs  # searchable now: the run refreshes the story records at its end


def test_story_records_say_who_was_first_and_who_followed(processed, es_client):
    ids = {r["url"].rsplit("/", 1)[1]: r["id"] for r in processed}
    stories = {s["id"]: s for s in find_stories(es_client)}
    assert set(stories) == {ids["p5"], ids["p6"], ids["blast"]}
    plane = stories[ids["p5"]]
    assert plane["first_report"]["outlet"] == "sabq"
    assert plane["headline"] == PLANE_5[0]
    assert [o["outlet"] for o in plane["outlets"]] == ["sabq", "alriyadh", "okaz"]
    assert plane["article_count"] == 3 and plane["outlet_count"] == 3
    assert plane["first_seen"] == "2015-08-05T09:00:00+03:00"
    assert plane["last_update"] == "2015-08-05T16:00:00+03:00"
    assert {"aden", "yemen"} <= set(plane["places"])
    assert stories[ids["blast"]]["article_count"] == 2
    assert stories[ids["p6"]]["article_count"] == 1

    assert {s["id"] for s in find_stories(es_client, min_articles=2)} == {ids["p5"],
                                                                           ids["blast"]}
    assert [s["id"] for s in find_stories(es_client, place="baghdad")] == [ids["blast"]]
    assert find_stories(es_client, outlet="okaz")[0]["id"] == ids["p5"]


def test_reprocessing_changes_no_story(processed, es_client, tmp_path):
    before = {s["id"]: s for s in find_stories(es_client)}
    summary = process_landing(landing_dir=tmp_path / "landing", rebuild=True)
    assert summary.error is None
    es_client.indices.refresh(index="raqib-stories")
    assert {s["id"]: s for s in find_stories(es_client)} == before


def test_cli_lists_stories(processed, es_client):
    result = runner.invoke(app, ["stories", "--json", "--min-articles", "2"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [s["article_count"] for s in listed] == [2, 3]  # newest update first
    table = runner.invoke(app, ["stories", "--place", "aden"])
    assert table.exit_code == 0 and "sabq" in table.output
    bad = runner.invoke(app, ["stories", "--since", "soon"])
    assert bad.exit_code == 2


@pytest.fixture
def server(processed, es_client) -> Iterator[LiveServer]:
    with serve(es_client) as live:
        yield live


def test_api_stories(server, processed):
    got = httpx.get(server.url + "/api/stories", params={"min_articles": "2"}).json()
    assert [s["outlet_count"] for s in got["stories"]] == [2, 3]
    assert got["stories"][0]["headline"] == HOSTILE_TITLE  # data, escaped where shown
    assert httpx.get(server.url + "/api/stories",
                     params={"since": "10 days"}).status_code == 400
    html = httpx.get(server.url + "/stories")
    assert html.status_code == 200
    assert "&lt;script&gt;" in html.text and "<script>alert" not in html.text


def test_stories_page_in_chromium(server, processed, page, artifacts_dir):
    page.goto(server.url + "/")
    page.locator("nav.views a[href='/stories']").click()
    page.wait_for_url("**/stories")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    stories = page.locator("li.story")
    assert stories.count() == 3
    plane = page.locator("li.story", has_text=PLANE_5[0])
    assert plane.locator(".meta .outlet").inner_text() == "sabq"  # who was first
    assert plane.locator(".outlets li").all_inner_texts()[0].startswith("sabq")
    dots = plane.locator("svg.timeline circle")
    assert dots.count() == 3 and plane.locator("svg.timeline circle.first").count() == 1
    first_x = float(plane.locator("circle.first").get_attribute("cx"))
    assert first_x == max(float(dots.nth(i).get_attribute("cx")) for i in range(3))  # right
    blast = page.locator("li.story", has_text="انفجار الكرادة")
    assert blast.locator("h3 a").inner_text() == HOSTILE_TITLE  # shown as text
    assert page.locator("li.story script").count() == 0
    page.screenshot(path=str(artifacts_dir / "web-stories.png"), full_page=True)
    page.goto(server.url + "/stories?min_articles=2&place=baghdad")
    assert stories.count() == 1
    assert page.problems == []  # no alert() ran, no CSP complaint
    page.goto(server.url + "/stories?since=ever")
    assert page.locator(".error").inner_text().startswith("since:")


def test_workers_updating_one_story_at_once_lose_no_article(fresh_state, es_client):
    """Four threads merge their own articles into one story record at the same time: the
    writes that lose the race (version conflicts) are read, merged and written again."""
    story = "race-story"

    def batch(worker: int) -> list[dict]:
        return [make_record(f"https://w{worker}.example/{i}", f"عنوان {worker} {i}", "نص",
                            outlet=f"w{worker}", outlet_name=f"w{worker}",
                            published_at=f"2015-08-05T{10 + i:02d}:00:00+03:00",
                            story_id=story) for i in range(5)]

    batches = [batch(w) for w in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for rounds in zip(*[[b[i:i + 1] for i in range(5)] for b in batches], strict=True):
            list(pool.map(lambda part: update_stories(es_client, part), rounds))
    record = es_client.get(index="raqib-stories", id=story)["_source"]
    expected = {r["id"] for b in batches for r in b}
    assert set(record["article_ids"]) == expected and record["article_count"] == 20
    assert {o["outlet"]: o["count"] for o in record["outlets"]} == {f"w{w}": 5 for w in range(4)}
