"""The ingest DAG under a real Airflow scheduler, every task in a process of its own.

A LocalExecutor scheduler, the API server (through which tasks report) and the
dag-processor run as separate processes, as in a deployment; the tasks find every piece of
state in Elasticsearch, none on a shared disk. Slow (Airflow starts three services).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.urls import article_id
from raqib.replay import serve
from tests.test_dags import AIRFLOW, DAGS, FAST, free_port

READ_TIS = """
import json, sys
from sqlalchemy import select
from airflow.models.taskinstance import TaskInstance
from airflow.utils.session import create_session
with create_session() as session:
    tis = session.scalars(select(TaskInstance).where(TaskInstance.run_id == sys.argv[1])).all()
    print("TIS " + json.dumps([{"task": t.task_id, "map": t.map_index, "state": str(t.state),
                               "pid": t.pid, "host": t.hostname} for t in tis]))
"""


def _json_tail(text: str):
    return json.loads(next(ln for ln in reversed(text.splitlines())
                           if ln.startswith(("[", "{"))))


@pytest.mark.slow
def test_ingest_dag_runs_its_tasks_in_separate_processes(fresh_state, tmp_path: Path) -> None:
    port = free_port()
    with serve() as site:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env.update({
            "AIRFLOW_HOME": str(tmp_path / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "RAQIB_HOME": str(tmp_path / "raqib"),
            "RAQIB_OUTLETS_FILE": str(site.write_outlets(tmp_path / "outlets.yaml")),
            "RAQIB_INGEST_SCHEDULE": "none",
        })

        def airflow(*args: str) -> str:
            proc = subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True,
                                  timeout=300, check=False)
            assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
            return proc.stdout

        airflow("db", "migrate")
        services = [subprocess.Popen([AIRFLOW, name], env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
                    for name in ("api-server", "scheduler", "dag-processor")]
        try:
            deadline = time.monotonic() + 240
            while "raqib_ingest" not in airflow("dags", "list", "-o", "json"):
                assert time.monotonic() < deadline, "the dag-processor never listed the DAGs"
                time.sleep(3)
            airflow("dags", "unpause", "raqib_ingest")
            airflow("dags", "trigger", "raqib_ingest", "--conf",
                    json.dumps({"scrapy_settings": FAST}))
            state, run_id = "queued", None
            while state not in ("success", "failed"):
                assert time.monotonic() < deadline + 300, f"run still {state}"
                time.sleep(3)
                runs = _json_tail(airflow("dags", "list-runs", "raqib_ingest", "-o", "json"))
                state, run_id = runs[0]["state"], runs[0]["run_id"]
            out = subprocess.run([sys.executable, "-c", READ_TIS, run_id], env=env,
                                 capture_output=True, text=True, timeout=120).stdout
            tis = json.loads(next(ln for ln in out.splitlines()
                                  if ln.startswith("TIS "))[4:])
        finally:
            for proc in services:
                os.killpg(proc.pid, signal.SIGTERM)
            for proc in services:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=30)
                with contextlib.suppress(ProcessLookupError):  # a worker its parent left
                    os.killpg(proc.pid, signal.SIGKILL)
        expected = {article_id(a["canonical_url"]) for a in site.expected_articles()}

    assert state == "success", tis
    ran = [t for t in tis if t["state"] == "success"]
    assert {t["task"] for t in ran} >= {"list_outlets", "crawl_outlet", "process", "publish"}
    pids = [t["pid"] for t in ran]
    assert all(pids) and len(set(pids)) == len(pids)  # one process per task
    assert all(t["pid"] not in {s.pid for s in services} for t in ran)
    client = fresh_state
    client.indices.refresh(index="raqib-articles")
    hits = client.search(index="raqib-articles", size=200, source=False)["hits"]["hits"]
    errors = [line for log in (tmp_path / "raqib" / "logs").glob("crawl-*.log")
              for line in log.read_text(encoding="utf-8").splitlines() if "] ERROR: " in line]
    assert {h["_id"] for h in hits} == expected, errors
