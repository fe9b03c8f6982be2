"""Crawl state kept between runs under ``$RAQIB_HOME/state/crawl/``.

One SQLite file remembers the article URLs already collected (so later runs do
not fetch them again) and the ETag / Last-Modified validators of feeds (for
conditional GET). Changes are buffered and written by :meth:`SeenStore.commit`,
which the landing pipeline calls only after the run's landing file is safely in
place: a crash never marks as seen an article that was not archived.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from crawlers.urls import url_key

SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    key TEXT PRIMARY KEY, outlet TEXT NOT NULL, reason TEXT NOT NULL, first_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS validators (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, updated TEXT NOT NULL
);
"""


def state_file(state_dir: Path) -> Path:
    """Where the crawl state lives for a given ``settings.state_dir``."""
    return state_dir / "crawl" / "seen.sqlite3"


class SeenStore:
    """Persistent set of collected URLs plus feed validators (see module docstring)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._urls: dict[str, tuple[str, str]] = {}
        self._validators: dict[str, tuple[str | None, str | None]] = {}

    def __contains__(self, url: str) -> bool:
        key = url_key(url)
        if key in self._urls:
            return True
        return self._db.execute("SELECT 1 FROM seen WHERE key = ?", (key,)).fetchone() is not None

    def add(self, url: str, outlet: str, reason: str = "written") -> None:
        """Remember ``url`` (pending until :meth:`commit`)."""
        self._urls.setdefault(url_key(url), (outlet, reason))

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) last served for ``url``."""
        row = self._db.execute(
            "SELECT etag, last_modified FROM validators WHERE url = ?", (url,)
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._validators[url] = (etag, last_modified)

    def commit(self) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._db:
            self._db.executemany(
                "INSERT OR IGNORE INTO seen VALUES (?, ?, ?, ?)",
                [(k, o, r, now) for k, (o, r) in self._urls.items()],
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO validators VALUES (?, ?, ?, ?)",
                [(u, e, lm, now) for u, (e, lm) in self._validators.items()],
            )
        self._urls.clear()
        self._validators.clear()

    def close(self) -> None:
        self._db.close()
