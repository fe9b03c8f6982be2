"""A 3-node cluster on loopback: up, status, a node killed during bulk indexing, down.

Real nodes (three JVMs, one replica of every index); slow, so one test covers the story.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.settings import load_settings
from indexing.bulk import IndexingError, index_records
from indexing.client import get_client
from indexing.node import pid_alive, read_state
from raqib.cli import app
from tests.conftest import make_record

runner = CliRunner()


@pytest.fixture
def cluster_home(monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private RAQIB_HOME (as a fresh clone has), with no external cluster configured."""
    parent = Path(tempfile.mkdtemp(prefix="raqib-cluster-"))
    home = parent / "home"
    home.mkdir()
    monkeypatch.setenv("RAQIB_HOME", str(home))
    monkeypatch.setenv("RAQIB_ES_HEAP", "384m")
    monkeypatch.delenv("RAQIB_ES_URL", raising=False)
    yield home
    runner.invoke(app, ["es", "down"])
    node_files = (home / "elasticsearch").resolve()
    shutil.rmtree(parent, ignore_errors=True)
    shutil.rmtree(node_files, ignore_errors=True)


def records(n: int) -> list[dict]:
    return [make_record(f"https://example.org/cluster/{i}", f"خبر رقم {i}",
                        f"قصفت طائرات التحالف الدولي مواقع لتنظيم داعش، في الخبر رقم {i}.")
            for i in range(n)]


@pytest.mark.slow
def test_three_nodes_survive_losing_one_during_bulk_indexing(cluster_home: Path) -> None:
    result = runner.invoke(app, ["es", "up", "--nodes", "3", "--timeout", "300"])
    assert result.exit_code == 0, result.output
    state = read_state(load_settings())
    assert state is not None and len(state.nodes) == 3
    assert len({n.http_port for n in state.nodes}) == 3

    client = get_client()
    assert len(client.transport.node_pool.all()) == 3  # the client knows every node
    status = runner.invoke(app, ["es", "status"])
    assert status.exit_code == 0, status.output
    assert "nodes:    3" in status.output
    for node in state.nodes:
        assert node.name in status.output and node.url in status.output

    # a first batch, so the index exists with its replica on another node
    batch = records(3000)
    assert index_records(batch[:200], client, refresh=True).created == 200
    client.cluster.health(wait_for_status="green", timeout="120s")

    victim = state.nodes[1]
    errors: list[Exception] = []

    def index_rest() -> None:
        try:
            index_records(batch[200:], get_client(), chunk_size=100, initial_backoff=0.5)
        except IndexingError as exc:  # acceptable: a clear failure, retried below
            errors.append(exc)

    worker = threading.Thread(target=index_rest)
    worker.start()
    os.kill(victim.pid, signal.SIGKILL)  # while the bulk windows are in flight
    worker.join(timeout=600)
    assert not worker.is_alive()
    assert not pid_alive(victim.pid)
    for error in errors:
        assert "Nothing was lost" in str(error)

    # nothing lost: a re-run (idempotent ids) completes on the two nodes left
    again = index_records(batch, get_client(), refresh=True)
    assert again.failed == 0
    assert get_client().count(index="raqib-articles")["count"] == len(batch)
    down = runner.invoke(app, ["es", "status"])
    assert victim.name in down.output and "down:" in down.output

    result = runner.invoke(app, ["es", "down"])
    assert result.exit_code == 0 and "stopped" in result.output
    assert not any(pid_alive(n.pid) for n in state.nodes)
    assert runner.invoke(app, ["es", "status"]).exit_code == 1
