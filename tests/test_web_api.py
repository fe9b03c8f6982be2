"""``/api/search``, ``/api/articles/{id}``, ``/api/topics`` over HTTP against the real node."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from indexing.search import SearchRequest, search
from tests.test_web_server import ARTICLES, HOSTILE, LiveServer, load_fixture_index, serve


@pytest.fixture(scope="module")
def server(es_client) -> Iterator[LiveServer]:
    """The fixture articles, and the app on a real uvicorn without an access token."""
    load_fixture_index(es_client)
    with serve(es_client) as live:
        yield live


HIT_KEYS = {"id", "url", "title", "outlet", "outlet_name", "published_at", "topics", "places",
            "snippet"}


def get(server, path: str, **params) -> httpx.Response:
    return httpx.get(server.url + path, params=params, timeout=30)


def ok(server, **params) -> dict:
    resp = get(server, "/api/search", **params)
    assert resp.status_code == 200, resp.text
    return resp.json()


def ids(result: dict) -> list[str]:
    return [h["id"] for h in result["hits"]]


def test_contract_json_matches_the_search_function(server, es_client):
    result = ok(server, q="التحالف", topic="isis", place="raqqa")
    assert set(result) == {"total", "hits", "facets", "histogram"}
    assert result["hits"] and all(set(h) >= HIT_KEYS for h in result["hits"])
    assert set(result["facets"]) == {"topics", "outlets", "places"}
    assert all(set(b) == {"date", "count"} for b in result["histogram"])
    assert all(isinstance(t, str) for h in result["hits"] for t in h["topics"] + h["places"])
    # the CLI, the API and the page share one function: same request, same answer
    direct = search(es_client, SearchRequest(text="التحالف", topics=["isis"], places=["raqqa"]))
    assert result == direct


def test_text_is_arabic_aware(server):
    # لداعش in the articles, دَاعِش with diacritics in the query
    assert ok(server, q="دَاعِش")["total"] == 1 + len([a for a in ARTICLES[:23]
                                                          if "لداعش" in a["body"]])
    assert ok(server, q="coalition")["total"] == 1


def test_each_filter(server):
    everything = ok(server)
    assert everything["total"] == len(ARTICLES)
    assert everything["facets"]["outlets"] == {"elnashra": 9, "aljazeera": 9, "alarabiya": 7}
    by_topic = ok(server, topic="kurds")
    assert by_topic["total"] == 1 and by_topic["hits"][0]["id"] == ARTICLES[5]["id"]
    by_place = ok(server, place="mosul")
    assert by_place["total"] == 6 and all(h["places"] == ["mosul"] for h in by_place["hits"])
    by_outlet = ok(server, outlet="alarabiya")
    assert {h["outlet"] for h in by_outlet["hits"]} == {"alarabiya"}
    assert ok(server, language="en")["hits"][0]["url"] == "https://news.example/english"
    june = ok(server, **{"from": "2015-06-01", "to": "2015-06-30"})
    assert ids(june) == [HOSTILE["id"]]
    day = ok(server, **{"from": "2015-05-03", "to": "2015-05-03"})  # 'to' = end of day
    assert day["total"] == 1 and day["hits"][0]["published_at"].startswith("2015-05-03")
    assert ok(server, since="1d")["total"] == 0  # fixtures are from 2015
    days = (datetime.now(UTC) - datetime(2015, 6, 1, tzinfo=UTC)).days
    assert ids(ok(server, since=f"{days}d")) == [HOSTILE["id"]]


def test_repeated_filters_combine_as_or(server):
    both = ok(server, topic=["kurds", "isis"])  # httpx repeats the parameter
    assert both["total"] == ok(server, topic="isis")["total"] + 1 == 14
    two = ok(server, outlet=["alarabiya", "elnashra"], limit=100)
    assert {h["outlet"] for h in two["hits"]} == {"alarabiya", "elnashra"}
    assert two["total"] == 16


def test_sort_and_paging(server):
    newest = ok(server, q="التحالف", sort="date", limit=5)
    dates = [h["published_at"] for h in newest["hits"]]
    assert dates == sorted(dates, reverse=True)
    pages = [ok(server, q="التحالف", sort="date", limit=10, offset=o) for o in (0, 10, 20)]
    seen = [i for p in pages for i in ids(p)]
    assert len(seen) == len(set(seen)) == pages[0]["total"] == 23
    assert [len(p["hits"]) for p in pages] == [10, 10, 3]


@pytest.mark.parametrize(("params", "message"), [
    ({"since": "yesterday"}, "since: expected a number and a unit"),
    ({"since": "7"}, "since:"),
    ({"from": "21/05/2015"}, "from: expected a date"),
    ({"to": "2015-13-45"}, "to: expected a date"),
    ({"from": "2015-06-01", "to": "2015-05-01"}, "from is after to"),
    ({"since": "7d", "from": "2015-05-01"}, "since and from cannot be combined"),
    ({"sort": "popular"}, "sort: expected relevance or date"),
    ({"limit": "0"}, "limit: must be between 1 and 100"),
    ({"limit": "many"}, "limit: expected a whole number"),
    ({"offset": "-3"}, "offset: must be between 0"),
    ({"offset": "9999"}, "offset: must be between 0 and 9980"),
])
def test_bad_parameters_are_400_with_the_reason(server, params, message):
    resp = get(server, "/api/search", **params)
    assert resp.status_code == 400
    assert resp.json()["detail"].startswith(message)


@pytest.mark.parametrize("q", ['"داعش', "((التحالف", "OR", "-", "*~^\\", "<script>", "a" * 500])
def test_any_query_text_answers(server, q):
    assert get(server, "/api/search", q=q).status_code == 200


def test_article_by_id_and_404(server):
    resp = get(server, f"/api/articles/{HOSTILE['id']}")
    assert resp.status_code == 200
    article = resp.json()
    assert article["title"] == HOSTILE["title"] and article["url"] == HOSTILE["url"]
    assert "body_norm" not in article
    assert resp.headers["content-type"].startswith("application/json")
    missing = get(server, "/api/articles/0000000000000000000000000000000000000000")
    assert missing.status_code == 404 and "no article" in missing.json()["detail"]


def test_topics_lists_the_taxonomy(server):
    topics = get(server, "/api/topics").json()["topics"]
    by_id = {t["id"]: t for t in topics}
    for core in ("coalition", "isis", "partition", "kurds", "pmf", "iran_nuclear", "us_policy"):
        assert core in by_id and by_id[core]["label_ar"] and by_id[core]["label_en"]
    assert all(set(t) == {"id", "label_ar", "label_en", "description"} for t in topics)
