"""`raqib es up | status | down` manage a real local node (a second one, in its own home)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.settings import load_settings
from indexing.bulk import IndexingError, index_records
from indexing.client import get_client
from indexing.node import read_state
from raqib.cli import app
from tests.conftest import make_record

runner = CliRunner()


@pytest.fixture
def node_home(monkeypatch: pytest.MonkeyPatch):
    # A private folder (0700, like `mktemp -d`): as root, 'nobody' who runs the node cannot
    # enter it, so this also covers the node's files moving to /var/lib/raqib.
    home = Path(tempfile.mkdtemp(prefix="raqib-test-node-")) / "var"
    monkeypatch.setenv("RAQIB_HOME", str(home))
    monkeypatch.setenv("RAQIB_ES_HEAP", "256m")
    monkeypatch.delenv("RAQIB_ES_URL", raising=False)
    yield home
    runner.invoke(app, ["es", "down"])
    node_files = (home / "elasticsearch").resolve()
    shutil.rmtree(home.parent, ignore_errors=True)
    shutil.rmtree(node_files, ignore_errors=True)


def test_up_status_down_and_a_stopped_node_loses_nothing(node_home: Path):
    result = runner.invoke(app, ["es", "down"])
    assert result.exit_code == 0 and "not running" in result.output  # idempotent

    result = runner.invoke(app, ["es", "up"])
    assert result.exit_code == 0, result.output
    state = read_state(load_settings())
    assert state is not None and state.url.startswith("http://127.0.0.1:")
    assert (node_home / "elasticsearch" / "data").is_dir()  # data under $RAQIB_HOME
    # as root, the node's files moved where 'nobody' can reach them
    assert (node_home / "elasticsearch").is_symlink() is (os.geteuid() == 0)

    record = make_record("https://example.org/news/1", "عنوان", "التحالف الدولي يقصف مواقع داعش")
    client = get_client()
    assert index_records([record], client, refresh=True).created == 1

    result = runner.invoke(app, ["es", "status"])
    assert result.exit_code == 0
    assert state.url in result.output
    assert "8." in result.output and "articles: 1" in result.output

    result = runner.invoke(app, ["es", "down"])
    assert result.exit_code == 0 and "stopped" in result.output
    assert runner.invoke(app, ["es", "down"]).exit_code == 0  # idempotent
    assert runner.invoke(app, ["es", "status"]).exit_code == 1

    # With the node stopped, indexing fails clearly and the batch can be retried later.
    second = make_record("https://example.org/news/2", "عنوان", "قوات سوريا الديمقراطية")
    with pytest.raises(IndexingError, match="unreachable"):
        index_records([record, second], get_client(), attempts=2, initial_backoff=0.1)
    assert runner.invoke(app, ["es", "up"]).exit_code == 0
    retried = index_records([record, second], get_client(), refresh=True)
    assert (retried.created, retried.updated) == (1, 1)
    assert get_client().count(index="raqib-articles")["count"] == 2


def test_external_cluster_is_used_as_is(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("RAQIB_HOME", str(tmp_path))
    monkeypatch.setenv("RAQIB_ES_URL", "http://127.0.0.1:1")
    result = runner.invoke(app, ["es", "up"])
    assert result.exit_code == 0
    assert "External cluster" in result.output
    assert not (tmp_path / "elasticsearch").exists()  # nothing downloaded or started


def test_secrets_never_reach_output(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("RAQIB_HOME", str(tmp_path))
    monkeypatch.setenv("RAQIB_ES_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("RAQIB_ES_PASSWORD", "s3cret-pw-xyz")
    monkeypatch.setenv("RAQIB_ES_USER", "analyst")
    result = runner.invoke(app, ["es", "status"])
    assert result.exit_code == 1
    assert "s3cret-pw-xyz" not in result.output
    assert "s3cret-pw-xyz" not in repr(load_settings())


def test_missing_maven_and_java_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from indexing.node import NodeError, _java_home, fetch_distribution

    settings = load_settings({"XDG_CACHE_HOME": str(tmp_path / "cache")})  # nothing cached
    monkeypatch.setenv("PATH", str(tmp_path))  # no mvn, no java
    with pytest.raises(NodeError, match="Maven"):
        fetch_distribution(settings, "8.19.3", log=lambda _msg: None)
    with pytest.raises(NodeError, match="Java not found"):
        _java_home(settings)


def test_download_failure_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from indexing.node import NodeError, fetch_distribution

    settings = load_settings({"XDG_CACHE_HOME": str(tmp_path / "cache")})
    with pytest.raises(NodeError, match="download failed") as err:
        fetch_distribution(settings, "8.0.999-no-such-version", log=lambda _msg: None)
    assert err.value.log_tail  # Maven's own words are kept for the user


@pytest.mark.parametrize(
    ("log", "cause"),
    [("java.net.BindException: Address already in use", "port in use"),
     ("UnsupportedClassVersionError: class file version 61", "Java is too old"),
     ("java.lang.OutOfMemoryError: Java heap space", "out of memory")],
)
def test_start_failures_get_a_one_line_cause(log: str, cause: str):
    from indexing.node import _cause_from_log

    assert _cause_from_log(f"[ERROR] boot\n{log}\n").startswith(cause)
