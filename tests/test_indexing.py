"""Index template and bulk indexer against a real Elasticsearch node."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import numpy as np
import pytest
from elasticsearch import Elasticsearch

from core.settings import load_settings
from indexing.bulk import IndexingError, index_records, to_document
from indexing.client import SERIALIZERS, get_client
from indexing.templates import ALIAS, TEMPLATE_NAME, index_for, install_template
from processing.normalize import normalize_for_search
from state.deadletter import DEAD_LETTER, DeadLetter
from tests.conftest import make_record


def _search_norm(client: Elasticsearch, word: str) -> list[str]:
    query = {"match": {"body_norm": normalize_for_search(word)}}
    return [hit["_id"] for hit in client.search(index=ALIAS, query=query)["hits"]["hits"]]


def test_template_is_installed_once_and_maps_the_record(fresh_index):
    assert install_template(fresh_index) is True
    assert install_template(fresh_index) is False  # idempotent
    template = fresh_index.indices.get_index_template(name=TEMPLATE_NAME)["index_templates"][0]
    props = template["index_template"]["template"]["mappings"]["properties"]
    assert props["outlet"]["type"] == "keyword"
    assert props["topics"]["properties"]["id"]["type"] == "keyword"
    assert props["places"]["properties"]["location"]["type"] == "geo_point"
    assert props["published_at"]["type"] == "date"
    assert props["body"]["analyzer"] == "standard"
    assert props["body_norm"]["type"] == "text"


def test_monthly_index_in_utc():
    assert index_for("2015-05-21T10:00:00+03:00") == "raqib-articles-2015.05"
    assert index_for("2015-06-01T01:00:00+03:00") == "raqib-articles-2015.05"  # May 31 UTC
    with pytest.raises(ValueError):
        index_for("2015-05-21T10:00:00")


def test_sample_article_is_indexed_and_found_by_arabic_words(fresh_index, sample_record, tmp_path):
    place = {"id": "palmyra", "name_ar": "تدمر", "name_en": "Palmyra", "country": "SY",
             "lat": 34.56, "lon": 38.27}
    record = dict(sample_record, places=[place])
    summary = index_records([record], fresh_index, refresh=True)
    assert (summary.created, summary.updated, summary.failed) == (1, 0, 0)
    assert summary.indices == {"raqib-articles-2015.05"}
    # Clitic and hamza forms in the text are found by the bare word.
    assert _search_norm(fresh_index, "داعش") == [record["id"]]        # text has لـ"داعش"
    assert _search_norm(fresh_index, "استكمال") == [record["id"]]     # text has إستكمال
    assert _search_norm(fresh_index, "الأمريكية") == [record["id"]]  # text has الأميركية
    assert _search_norm(fresh_index, "بروكسل") == []
    doc = fresh_index.get(index=ALIAS, id=record["id"])["_source"]
    assert doc["body"] == sample_record["body"]  # displayed text is never changed
    assert doc["places"][0]["location"] == {"lat": 34.56, "lon": 38.27}
    geo = fresh_index.search(index=ALIAS, query={"geo_distance": {
        "distance": "20km", "places.location": {"lat": 34.55, "lon": 38.28}}})
    assert geo["hits"]["total"]["value"] == 1


def test_indexing_twice_leaves_one_document(fresh_index, sample_record):
    first = index_records([sample_record], fresh_index, refresh=True)
    again = index_records([sample_record, sample_record], fresh_index, refresh=True)
    assert (first.created, first.updated) == (1, 0)
    assert (again.created, again.updated) == (0, 2)
    assert fresh_index.count(index=ALIAS)["count"] == 1


def test_reindexing_keeps_the_first_indexed_at(fresh_index, sample_record):
    index_records([sample_record], fresh_index, refresh=True)
    first = fresh_index.get(index=ALIAS, id=sample_record["id"])["_source"]["indexed_at"]
    time.sleep(1.1)  # indexed_at has one-second resolution
    retagged = dict(sample_record, topics=[{"id": "isis", "label_ar": "داعش", "label_en": "ISIS",
                                            "score": 1.0, "evidence": ["داعش"]}])
    assert index_records([retagged], fresh_index, refresh=True).updated == 1
    doc = fresh_index.get(index=ALIAS, id=sample_record["id"])["_source"]
    assert doc["indexed_at"] == first
    assert doc["topics"][0]["id"] == "isis"  # the rest of the document is replaced


def test_rejected_records_go_to_dead_letter_and_the_rest_is_indexed(fresh_index, tmp_path):
    good = [make_record(f"https://example.org/news/{i}", f"خبر {i}", "نص الخبر") for i in range(5)]
    not_a_date = make_record("https://example.org/news/bad-date", "خبر", "نص",
                             published_at="not-a-date")
    bad_modified = make_record("https://example.org/news/bad-modified", "خبر", "نص",
                               modified_at="yesterday-ish")  # Elasticsearch rejects this one
    fresh_index.options(ignore_status=404).indices.delete(index=DEAD_LETTER.name)
    DEAD_LETTER.forget(fresh_index)
    summary = index_records([good[0], not_a_date, *good[1:3], bad_modified, *good[3:]],
                            fresh_index, dead_letter=DeadLetter(fresh_index, "test"),
                            refresh=True)
    assert (summary.created, summary.failed) == (5, 2)
    assert fresh_index.count(index=ALIAS)["count"] == 5
    fresh_index.indices.refresh(index=DEAD_LETTER.name)
    lines = [h["_source"] for h in fresh_index.search(index=DEAD_LETTER.name)["hits"]["hits"]]
    by_id = {line["record"]["id"]: line for line in lines}
    assert "published_at" in by_id[not_a_date["id"]]["reason"]
    rejected = by_id[bad_modified["id"]]
    assert rejected["status"] == 400
    assert "modified_at" in rejected["reason"]
    assert rejected["record"] == bad_modified  # the original record, ready to fix and replay


def test_documents_carry_normalised_fields():
    record = make_record("https://example.org/x", "دَاعِش", "وبالتحالف الدولي", lead=None)
    index, doc_id, source = to_document(record)
    assert index == "raqib-articles-2015.05"
    assert doc_id == record["id"]
    assert source["title_norm"] == normalize_for_search("داعش")
    assert source["lead_norm"] is None
    assert source["indexed_at"].endswith("+00:00")


def test_unreachable_cluster_fails_clearly_and_loses_nothing(free_port, sample_record):
    dead_client = Elasticsearch(f"http://127.0.0.1:{free_port}", request_timeout=2, max_retries=0)
    with pytest.raises(IndexingError) as err:
        index_records([sample_record], dead_client, attempts=2, initial_backoff=0.1)
    assert "unreachable" in str(err.value)
    assert "again" in str(err.value)


@pytest.fixture
def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_client_sends_what_the_standard_library_would() -> None:
    """orjson does the client's JSON: same documents for our bodies (Arabic, numpy values,
    times, non-string keys), and ``get_client`` uses it for JSON and NDJSON alike."""
    body = {"title": "دَاعِش في تدمر", "n": np.uint32(7), "score": np.float64(0.5),
            "at": datetime(2015, 5, 21, 7, tzinfo=UTC), 3: ["a", ("b", None)]}
    plain = {"title": body["title"], "n": 7, "score": 0.5, "at": "2015-05-21T07:00:00+00:00",
             "3": ["a", ["b", None]]}
    for serializer in SERIALIZERS.values():
        lines = serializer.dumps([body] if "ndjson" in serializer.mimetype else body)
        assert json.loads(lines.decode().splitlines()[0]) == plain
    client = get_client(load_settings({"RAQIB_ES_URL": "http://127.0.0.1:9"}))  # not called
    for mimetype in SERIALIZERS:
        assert client.transport.serializers.get_serializer(mimetype) is SERIALIZERS[mimetype]

