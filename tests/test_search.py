"""The search function against a real Elasticsearch node: Arabic matching, filters, facets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from indexing.bulk import index_records
from indexing.search import (
    QueryError,
    SearchRequest,
    build_query_string,
    get_article,
    make_snippet,
    parse_since,
    search,
)
from tests.conftest import make_record


def _topic(tid: str) -> dict:
    return {"id": tid, "label_ar": tid, "label_en": tid, "score": 1.0, "evidence": []}


def _place(pid: str) -> dict:
    return {"id": pid, "name_ar": pid, "name_en": pid, "country": "SY", "lat": 35.0, "lon": 38.0}


# Written for these tests: each one carries a spelling variant the search must bridge.
ARTICLES = [
    make_record("https://a.example/1", "غارات لداعش قرب الرقة",
                "شن التحالف الدولي غارات على مواقع لداعش في ريف الرقة الشمالي.",
                outlet="elnashra", topics=[_topic("isis"), _topic("coalition")],
                places=[_place("raqqa")], published_at="2015-05-20T08:00:00+03:00", language="ar"),
    make_record("https://b.example/2", "تقدم بطيء في الموصل",
                "قال مسؤولون إن معركة الموصل ضد دَاعِش ستطول، وإن الإتحاد الأوروبي يراقب.",
                outlet="aljazeera", topics=[_topic("isis")], places=[_place("mosul")],
                published_at="2015-05-21T12:00:00+03:00", language="ar"),
    make_record("https://c.example/3", "إستكمال المفاوضات في فيينا",
                "أعلنت الخارجية الأمريكية إستكمال المفاوضات حول الملف النووي الإيراني.",
                outlet="alarabiya", topics=[_topic("iran_nuclear"), _topic("us_policy")],
                places=[], published_at="2015-05-22T15:00:00+03:00", language="ar"),
    make_record("https://d.example/4", "<script>alert('x')</script> عنوان مريب",
                "نص فيه <b>وسوم</b> و<script>alert(1)</script> يتحدث عن التحالف الدولي.",
                outlet="elnashra", topics=[_topic("coalition")], places=[],
                published_at="2015-05-23T10:00:00+03:00", language="ar"),
    make_record("https://e.example/5", "Coalition strikes near Raqqa",
                "The international coalition struck ISIS positions near Raqqa.",
                outlet="aljazeera", topics=[_topic("coalition")], places=[_place("raqqa")],
                published_at="2015-04-02T10:00:00+00:00", language="en"),
]
IDS = {i + 1: a["id"] for i, a in enumerate(ARTICLES)}


@pytest.fixture(scope="module")
def client(es_client):
    es_client.options(ignore_status=404).indices.delete(index="raqib-articles-*")
    index_records(ARTICLES, es_client, refresh=True)
    return es_client


def ids(result: dict) -> set[str]:
    return {h["id"] for h in result["hits"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("داعش", {1, 2}),          # لداعش (clitic) and دَاعِش (diacritics)
        ("دَاعِش", {1, 2}),        # diacritics in the query
        ("الاتحاد", {2}),          # الإتحاد
        ("استكمال", {3}),          # إستكمال
        ("الامريكية", {3}),        # الأمريكية
        ('"التحالف الدولي"', {1, 4}),
        ("داعش -الموصل", {1}),
        ("الموصل OR فيينا", {2, 3}),
        ("coalition", {5}),
    ],
)
def test_arabic_aware_matching(client, query, expected):
    assert ids(search(client, SearchRequest(text=query))) == {IDS[n] for n in expected}


@pytest.mark.parametrize("query", ['"داعش', "داعش)", "((داعش", "OR داعش OR", "داعش -", "*~^\\",
                                   'AND "" - | +'])
def test_broken_syntax_degrades_to_plain_terms(client, query):
    result = search(client, SearchRequest(text=query))
    assert isinstance(result["total"], int)
    if "داعش" in query:
        assert IDS[1] in ids(result)


def test_filters(client):
    by_topic = search(client, SearchRequest(topics=["coalition"]))
    assert ids(by_topic) == {IDS[1], IDS[4], IDS[5]}
    assert ids(search(client, SearchRequest(outlets=["aljazeera"]))) == {IDS[2], IDS[5]}
    assert ids(search(client, SearchRequest(places=["raqqa"]))) == {IDS[1], IDS[5]}
    assert ids(search(client, SearchRequest(language="en"))) == {IDS[5]}
    both = search(client, SearchRequest(text="داعش", topics=["coalition"], places=["raqqa"]))
    assert ids(both) == {IDS[1]}
    may = SearchRequest(date_from=datetime(2015, 5, 21, tzinfo=UTC),
                        date_to=datetime(2015, 5, 22, 23, 0, tzinfo=UTC))
    assert ids(search(client, may)) == {IDS[2], IDS[3]}
    since = search(client, SearchRequest(since="3d"), now=datetime(2015, 5, 23, 12, tzinfo=UTC))
    assert ids(since) == {IDS[2], IDS[3], IDS[4]}


def test_empty_query_lists_newest_first_with_facets_and_histogram(client):
    result = search(client, SearchRequest())
    assert result["total"] == 5
    dates = [h["published_at"] for h in result["hits"]]
    assert [h["id"] for h in result["hits"]][:2] == [IDS[4], IDS[3]]
    assert len(dates) == 5
    assert result["facets"]["topics"] == {"coalition": 3, "isis": 2, "iran_nuclear": 1,
                                          "us_policy": 1}
    assert result["facets"]["outlets"] == {"elnashra": 2, "aljazeera": 2, "alarabiya": 1}
    assert result["facets"]["places"] == {"raqqa": 2, "mosul": 1}
    assert result["histogram"] == [{"date": "2015-04-01", "count": 1},
                                   {"date": "2015-05-01", "count": 4}]


def test_paging_and_sort(client):
    page1 = search(client, SearchRequest(limit=2, offset=0, sort="date"))
    page2 = search(client, SearchRequest(limit=2, offset=2, sort="date"))
    page3 = search(client, SearchRequest(limit=2, offset=4, sort="date"))
    seen = [h["id"] for p in (page1, page2, page3) for h in p["hits"]]
    assert len(seen) == 5 and set(seen) == set(IDS.values())
    assert page1["total"] == page3["total"] == 5


def test_snippets_are_escaped_and_highlight_original_words(client):
    result = search(client, SearchRequest(text="داعش"))
    snippet = next(h["snippet"] for h in result["hits"] if h["id"] == IDS[1])
    assert "<mark>لداعش</mark>" in snippet  # the word as written, not its normal form
    hostile = search(client, SearchRequest(text="التحالف", outlets=["elnashra"]))
    bad = next(h for h in hostile["hits"] if h["id"] == IDS[4])
    assert "<script>" not in bad["snippet"] and "&lt;script&gt;" in bad["snippet"]
    assert bad["title"].startswith("<script>")  # stored as text; escaping is the page's job


def test_snippet_window_follows_the_matches():
    body = "كلام عام " * 60 + "ثم ضربت طائرات التحالف مواقع لداعش" + " كلام آخر" * 60
    snippet = make_snippet({"body": body}, set(build_query_string("داعش التحالف")[1]))
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert "<mark>لداعش</mark>" in snippet and "<mark>التحالف</mark>" in snippet


def test_get_article_and_since_parsing(client):
    article = get_article(client, IDS[3])
    assert article["title"] == "إستكمال المفاوضات في فيينا"
    assert "body_norm" not in article
    assert get_article(client, "nope") is None
    now = datetime(2015, 5, 23, tzinfo=UTC)
    assert parse_since("24h", now) == datetime(2015, 5, 22, tzinfo=UTC)
    with pytest.raises(QueryError):
        parse_since("yesterday")


def test_cli_search_json_and_table(client, monkeypatch):
    import json

    from typer.testing import CliRunner

    from raqib.cli import app

    runner = CliRunner()
    as_json = runner.invoke(app, ["search", "داعش", "--topic", "coalition", "--json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert set(data) >= {"total", "hits", "facets", "histogram"}
    assert [h["id"] for h in data["hits"]] == [IDS[1]]
    assert set(data["hits"][0]) >= {"id", "url", "title", "outlet", "published_at", "topics",
                                    "places", "snippet"}
    assert data["facets"]["places"] == {"raqqa": 1}

    table = runner.invoke(app, ["search", "--outlet", "alarabiya"])
    assert table.exit_code == 0 and "إستكمال المفاوضات" in table.output
    assert runner.invoke(app, ["search", "x", "--since", "yesterday"]).exit_code == 2
