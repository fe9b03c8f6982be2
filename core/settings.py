"""Settings from the environment: the one place that reads ``os.environ``.

Every part of Raqib — CLI, DAG files, library, local node — reads its configuration
through :func:`load_settings`, so one module knows the variable names and their defaults.
Secrets are kept in fields marked ``repr=False`` so they never show up in logs or
tracebacks. Values that only some commands need (schedules, the digest hour) are checked
when they are used, so a bad one stops only what needs it, with a message naming it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from core.record import RecordLimits

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "config"
NO_SCHEDULE = {"", "none", "manual", "off"}


class SettingsError(ValueError):
    """A ``RAQIB_*`` variable has a value that cannot work; the message names it."""


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _number(name: str, raw: str | None, default: float) -> float:
    raw = (raw or "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    """Resolved settings; build with :func:`load_settings`."""

    home: Path
    outlets_file: Path = CONFIG_DIR / "outlets.yaml"
    topics_file: Path = CONFIG_DIR / "topics.yaml"
    places_file: Path = CONFIG_DIR / "places.yaml"
    alerts_file: Path = CONFIG_DIR / "alerts.yaml"
    es_url: str | None = field(default=None, repr=False)  # may hold user:password@
    es_api_key: str | None = field(default=None, repr=False)
    es_user: str | None = None
    es_password: str | None = field(default=None, repr=False)
    es_ca_certs: str | None = None
    es_heap: str = "512m"
    es_version: str | None = None
    es_java_home: str | None = None
    cache_dir: Path = Path.home() / ".cache"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = False
    mail_from: str = "Raqib <raqib@localhost>"
    web_token: str | None = field(default=None, repr=False)
    web_base_url: str = "http://127.0.0.1:8000"
    ingest_schedule: str = "*/30 * * * *"
    digest_at: str = "07:00"
    digest_timezone: str = "Asia/Beirut"
    task_retries: str = "3"
    task_retry_delay: str = "60"
    task_queue: str | None = None
    crawl_parallelism: str = "4"
    extract_workers: str = "auto"
    max_record_bytes: int = 4_000_000
    max_record_depth: int = 8
    max_record_fields: int = 100

    @property
    def landing_dir(self) -> Path:
        """Where ``raqib landing export`` and legacy installations keep JSONL files."""
        return self.home / "landing"

    @property
    def outbox_dir(self) -> Path:
        return self.home / "outbox"

    @property
    def state_dir(self) -> Path:
        """Legacy per-host state (imported into Elasticsearch once, see state.upgrade)."""
        return self.home / "state"

    # ------------------------------------------------------------ scheduling
    def schedule(self) -> str | None:
        """The ingest DAG's cron expression or preset; ``None`` for manual runs only."""
        value = self.ingest_schedule.strip()
        return None if value.lower() in NO_SCHEDULE else value

    def digest_time(self) -> tuple[int, int]:
        """``RAQIB_DIGEST_AT`` (``HH:MM``) as (hour, minute)."""
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", self.digest_at.strip())
        if not match:
            raise SettingsError("RAQIB_DIGEST_AT must be a time of day such as 07:00, "
                                f"not {self.digest_at!r}")
        return int(match.group(1)), int(match.group(2))

    def retries(self) -> tuple[int, timedelta]:
        """Task retries and the first retry delay (``RAQIB_TASK_RETRIES``, ``…_RETRY_DELAY``)."""
        return (int(_number("RAQIB_TASK_RETRIES", self.task_retries, 3)),
                timedelta(seconds=_number("RAQIB_TASK_RETRY_DELAY", self.task_retry_delay, 60)))

    def record_limits(self) -> RecordLimits:
        return RecordLimits(self.max_record_bytes, self.max_record_depth, self.max_record_fields)

    def parallel_crawls(self) -> int:
        return max(1, int(_number("RAQIB_CRAWL_PARALLELISM", self.crawl_parallelism, 4)))

    def extraction_workers(self) -> int:
        """Processes a crawl extracts pages in (``RAQIB_EXTRACT_WORKERS``; 0: in the crawl
        process; ``auto``: one if the machine has another core for it: one worker keeps
        up with what one crawl process fetches, see bench/crawl.py)."""
        value = self.extract_workers.strip().lower()
        if value in {"", "auto"}:
            return 1 if (os.cpu_count() or 1) > 1 else 0
        workers = _number("RAQIB_EXTRACT_WORKERS", value, 0)
        if workers < 0 or workers != int(workers):
            raise SettingsError(f"RAQIB_EXTRACT_WORKERS must be auto or a whole number ≥ 0, "
                                f"not {self.extract_workers!r}")
        return int(workers)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read ``RAQIB_*`` variables (``os.environ`` by default)."""
    env = os.environ if environ is None else environ
    get = env.get
    return Settings(
        home=Path(get("RAQIB_HOME") or "var").resolve(),
        outlets_file=Path(get("RAQIB_OUTLETS_FILE") or CONFIG_DIR / "outlets.yaml"),
        topics_file=Path(get("RAQIB_TOPICS_FILE") or CONFIG_DIR / "topics.yaml"),
        places_file=Path(get("RAQIB_PLACES_FILE") or CONFIG_DIR / "places.yaml"),
        alerts_file=Path(get("RAQIB_ALERTS_FILE") or CONFIG_DIR / "alerts.yaml"),
        es_url=get("RAQIB_ES_URL") or None,
        es_api_key=get("RAQIB_ES_API_KEY") or None,
        es_user=get("RAQIB_ES_USER") or None,
        es_password=get("RAQIB_ES_PASSWORD") or None,
        es_ca_certs=get("RAQIB_ES_CA_CERTS") or None,
        es_heap=get("RAQIB_ES_HEAP") or "512m",
        es_version=get("RAQIB_ES_VERSION") or None,
        es_java_home=get("ES_JAVA_HOME") or get("JAVA_HOME") or None,
        cache_dir=Path(get("XDG_CACHE_HOME") or Path.home() / ".cache"),
        smtp_host=get("RAQIB_SMTP_HOST") or None,
        smtp_port=int(_number("RAQIB_SMTP_PORT", get("RAQIB_SMTP_PORT"), 25)),
        smtp_user=get("RAQIB_SMTP_USER") or None,
        smtp_password=get("RAQIB_SMTP_PASSWORD") or None,
        smtp_starttls=_flag(get("RAQIB_SMTP_STARTTLS")),
        mail_from=get("RAQIB_MAIL_FROM") or "Raqib <raqib@localhost>",
        web_token=get("RAQIB_WEB_TOKEN") or None,
        web_base_url=(get("RAQIB_WEB_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
        ingest_schedule=get("RAQIB_INGEST_SCHEDULE", "*/30 * * * *"),
        digest_at=get("RAQIB_DIGEST_AT") or "07:00",
        digest_timezone=(get("RAQIB_DIGEST_TIMEZONE") or "").strip() or "Asia/Beirut",
        task_retries=get("RAQIB_TASK_RETRIES") or "3",
        task_retry_delay=get("RAQIB_TASK_RETRY_DELAY") or "60",
        task_queue=(get("RAQIB_TASK_QUEUE") or "").strip() or None,
        crawl_parallelism=get("RAQIB_CRAWL_PARALLELISM") or "4",
        extract_workers=get("RAQIB_EXTRACT_WORKERS") or "auto",
        max_record_bytes=int(_number("RAQIB_MAX_RECORD_BYTES", get("RAQIB_MAX_RECORD_BYTES"),
                                     4_000_000)),
        max_record_depth=int(_number("RAQIB_MAX_RECORD_DEPTH", get("RAQIB_MAX_RECORD_DEPTH"), 8)),
        max_record_fields=int(_number("RAQIB_MAX_RECORD_FIELDS", get("RAQIB_MAX_RECORD_FIELDS"),
                                      100)),
    )
