"""Daily digest: every configured alert's new articles, e-mailed each morning.

Runs ``raqib digest`` logic (``alerts.digest.run_digests``) once a day at
``RAQIB_DIGEST_AT`` (``HH:MM``, default 07:00) in ``RAQIB_DIGEST_TIMEZONE``
(default Asia/Beirut; daylight saving time is followed). Mail goes through
``RAQIB_SMTP_*``; without an SMTP host the digests are written to the outbox.
Read by the task: ``RAQIB_ALERTS_FILE`` (default ``config/alerts.yaml``).
Run conf / params: ``since`` (window, default ``24h``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from airflow.sdk import DAG, CronTriggerTimetable, Param, task
from raqib_dag_support import SETTINGS, START_DATE, default_args

log = logging.getLogger("raqib.dags")

HOUR, MINUTE = SETTINGS.digest_time()
TIMEZONE = SETTINGS.digest_timezone

with DAG(
    dag_id="raqib_digest",
    description="E-mail each analyst the daily digest of their saved searches",
    schedule=CronTriggerTimetable(f"{MINUTE} {HOUR} * * *", timezone=TIMEZONE,
                                  interval=timedelta(days=1)),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    params={"since": Param("24h", type="string", pattern=r"^\s*\d+\s*[mhdw]\s*$",
                           description="Articles indexed in this window (30m, 24h, 7d …)")},
    tags=["raqib"],
    doc_md=__doc__,
) as dag:

    @task(execution_timeout=timedelta(hours=1))
    def digest(params: dict | None = None) -> dict:
        """Build and deliver every alert's digest; fail (and retry) if one was not delivered."""
        from alerts.digest import run_digests

        summary = run_digests(since=(params or {}).get("since") or "24h")
        log.info("%s", summary.report())
        summary.raise_for_failures()  # delivered ones are recorded: a retry sends the rest
        return {"mode": summary.mode, "sent": summary.sent, "written": summary.written,
                "skipped": summary.skipped, "failed": summary.failed}

    digest()
