"""Faults of the shared store: a clear error naming the cause, nothing lost, nothing twice."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from typer.testing import CliRunner

from core.settings import load_settings
from crawlers.run import CrawlError, crawl
from ingest.process import process_landing
from raqib.cli import app
from raqib.replay import serve
from state import seen, store
from state.leases import Lease, LeaseBusy
from state.store import StateError

runner = CliRunner()


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_unreachable_cluster_stops_before_anything_is_fetched(tmp_path: Path) -> None:
    settings = load_settings({"RAQIB_HOME": str(tmp_path), "RAQIB_ES_URL": dead_url()})
    with serve() as site:
        with pytest.raises(CrawlError, match="unreachable.*nothing was crawled"):
            crawl(outlets=site.outlets(), settings=settings, scrapy_settings=site.fast_settings())
        assert site.hits == {}


def test_cli_says_what_is_wrong_in_one_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RAQIB_HOME", str(tmp_path))
    monkeypatch.setenv("RAQIB_ES_URL", dead_url())
    for args in (["process"], ["digest"], ["landing", "export", str(tmp_path / "x")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert "unreachable" in result.output and "Traceback" not in result.output, args


def test_red_cluster_is_named(fresh_state, tmp_path: Path) -> None:
    client = fresh_state
    client.indices.create(index="zz-red", settings={
        "number_of_replicas": 0, "index.routing.allocation.require._name": "no-such-node"})
    try:
        settings = load_settings({"RAQIB_HOME": str(tmp_path),
                                  "RAQIB_ES_URL": client.transport.node_pool.get().base_url})
        with serve() as site, pytest.raises(CrawlError, match="red"):
            crawl(outlets=site.outlets(), settings=settings, scrapy_settings=site.fast_settings())
    finally:
        client.indices.delete(index="zz-red")


def test_workers_starting_together_on_a_fresh_cluster_all_read_the_new_index(
        fresh_state) -> None:
    """One worker creates ``raqib-seen``, the others find it before its shard started (the
    index is already "yellow" then): each must wait for the shard, not fail the lookup."""
    def look_up(client: Elasticsearch, start: threading.Barrier) -> set[str]:
        start.wait()
        return seen.SeenUrls(client).known(["http://example.org/news/1"])

    url = fresh_state.transport.node_pool.get().base_url
    for _ in range(5):
        fresh_state.options(ignore_status=404).indices.delete(index=seen.SEEN.name)
        clients = [Elasticsearch(url) for _ in range(3)]  # one per worker, as in processes
        start = threading.Barrier(len(clients))
        with ThreadPoolExecutor(len(clients)) as pool:
            found = list(pool.map(look_up, clients, [start] * len(clients)))
        assert found == [set()] * len(clients)
        for client in clients:
            client.close()


def test_a_state_index_is_used_only_once_its_shard_is_up(fresh_state, monkeypatch) -> None:
    """Two workers starting together: one creates an index, the other finds it before its
    shard started (held back here by an allocation filter); it waits, or says why not."""
    client: Elasticsearch = fresh_state
    client.indices.create(index=seen.FEEDS.name, wait_for_active_shards="0", settings={
        "number_of_replicas": 0, "index.routing.allocation.require._name": "no-such-node"})
    monkeypatch.setattr(store, "SHARD_WAIT", "1s")
    with pytest.raises(StateError, match=f"{seen.FEEDS.name} has no active primary shard"):
        seen.SeenUrls(client).load_validators(["http://example.org/feed"])

    monkeypatch.setattr(store, "SHARD_WAIT", "30s")
    allocate = threading.Timer(1.0, lambda: client.indices.put_settings(
        index=seen.FEEDS.name, settings={"index.routing.allocation.require._name": None}))
    allocate.start()
    try:
        seen.SeenUrls(client).load_validators(["http://example.org/feed"])  # waited, then read
    finally:
        allocate.join()
    assert client.cluster.health(index=seen.FEEDS.name)["status"] == "green"


def test_a_state_index_deleted_by_hand_comes_back_with_its_mapping(fresh_state,
                                                                    tmp_path: Path) -> None:
    client: Elasticsearch = fresh_state
    url = client.transport.node_pool.get().base_url
    settings = load_settings({"RAQIB_HOME": str(tmp_path), "RAQIB_ES_URL": url})
    with serve() as site:
        first = crawl(outlets=site.outlets(), settings=settings,
                      scrapy_settings=site.fast_settings())
        client.indices.delete(index=[seen.SEEN.name, seen.FEEDS.name])  # by hand
        again = crawl(outlets=site.outlets(), settings=settings,
                      scrapy_settings=site.fast_settings())
    assert again.articles_written == first.articles_written  # fetched again, landed again
    mapping = client.indices.get_mapping(index=seen.SEEN.name)[seen.SEEN.name]["mappings"]
    assert mapping["dynamic"] == "strict" and mapping["properties"]["outlet"]["type"] == "keyword"
    summary = process_landing(settings, client=client)
    assert summary.error is None
    client.indices.refresh(index="raqib-articles")
    expected = {a["canonical_url"] for a in site.expected_articles()}
    assert client.count(index="raqib-articles")["count"] == len(expected)  # each once


def test_a_second_processor_waits_then_finds_the_work_done(fresh_state, tmp_path: Path) -> None:
    client = fresh_state
    settings = load_settings({"RAQIB_HOME": str(tmp_path),
                              "RAQIB_ES_URL": client.transport.node_pool.get().base_url})
    with Lease(client, "process", holder="worker-1"), \
            pytest.raises(LeaseBusy, match="already running on worker-1"):
        process_landing(settings, client=client, wait=0.5)
    assert process_landing(settings, client=client, wait=0).error is None
