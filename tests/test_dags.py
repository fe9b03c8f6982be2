"""The Airflow DAGs in real Airflow 3: parsing, import time, schedules, end-to-end runs.

One temporary ``AIRFLOW_HOME`` with a SQLite metadata DB serves the whole module.
Airflow is driven in subprocesses (``airflow db migrate``, ``airflow dags
reserialize`` / ``list-import-errors`` / ``report`` / ``details`` and ``dag.test()``),
exactly as a person or CI would, with the ``RAQIB_*`` settings in the environment:
the ingest DAG crawls the replay site on loopback and indexes into the session's
real Elasticsearch node; the digest DAG mails through a real SMTP server (aiosmtpd).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.conftest import wipe_state

REPO = Path(__file__).resolve().parent.parent
DAGS = REPO / "dags"
DAG_FILES = {"raqib_ingest": DAGS / "raqib_ingest.py", "raqib_digest": DAGS / "raqib_digest.py",
             "raqib_breaking": DAGS / "raqib_breaking.py"}
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
HEAVY_MODULES = ("scrapy", "elasticsearch", "crawlers", "processing", "indexing", "alerts",
                 "raqib", "twisted", "trafilatura", "jinja2")

# Runs one DAG with dag.test() and prints what happened as one JSON line.
RUN_DAG = r"""
import importlib.util, json, sys
from pathlib import Path

path, conf = Path(sys.argv[1]), json.loads(sys.argv[2])
sys.path.insert(0, str(path.parent))
spec = importlib.util.spec_from_file_location(path.stem, path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
run = module.dag.test(run_conf=conf)

from sqlalchemy import select
from airflow.models.asset import AssetEvent
from airflow.models.xcom import XComModel
from airflow.utils.session import create_session

with create_session() as session:
    tis = [{"task_id": ti.task_id, "map_index": ti.map_index, "label": ti.rendered_map_index,
            "state": str(ti.state), "tries": ti.try_number}
           for ti in run.get_task_instances(session=session)]
    events = [{"name": e.asset.name, "uri": e.asset.uri, "extra": e.extra} for e in session.scalars(
        select(AssetEvent).where(AssetEvent.source_run_id == run.run_id))]
    xcoms = {x.task_id if x.map_index < 0 else f"{x.task_id}[{x.map_index}]": x.value
             for x in session.scalars(select(XComModel).where(XComModel.run_id == run.run_id,
                                                              XComModel.key == "return_value"))}
print("DAG-RUN " + json.dumps({"state": str(run.state), "tis": tis, "events": events,
                               "xcoms": xcoms}, default=str))
"""

# Imports a DAG file in a fresh interpreter: Airflow's own import, then the file's.
TIME_IMPORT = r"""
import importlib.util, json, sys, time
from pathlib import Path

t0 = time.perf_counter()
import airflow.sdk  # noqa: F401  (what the DAG processor has loaded already)
t1 = time.perf_counter()
before = set(sys.modules)
path = Path(sys.argv[1])
sys.path.insert(0, str(path.parent))
spec = importlib.util.spec_from_file_location(path.stem, path)
spec.loader.exec_module(importlib.util.module_from_spec(spec))
t2 = time.perf_counter()
print(json.dumps({"airflow": t1 - t0, "dag_file": t2 - t1, "total": t2 - t0,
                  "modules": sorted({m.split(".")[0] for m in set(sys.modules) - before})}))
"""

# Prints each DAG's scheduling attributes and its next runs after fixed instants.
SCHEDULES = r"""
import importlib.util, json, sys
import pendulum
from pathlib import Path

from airflow.serialization.encoders import coerce_to_core_timetable
from airflow.timetables.base import DataInterval, TimeRestriction

def load(path):
    path = Path(path)
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.dag

out = {}
for path in sys.argv[1:]:
    dag = load(path)
    timetable = coerce_to_core_timetable(dag.timetable)
    info = {"catchup": dag.catchup, "max_active_runs": dag.max_active_runs,
            "summary": timetable.summary if timetable.periodic else None,
            "retries": dag.default_args["retries"],
            "backoff": dag.default_args["retry_exponential_backoff"], "next": {}}
    if timetable.periodic:
        for after in ("2026-06-01T00:00:00+00:00", "2026-12-01T00:00:00+00:00"):
            moment = pendulum.parse(after)
            nxt = timetable.next_dagrun_info(
                last_automated_data_interval=DataInterval(moment, moment),
                restriction=TimeRestriction(earliest=None, latest=None, catchup=True))
            info["next"][after] = nxt.run_after.isoformat()
    out[dag.dag_id] = info
print(json.dumps(out))
"""


# ------------------------------------------------------------------ harness
@dataclass
class Airflow:
    """A temporary Airflow installation (home, SQLite DB) driven through subprocesses."""

    home: Path
    env: dict[str, str] = field(default_factory=dict)

    def environ(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "RAQIB_"))}
        env.update(self.env)
        env.update(extra or {})
        return env

    def run(self, args: list[str], extra: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
        proc = subprocess.run(args, env=self.environ(extra), capture_output=True, text=True,
                              timeout=timeout, cwd=self.home, check=False)
        assert proc.returncode == 0, (
            f"{args[:3]} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
        return proc

    def cli(self, *args: str, extra: dict[str, str] | None = None) -> str:
        return self.run([AIRFLOW, *args], extra).stdout

    def cli_json(self, *args: str) -> list | dict:
        """``airflow … -o json``: the JSON line (Airflow prints warnings on stdout too)."""
        out = self.cli(*args, "-o", "json").splitlines()
        return json.loads(next(ln for ln in reversed(out) if ln.startswith(("[", "{"))))

    def python(self, code: str, *args: str, extra: dict[str, str] | None = None,
               timeout: float = 300) -> str:
        return self.run([sys.executable, "-c", code, *args], extra, timeout).stdout

    def test_dag(self, dag_id: str, extra: dict[str, str], conf: dict | None = None) -> DagRun:
        """``dag.test()`` in a fresh interpreter; returns states, asset events, XComs, log."""
        proc = subprocess.run(
            [sys.executable, "-c", RUN_DAG, str(DAG_FILES[dag_id]), json.dumps(conf or {})],
            env=self.environ(extra), capture_output=True, text=True, timeout=600,
            cwd=self.home, check=False)
        log = proc.stdout + proc.stderr
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("DAG-RUN ")]
        assert proc.returncode == 0 and lines, f"dag.test({dag_id}) crashed:\n{log[-8000:]}"
        return DagRun(**json.loads(lines[-1][len("DAG-RUN "):]), log=log)


@dataclass
class DagRun:
    """What one ``dag.test()`` run did, read back from the metadata DB."""

    state: str
    tis: list[dict]
    events: list[dict]
    xcoms: dict
    log: str

    def states(self) -> dict[str, str]:
        """``task_id`` (or ``task_id[label]`` for mapped tasks) → final state."""
        return {ti["task_id"] + (f"[{ti['label']}]" if ti["map_index"] >= 0 else ""): ti["state"]
                for ti in self.tis}

    def tries(self, key: str) -> int:
        return next(ti["tries"] for ti in self.tis
                    if ti["task_id"] + (f"[{ti['label']}]" if ti["map_index"] >= 0 else "") == key)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory) -> Airflow:
    """A migrated SQLite Airflow whose dags folder is this repository's ``dags/``."""
    home = tmp_path_factory.mktemp("airflow-home")
    af = Airflow(home, {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # a retry after 1 s (not a minute) keeps the failing-outlet run short
        "RAQIB_TASK_RETRIES": "1",
        "RAQIB_TASK_RETRY_DELAY": "1",
    })
    af.cli("db", "migrate")
    af.cli("dags", "reserialize")
    return af


@pytest.fixture(scope="module")
def replay() -> Iterator:
    from raqib.replay import serve

    site = serve()
    yield site
    site.stop()


def article_ids(client, outlet: str) -> set[str]:
    from indexing.search import SearchRequest, search

    result = search(client, SearchRequest(outlets=[outlet], limit=200, facets=False))
    return {hit["id"] for hit in result["hits"]}


def expected_ids(site, outlet: str) -> set[str]:
    return {hashlib.sha1(a["canonical_url"].encode()).hexdigest()
            for a in site.expected_articles() if a["outlet"] == outlet}


FAST = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "DOWNLOAD_TIMEOUT": 10}


@dataclass
class Ingest:
    home: Path
    env: dict[str, str]
    first: DagRun
    second: DagRun


@pytest.fixture(scope="module")
def ingested(airflow: Airflow, replay, es_client, tmp_path_factory) -> Ingest:
    """The ingest DAG run twice against the replay site, from an empty index."""
    wipe_state(es_client)
    es_client.options(ignore_status=404).indices.delete(index="raqib-articles-*")
    es_client.options(ignore_status=404).indices.delete_index_template(name="raqib-articles")
    home = tmp_path_factory.mktemp("raqib-home")
    env = {"RAQIB_HOME": str(home), "RAQIB_ES_URL": os.environ["RAQIB_ES_URL"],
           "RAQIB_OUTLETS_FILE": str(replay.write_outlets(home / "outlets.yaml"))}
    conf = {"scrapy_settings": FAST}
    first = airflow.test_dag("raqib_ingest", env, conf)
    second = airflow.test_dag("raqib_ingest", env, conf)
    return Ingest(home, env, first, second)


# -------------------------------------------------------------------- tests
def test_dags_parse_without_errors(airflow: Airflow) -> None:
    assert airflow.cli_json("dags", "list-import-errors") == []
    listed = {d["dag_id"] for d in airflow.cli_json("dags", "list")}
    assert set(DAG_FILES) <= listed
    report = {r["file"]: r for r in airflow.cli_json("dags", "report")}
    assert set(report) == {f"{d}.py" for d in DAG_FILES}  # the helper is ignored
    for row in report.values():
        h, m, s = row["duration"].split(":")
        assert int(h) == int(m) == 0 and float(s) < 2.0, row


@pytest.mark.parametrize("dag_id", sorted(DAG_FILES))
def test_dag_file_imports_fast_and_light(airflow: Airflow, dag_id: str) -> None:
    timing = json.loads(airflow.python(TIME_IMPORT, str(DAG_FILES[dag_id])))
    print(f"{dag_id}: airflow.sdk {timing['airflow']:.2f}s, DAG file {timing['dag_file']:.3f}s, "
          f"fresh interpreter total {timing['total']:.2f}s")
    assert timing["dag_file"] < 2.0, timing
    assert not set(timing["modules"]) & set(HEAVY_MODULES), timing["modules"]


def test_schedules_defaults_and_overrides(airflow: Airflow) -> None:
    files = [str(DAG_FILES["raqib_ingest"]), str(DAG_FILES["raqib_digest"])]
    default = json.loads(airflow.python(SCHEDULES, *files))
    ingest, digest = default["raqib_ingest"], default["raqib_digest"]
    assert ingest["summary"] == "*/30 * * * *"
    assert ingest["catchup"] is False and digest["catchup"] is False
    assert ingest["max_active_runs"] == 1 and digest["max_active_runs"] == 1
    assert ingest["backoff"] == 2.0 and ingest["retries"] == 1  # RAQIB_TASK_RETRIES in the env
    # 07:00 in Beirut: 04:00 UTC in summer (EEST), 05:00 UTC in winter (EET)
    assert digest["next"] == {"2026-06-01T00:00:00+00:00": "2026-06-01T04:00:00+00:00",
                              "2026-12-01T00:00:00+00:00": "2026-12-01T05:00:00+00:00"}
    details = airflow.cli_json("dags", "details", "raqib_digest")[0]
    assert details["timetable_summary"] == "0 7 * * *" and details["max_active_runs"] == "1"

    custom = json.loads(airflow.python(SCHEDULES, *files, extra={
        "RAQIB_INGEST_SCHEDULE": "@hourly", "RAQIB_DIGEST_AT": "6:30",
        "RAQIB_DIGEST_TIMEZONE": "Asia/Baghdad", "RAQIB_TASK_RETRIES": "5"}))
    june = "2026-06-01T00:00:00+00:00"
    assert custom["raqib_ingest"]["next"][june] == "2026-06-01T01:00:00+00:00"
    assert custom["raqib_digest"]["next"][june] == "2026-06-01T03:30:00+00:00"  # 06:30 +03
    assert custom["raqib_digest"]["retries"] == 5
    manual = json.loads(airflow.python(SCHEDULES, files[0],
                                       extra={"RAQIB_INGEST_SCHEDULE": "none"}))
    assert manual["raqib_ingest"]["summary"] is None and manual["raqib_ingest"]["next"] == {}


def test_ingest_crawls_every_outlet_and_indexes(ingested: Ingest, replay, es_client) -> None:
    run = ingested.first
    states = run.states()
    assert run.state == "success", states
    assert states == {"list_outlets": "success", "crawl_outlet[sada]": "success",
                      "crawl_outlet[manbar]": "success", "process": "success",
                      "publish": "success", "check_outlets": "skipped"}
    for outlet in ("sada", "manbar"):
        assert article_ids(es_client, outlet) == expected_ids(replay, outlet)
        assert f"{outlet}: " in run.log and "page(s) fetched" in run.log
    created = run.xcoms["process"]["created"]
    assert created == len(replay.expected_articles())
    assert run.events == [{"name": "raqib_articles", "uri": "raqib://articles/",
                           "extra": {"created": created, "updated": 0}}]
    assert "skipped: " in run.log and f"{created} new" in run.log  # the summaries, logged

    from indexing.search import SearchRequest, search

    assert search(es_client, SearchRequest(text="داعش", facets=False))["total"] > 0


def test_second_ingest_run_adds_nothing(ingested: Ingest, es_client) -> None:
    run = ingested.second
    states = run.states()
    assert run.state == "success", states
    assert states["publish"] == "skipped" and states["check_outlets"] == "skipped"
    assert run.xcoms["process"]["created"] == 0 and run.events == []
    assert all(run.xcoms[f"crawl_outlet[{i}]"]["articles_written"] == 0 for i in (0, 1))
    total = es_client.count(index="raqib-articles")["count"]
    assert total == ingested.first.xcoms["process"]["created"]


def test_digest_dag_mails_every_alert_through_smtp(airflow: Airflow, ingested: Ingest,
                                                   tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self) -> None:
            self.messages: list = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
            self.messages.append(envelope)
            return "250 OK"

    alerts = tmp_path / "alerts.yaml"
    alerts.write_text(yaml.safe_dump({"alerts": [
        {"name": "isis", "query": "داعش", "recipients": ["a@example.org", "b@example.org"]},
        {"name": "nothing", "query": "كلمةلاتوجد", "recipients": ["c@example.org"]},
    ]}, allow_unicode=True), encoding="utf-8")
    handler, port = Collect(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = {**ingested.env, "RAQIB_ALERTS_FILE": str(alerts),
               "RAQIB_SMTP_HOST": "127.0.0.1", "RAQIB_SMTP_PORT": str(port)}
        first = airflow.test_dag("raqib_digest", env)
        second = airflow.test_dag("raqib_digest", env)
    finally:
        controller.stop()
    assert first.state == "success", first.log[-5000:]
    assert first.xcoms["digest"] == {"mode": "smtp", "sent": 2, "written": 0, "skipped": 1,
                                     "failed": 0}
    assert sorted(r for m in handler.messages for r in m.rcpt_tos) == ["a@example.org",
                                                                        "b@example.org"]
    assert "isis → a@example.org: sent" in first.log
    # the next morning's run has nothing new: nothing is sent again
    assert second.state == "success" and second.xcoms["digest"]["sent"] == 0
    assert len(handler.messages) == 2


def test_breaking_dag_follows_the_ingest_asset_and_mails_each_story_once(
        airflow: Airflow, ingested: Ingest, tmp_path: Path) -> None:
    details = airflow.cli_json("dags", "details", "raqib_breaking")[0]
    assert details["timetable_description"] == "Triggered by assets"
    condition = airflow.python(
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from airflow.models.dagbag import DagBag;"
        "print(repr(DagBag(dag_folder=sys.argv[1]).dags['raqib_breaking']"
        ".timetable.asset_condition))", str(DAGS))
    assert "name='raqib_articles'" in condition  # the asset the ingest DAG emits
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text(yaml.safe_dump({"alerts": [
        {"name": "ramadi", "recipients": ["a@example.org"],
         "breaking": {"min_outlets": 2, "within": "4h"}},
        {"name": "fast-only", "recipients": ["b@example.org"],
         "breaking": {"min_outlets": 2, "within": "1h"}},
    ]}, allow_unicode=True), encoding="utf-8")
    box = tmp_path / "box"
    env = {**ingested.env, "RAQIB_ALERTS_FILE": str(alerts), "RAQIB_HOME": str(tmp_path)}
    first = airflow.test_dag("raqib_breaking", env)
    second = airflow.test_dag("raqib_breaking", env)
    assert first.state == "success", first.log[-5000:]
    # sada and manbar carried "the fall of Ramadi" 3 h 35 min apart: within 4 h, not 1 h
    assert first.xcoms["breaking"]["written"] == 1, first.log[-3000:]
    assert second.state == "success" and second.xcoms["breaking"]["written"] == 0
    mails = list((tmp_path / "outbox").glob("*.eml"))
    assert len(mails) == 1 and not box.exists()


def test_broken_outlet_fails_alone(airflow: Airflow, replay, fresh_state,
                                   tmp_path: Path) -> None:
    """manbar's server is down (a dead port); sada is still crawled and indexed."""
    dead = f"http://127.0.0.1:{free_port()}"
    config = yaml.safe_load(replay.outlets_yaml())
    for outlet in config["outlets"]:
        if outlet["name"] == "manbar":
            for key in ("feeds", "sitemaps", "sections"):
                outlet[key] = [u.replace(replay.url, dead) for u in outlet[key]]
    outlets = tmp_path / "outlets.yaml"
    outlets.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    env = {"RAQIB_HOME": str(tmp_path / "home"), "RAQIB_ES_URL": os.environ["RAQIB_ES_URL"],
           "RAQIB_OUTLETS_FILE": str(outlets)}

    run = airflow.test_dag("raqib_ingest", env, {"scrapy_settings": FAST})
    states = run.states()
    assert run.state == "failed", states
    assert states == {"list_outlets": "success", "crawl_outlet[sada]": "success",
                      "crawl_outlet[manbar]": "failed", "process": "success",
                      "publish": "success", "check_outlets": "failed"}
    assert run.tries("crawl_outlet[manbar]") == 2  # retried once, then failed
    assert "crawl failed for: manbar" in run.log
    assert article_ids(fresh_state, "sada") == expected_ids(replay, "sada")
    assert article_ids(fresh_state, "manbar") == set()
