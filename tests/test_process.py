"""`raqib process`: landed batches (or JSONL files) → enrichment → index, each batch once,
retried whole on failure; `raqib landing export` / `import`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from typer.testing import CliRunner

from core.settings import load_settings
from indexing.search import SearchRequest, search
from ingest.process import process_landing
from raqib.cli import app
from state.deadletter import DEAD_LETTER
from state.store import StateError
from tests.conftest import make_record, wipe_state

runner = CliRunner()


def _write(path: Path, lines: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x, ensure_ascii=False))
                            + "\n" for x in lines), encoding="utf-8")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_state) -> Path:
    monkeypatch.setenv("RAQIB_HOME", str(tmp_path))
    return tmp_path


def test_process_indexes_each_landing_file_once(home: Path, sample_record: dict,
                                                es_client: Elasticsearch):
    other = make_record("https://www.aljazeera.net/news/2015/5/21/1", "قصف على الرقة",
                        "شنت طائرات التحالف الدولي غارات على مواقع تنظيم داعش في الرقة.",
                        outlet="aljazeera", outlet_name="الجزيرة")
    folder = home / "archive"
    _write(folder / "2015-05-21" / "elnashra-run1.jsonl", [sample_record])
    _write(folder / "2015-05-21" / "aljazeera-run1.jsonl",
           [other, "{not json", ["not", "an", "object"]])

    result = runner.invoke(app, ["process", "--landing", str(folder)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # Rich wraps long lines
    assert "2 batch(es) processed" in said
    assert "2 new" in said and "2 bad line(s) skipped" in said
    assert "line 2: not JSON" in said and "line 3: expected a JSON object" in said

    found = search(es_client, SearchRequest(text="داعش"))
    assert {h["id"] for h in found["hits"]} == {sample_record["id"], other["id"]}
    sample_hit = next(h for h in found["hits"] if h["id"] == sample_record["id"])
    assert {"coalition", "isis", "partition"} <= set(sample_hit["topics"])
    assert {"palmyra", "ramadi", "mosul"} <= set(sample_hit["places"])

    again = runner.invoke(app, ["process", "--landing", str(folder)])
    assert again.exit_code == 0
    assert "0 batch(es) processed, 2 already done" in " ".join(again.output.split())
    assert es_client.count(index="raqib-articles")["count"] == 2

    # "already processed" means the same content, not the same path
    (folder / "2015-05-21" / "elnashra-run1.jsonl").rename(folder / "renamed.jsonl")
    changed = dict(other, id="x" * 40, url="https://www.aljazeera.net/news/2015/5/21/2")
    _write(folder / "2015-05-21" / "aljazeera-run1.jsonl", [changed])
    third = runner.invoke(app, ["process", "--landing", str(folder)])
    assert "1 batch(es) processed, 1 already done" in " ".join(third.output.split())
    assert es_client.count(index="raqib-articles")["count"] == 3


def test_a_record_the_index_rejects_goes_to_the_dead_letter_not_into_a_story(
        home: Path, es_client: Elasticsearch):
    """A date Elasticsearch cannot take costs that article alone: the batch is done, the
    record waits in the dead letter with its reason, and no story record claims it."""
    good = make_record("https://www.aljazeera.net/news/2015/5/21/7", "قصف على الرقة",
                       "شنت طائرات التحالف الدولي غارات على مواقع تنظيم داعش في الرقة.",
                       outlet="aljazeera", outlet_name="الجزيرة")
    bad = make_record("https://www.aljazeera.net/news/2015/5/21/8", "قصف على الرقة",
                      "شنت طائرات التحالف الدولي غارات على مواقع تنظيم داعش في الرقة.",
                      outlet="sada", outlet_name="صدى", published_at="2015-05-21+00:00")
    _write(home / "archive" / "one.jsonl", [good, bad])
    summary = process_landing(landing_dir=home / "archive")
    assert summary.error is None and summary.totals()["failed"] == 1
    es_client.indices.refresh(index="raqib-dead-letter,raqib-stories")
    dead = es_client.search(index="raqib-dead-letter")["hits"]["hits"]
    assert [d["_source"]["article_id"] for d in dead] == [bad["id"]]
    assert "published_at" in dead[0]["_source"]["reason"]
    stories = es_client.search(index="raqib-stories")["hits"]["hits"]
    assert [s["_source"]["article_ids"] for s in stories] == [[good["id"]]]


def test_a_file_that_failed_is_retried_whole(home: Path, es_client: Elasticsearch,
                                             unused_port: int):
    bodies = ["معارك عنيفة في دير الزور بين الجيش السوري ومسلحي داعش قرب المطار العسكري.",
              "وصل وفد أممي إلى بغداد لبحث ملف النازحين من محافظة الأنبار مع الحكومة العراقية.",
              "عقدت لجنة الموازنة في البرلمان اللبناني جلسة لمناقشة رواتب القطاع العام."]
    records = [make_record(f"https://www.elnashra.com/news/show/{i}", f"خبر {i}", body)
               for i, body in enumerate(bodies)]
    folder = home / "archive"
    _write(folder / "2015-05-22" / "elnashra-run2.jsonl", records)
    settings = load_settings()

    down = Elasticsearch(f"http://127.0.0.1:{unused_port}", request_timeout=1, max_retries=0)
    with pytest.raises(StateError, match="unreachable"):
        process_landing(settings, landing_dir=folder, client=down)

    retried = process_landing(settings, landing_dir=folder)
    assert retried.error is None
    assert [b.created for b in retried.batches] == [3]
    assert retried.batches[0].duplicates == 0  # the failed attempt left no trace in dedup
    assert es_client.count(index="raqib-articles")["count"] == 3
    assert process_landing(settings, landing_dir=folder).batches == []


def test_a_batch_the_cluster_cannot_store_stops_the_run_and_waits(
        home: Path, es_client: Elasticsearch):
    """A batch that cannot be stored (here: its rejected record cannot reach the
    write-blocked dead letter) stops the run with a clear error. The batches before it are
    done; it and the ones after stay pending for the next run."""
    def article(n: int, **fields) -> dict:
        return make_record(f"https://www.aljazeera.net/news/2015/5/21/{n}", f"خبر {n}",
                           f"شنت طائرات التحالف الدولي غارات على الرقة في اليوم {n}.",
                           outlet="aljazeera", outlet_name="الجزيرة", **fields)

    folder = home / "archive"
    _write(folder / "1.jsonl", [article(1)])
    _write(folder / "2.jsonl", [article(2), article(3, published_at="2015-05-21+00:00")])
    _write(folder / "3.jsonl", [article(4)])
    blocked = DEAD_LETTER.ensure(es_client)
    es_client.indices.put_settings(index=blocked, settings={"index.blocks.write": True})

    stopped = process_landing(landing_dir=folder)
    assert [b.source for b in stopped.batches] == ["1.jsonl"]
    assert stopped.error and stopped.error.startswith("2.jsonl: ")
    assert "dead letter" in stopped.error

    es_client.indices.put_settings(index=blocked, settings={"index.blocks.write": False})
    resumed = process_landing(landing_dir=folder)
    assert resumed.error is None
    assert [b.source for b in resumed.batches] == ["2.jsonl", "3.jsonl"]
    assert es_client.count(index="raqib-articles")["count"] == 3
    assert process_landing(landing_dir=folder).already_processed == 3


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_crawls_then_processes(home: Path, es_client: Elasticsearch):
    from raqib.replay import serve

    with serve() as site:
        outlets = site.write_outlets(home / "outlets.yaml")
        first = runner.invoke(app, ["run", "--outlets", str(outlets), "--outlet", "manbar"])
        again = runner.invoke(app, ["run", "--outlets", str(outlets), "--outlet", "manbar"])
    assert first.exit_code == 0, first.output
    said = " ".join(first.output.split())  # Rich wraps long lines
    assert "1 batch(es) processed" in said and "6 new" in said
    assert search(es_client, SearchRequest(outlets=["manbar"]))["total"] == 6
    assert again.exit_code == 0, again.output
    assert "0 batch(es) processed, 1 already done" in " ".join(again.output.split())


def test_landing_export_import_and_rebuild(home: Path, es_client: Elasticsearch):
    from raqib.replay import serve

    with serve() as site:
        outlets = site.write_outlets(home / "outlets.yaml")
        assert runner.invoke(app, ["run", "--outlets", str(outlets)]).exit_code == 0
    ids = {h["_id"] for h in es_client.search(index="raqib-articles", size=100)["hits"]["hits"]}
    exported = runner.invoke(app, ["landing", "export", str(home / "export")])
    assert "2 batch file(s) written" in exported.output, exported.output
    files = sorted((home / "export").rglob("*.jsonl"))
    assert len(files) == 2 and sum(len(f.read_text().splitlines()) for f in files) == len(ids)

    # a fresh cluster rebuilt from the archive: the same articles, the same ids
    wipe_state(es_client)
    es_client.indices.delete(index="raqib-articles-*")
    imported = runner.invoke(app, ["landing", "import", str(home / "export")])
    assert "2 file(s) landed" in imported.output, imported.output
    assert "0 file(s) landed" in runner.invoke(app, ["landing", "import",
                                                     str(home / "export")]).output
    assert runner.invoke(app, ["process"]).exit_code == 0
    es_client.indices.refresh(index="raqib-articles")
    again = {h["_id"] for h in es_client.search(index="raqib-articles", size=100)["hits"]["hits"]}
    assert again == ids
    rebuilt = runner.invoke(app, ["process", "--rebuild"])
    assert "2 batch(es) processed" in " ".join(rebuilt.output.split())
    assert es_client.count(index="raqib-articles")["count"] == len(ids)


def test_a_run_sees_what_an_interrupted_run_stored(home: Path, sample_record: dict,
                                                   es_client: Elasticsearch):
    """The near-duplicate memory is refreshed only at the start and the end of a run: what a
    run that died before its end had stored is seen by the next one."""
    from processing.dedup import Deduper
    from state.dedup import DEDUP, EsMemory

    stored = EsMemory(es_client)
    deduper = Deduper(stored)
    first = deduper.check(sample_record)
    deduper.commit()  # stored, never published: the run died here
    assert es_client.indices.get_settings(index=DEDUP.name)[DEDUP.name]["settings"][
        "index"]["refresh_interval"] == "-1"
    assert es_client.count(index=DEDUP.name)["count"] == 0  # not visible yet

    copy = dict(sample_record, id="c" * 40, url=sample_record["url"] + "?copy=1",
                canonical_url=sample_record["url"] + "?copy=1", outlet="copier")
    _write(home / "archive" / "copier-run2.jsonl", [copy])
    summary = process_landing(load_settings(), landing_dir=home / "archive")
    assert summary.totals()["duplicates"] == 1
    es_client.indices.refresh(index="raqib-articles")
    hit = es_client.get(index="raqib-articles", id=copy["id"])["_source"]
    assert hit["duplicate_of"] == sample_record["id"]
    assert hit["story_id"] == first.story_id


def test_a_dedup_index_an_older_version_made_keeps_its_fields_and_gains_the_new_ones(
        home: Path, sample_record: dict, es_client: Elasticsearch):
    """Fields a state index already has keep their mapping (Elasticsearch refuses to change
    how a field is stored: here, doc values on the keys); the fields added since are put,
    and the index serves lookups as before."""
    from processing.dedup import Deduper
    from state.dedup import DEDUP, EsMemory

    es_client.options(ignore_status=404).indices.delete_index_template(
        name=f"raqib-state-{DEDUP.name}")
    older = {field: {"type": "keyword"} if spec["type"] == "keyword" else spec
             for field, spec in DEDUP.properties.items() if field != "sentence_keys"}
    es_client.indices.create(index=DEDUP.name, mappings={"dynamic": "strict",
                                                          "properties": older})
    memory = EsMemory(es_client)
    first = Deduper(memory)
    original = first.check(sample_record)
    first.commit()
    memory.publish()
    copy = dict(sample_record, id="c" * 40, outlet="copier")
    assert Deduper(memory).check(copy).duplicate_of == sample_record["id"]
    assert original.story_id == sample_record["id"]
    fields = es_client.indices.get_mapping(index=DEDUP.name)[DEDUP.name]["mappings"][
        "properties"]
    assert fields["bands"] == {"type": "keyword"}  # as the older version made it
    assert fields["sentence_keys"] == {"type": "keyword"}  # added
    # a new index gets today's mapping: the keys only matched carry no doc values
    es_client.indices.delete(index=DEDUP.name)
    DEDUP.forget(es_client)
    DEDUP.ensure(es_client)
    fields = es_client.indices.get_mapping(index=DEDUP.name)[DEDUP.name]["mappings"][
        "properties"]
    assert fields["bands"] == {"type": "keyword", "doc_values": False}


def test_the_pre_serialised_lookup_clauses_are_the_plain_ones() -> None:
    """The candidate lookups' clauses, serialised in one go, are the JSON of the plain
    clauses, keys escaped (quotes, backslashes, Arabic)."""
    import orjson

    from state.dedup import _one_point_each

    for keys in [("7:f9a0cbfb59ca49cf",), ("e0:3bea", "t5:c9f8", "e1:60cd"),
                 ('a","b', 'back\\slash"', "عربي")]:
        plain = [{"constant_score": {"filter": {"term": {"bands": key}}}} for key in keys]
        assert orjson.loads(orjson.dumps({"s": _one_point_each("bands", keys)}))["s"] == plain


def test_a_batch_is_stored_chunk_by_chunk_and_one_that_failed_midway_is_done_again(
        home: Path, es_client: Elasticsearch, monkeypatch: pytest.MonkeyPatch):
    """Chunks are stored while the next is enriched; a chunk the cluster cannot take stops
    the run with its batch pending (the chunks before it stay indexed), and the next run
    does the batch again whole: every article indexed and in a story once."""
    import ingest.process

    monkeypatch.setattr(ingest.process, "CHUNK", 2)
    places = ["الرقة", "حلب", "الموصل", "الرمادي", "تدمر"]
    articles = [make_record(f"https://www.aljazeera.net/news/2015/5/21/{n}", f"غارة على {place}",
                            f"شنت طائرات التحالف الدولي غارات على مواقع داعش في {place}.",
                            outlet="aljazeera", outlet_name="الجزيرة")
                for n, place in enumerate(places)]
    articles[2]["published_at"] = "2015-05-21+00:00"  # rejected: goes to the dead letter
    _write(home / "archive" / "1.jsonl", articles)
    _write(home / "archive" / "2.jsonl", [dict(articles[0], id="d" * 40, outlet="copier",
                                               url=articles[0]["url"] + "?copy")])
    blocked = DEAD_LETTER.ensure(es_client)
    es_client.indices.put_settings(index=blocked, settings={"index.blocks.write": True})

    stopped = process_landing(landing_dir=home / "archive")
    assert stopped.batches == [] and stopped.error and stopped.error.startswith("1.jsonl: ")
    es_client.indices.refresh(index="raqib-articles")
    indexed = {h["_id"] for h in es_client.search(index="raqib-articles")["hits"]["hits"]}
    assert indexed == {articles[0]["id"], articles[1]["id"], articles[3]["id"]}  # chunks 1, 2

    es_client.indices.put_settings(index=blocked, settings={"index.blocks.write": False})
    resumed = process_landing(landing_dir=home / "archive")
    assert resumed.error is None and [b.source for b in resumed.batches] == ["1.jsonl",
                                                                            "2.jsonl"]
    assert [(b.records, b.created, b.updated, b.failed) for b in resumed.batches] == [
        (5, 1, 3, 1), (1, 1, 0, 0)]
    assert resumed.batches[1].duplicates == 1
    es_client.indices.refresh(index="raqib-articles,raqib-stories")
    assert es_client.count(index="raqib-articles")["count"] == 5
    stories = es_client.search(index="raqib-stories", size=20)["hits"]["hits"]
    in_stories = sorted(i for s in stories for i in s["_source"]["article_ids"])
    assert in_stories == sorted([a["id"] for n, a in enumerate(articles) if n != 2] + ["d" * 40])


def test_tasks_queued_behind_a_failed_store_are_skipped():
    """The storing thread runs tasks in order; once one fails, the ones queued behind it
    (a batch's ledger record, the next batch's chunks) do not run, and the failure is
    raised with its batch's label."""
    import threading

    from ingest.process import _StoreFailed, _Storer

    release, ran = threading.Event(), []

    def fails() -> None:
        release.wait(5)
        raise StateError("the cluster refused the chunk")

    with _Storer() as storer:
        storer.submit("1.jsonl", lambda: ran.append("chunk 1"))
        storer.submit("2.jsonl", fails)
        storer.submit("2.jsonl", lambda: ran.append("ledger 2"), chunk=False)
        storer.submit("3.jsonl", lambda: ran.append("chunk 3"))
        release.set()
        with pytest.raises(_StoreFailed) as failed:
            storer.wait()
    assert failed.value.label == "2.jsonl" and "refused" in str(failed.value.cause)
    assert ran == ["chunk 1"]
