"""Settings from the environment (see DESIGN: Settings).

Every part of Raqib reads its configuration through :func:`load_settings`, so
there is one place that knows the variable names and their defaults. Secrets are
kept in fields marked ``repr=False`` so they never show up in logs or tracebacks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "config"


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Resolved settings; build with :func:`load_settings`."""

    home: Path
    outlets_file: Path = CONFIG_DIR / "outlets.yaml"
    alerts_file: Path = CONFIG_DIR / "alerts.yaml"
    es_url: str | None = None
    es_api_key: str | None = field(default=None, repr=False)
    es_user: str | None = None
    es_password: str | None = field(default=None, repr=False)
    es_ca_certs: str | None = None
    es_heap: str = "512m"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = False
    mail_from: str = "Raqib <raqib@localhost>"
    web_token: str | None = field(default=None, repr=False)
    web_base_url: str = "http://127.0.0.1:8000"

    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def outbox_dir(self) -> Path:
        return self.home / "outbox"

    @property
    def state_dir(self) -> Path:
        return self.home / "state"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read ``RAQIB_*`` variables (``os.environ`` by default)."""
    env = os.environ if environ is None else environ
    get = env.get
    return Settings(
        home=Path(get("RAQIB_HOME") or "var").resolve(),
        outlets_file=Path(get("RAQIB_OUTLETS_FILE") or CONFIG_DIR / "outlets.yaml"),
        alerts_file=Path(get("RAQIB_ALERTS_FILE") or CONFIG_DIR / "alerts.yaml"),
        es_url=get("RAQIB_ES_URL") or None,
        es_api_key=get("RAQIB_ES_API_KEY") or None,
        es_user=get("RAQIB_ES_USER") or None,
        es_password=get("RAQIB_ES_PASSWORD") or None,
        es_ca_certs=get("RAQIB_ES_CA_CERTS") or None,
        es_heap=get("RAQIB_ES_HEAP") or "512m",
        smtp_host=get("RAQIB_SMTP_HOST") or None,
        smtp_port=int(get("RAQIB_SMTP_PORT") or 25),
        smtp_user=get("RAQIB_SMTP_USER") or None,
        smtp_password=get("RAQIB_SMTP_PASSWORD") or None,
        smtp_starttls=_flag(get("RAQIB_SMTP_STARTTLS")),
        mail_from=get("RAQIB_MAIL_FROM") or "Raqib <raqib@localhost>",
        web_token=get("RAQIB_WEB_TOKEN") or None,
        web_base_url=(get("RAQIB_WEB_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
    )
