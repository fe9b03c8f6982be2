"""Breaking and rising alerts, within minutes of indexing.

Scheduled on the ingest DAG's Asset (``raqib_articles``): every ingest run that indexed new
articles triggers one run, which mails each alert's breaking stories (``breaking:
{min_outlets, within}``) and rising topics or places (``rising: {min_score}``) —
``alerts.breaking.run_breaking``, the same as ``raqib digest --breaking``. A story goes
to a recipient once; a rising key once a day. Mail goes through ``RAQIB_SMTP_*``, else to
the outbox; read by the task: ``RAQIB_ALERTS_FILE``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from airflow.sdk import DAG, task
from raqib_dag_support import ARTICLES, START_DATE, default_args

log = logging.getLogger("raqib.dags")

with DAG(
    dag_id="raqib_breaking",
    description="Mail breaking stories and rising topics right after new articles are indexed",
    schedule=[ARTICLES],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["raqib"],
    doc_md=__doc__,
) as dag:

    @task(execution_timeout=timedelta(minutes=10))
    def breaking() -> dict:
        """Send what breaks and rises now; fail (and retry) if a mail was not delivered."""
        from alerts.breaking import run_breaking

        summary = run_breaking()
        log.info("%s", summary.report())
        summary.raise_for_failures()
        return {"mode": summary.mode, "sent": summary.sent, "written": summary.written,
                "skipped": summary.skipped, "failed": summary.failed}

    breaking()
