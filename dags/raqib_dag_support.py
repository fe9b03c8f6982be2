"""What Raqib's DAG files share: the articles Asset, retry policy, settings.

Not a DAG file (listed in ``.airflowignore``); cheap to import: ``airflow.sdk`` and
:mod:`core.settings` (standard library only). Everything here is read when a DAG file is
parsed; the environment is read by :func:`core.settings.load_settings`, as everywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import Asset

from core.settings import load_settings

SETTINGS = load_settings()

ARTICLES = Asset(name="raqib_articles", uri="raqib://articles/")
"""Updated by the ingest DAG whenever new articles were indexed (extra: counts)."""

START_DATE = datetime(2026, 1, 1, tzinfo=UTC)


def default_args() -> dict[str, Any]:
    """Retries with exponential backoff: ``RAQIB_TASK_RETRIES`` (3) after
    ``RAQIB_TASK_RETRY_DELAY`` seconds (60), doubling each time, at most 30 minutes.
    ``RAQIB_TASK_QUEUE`` routes every task to that executor queue (e.g. Celery)."""
    retries, delay = SETTINGS.retries()
    args: dict[str, Any] = {
        "owner": "raqib",
        "retries": retries,
        "retry_delay": delay,
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
    }
    if SETTINGS.task_queue:
        args["queue"] = SETTINGS.task_queue
    return args
