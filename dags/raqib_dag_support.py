"""What Raqib's DAG files share: the articles Asset, retry policy, schedules from the environment.

Not a DAG file (listed in ``.airflowignore``); cheap to import: standard library and
``airflow.sdk`` only. Everything here is read when a DAG file is parsed.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import Asset

ARTICLES = Asset(name="raqib_articles", uri="raqib://articles/")
"""Updated by the ingest DAG whenever new articles were indexed (extra: counts)."""

START_DATE = datetime(2026, 1, 1, tzinfo=UTC)
NO_SCHEDULE = {"", "none", "manual", "off"}


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None


def default_args() -> dict[str, Any]:
    """Retries with exponential backoff: ``RAQIB_TASK_RETRIES`` (3) after
    ``RAQIB_TASK_RETRY_DELAY`` seconds (60), doubling each time, at most 30 minutes.
    ``RAQIB_TASK_QUEUE`` routes every task to that executor queue (e.g. Celery)."""
    args: dict[str, Any] = {
        "owner": "raqib",
        "retries": int(_env_number("RAQIB_TASK_RETRIES", 3)),
        "retry_delay": timedelta(seconds=_env_number("RAQIB_TASK_RETRY_DELAY", 60)),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
    }
    if queue := os.environ.get("RAQIB_TASK_QUEUE", "").strip():
        args["queue"] = queue
    return args


def schedule_from_env(name: str, default: str) -> str | None:
    """A cron expression or preset from ``$name``; ``none``/``manual`` means no schedule."""
    value = os.environ.get(name, default).strip()
    return None if value.lower() in NO_SCHEDULE else value


def daily_at(name: str, default: str) -> tuple[int, int]:
    """``HH:MM`` from ``$name`` as (hour, minute)."""
    value = os.environ.get(name, "").strip() or default
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value)
    if not match:
        raise ValueError(f"{name} must be a time of day such as 07:00, not {value!r}")
    return int(match.group(1)), int(match.group(2))
