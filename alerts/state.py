"""What each recipient has already had: SQLite under ``$RAQIB_HOME/state/``.

Two tables: ``digests`` (the time of the last digest per alert and recipient) and
``sent`` (a ledger of every article delivered per alert and recipient, including
those only counted in an e-mail's "N more", so they do not come back). A delivery
is recorded in one transaction, and only after the SMTP server accepted the
message (or the ``.eml`` file was written), so a crash or a server failure never
marks unsent articles as sent.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

STATE_FILE = "alerts.sqlite3"
LOCK_FILE = "alerts.lock"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS digests (
    alert TEXT NOT NULL, recipient TEXT NOT NULL, last_at TEXT NOT NULL,
    PRIMARY KEY (alert, recipient));
CREATE TABLE IF NOT EXISTS sent (
    alert TEXT NOT NULL, recipient TEXT NOT NULL, article_id TEXT NOT NULL, sent_at TEXT NOT NULL,
    shown INTEGER NOT NULL DEFAULT 1,  -- 0: only counted in the e-mail's "N more"
    PRIMARY KEY (alert, recipient, article_id));
"""


class DigestBusyError(RuntimeError):
    """Another digest run holds the lock on the same state folder."""


def _key(recipient: str) -> str:
    return recipient.strip().lower()


class StateStore:
    """Last-digest times and the sent ledger; use as a context manager."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self._db.executescript(_SCHEMA)

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def last_digest(self, alert: str, recipient: str) -> datetime | None:
        """When this recipient last had a digest of this alert (UTC), or None."""
        row = self._db.execute("SELECT last_at FROM digests WHERE alert=? AND recipient=?",
                               (alert, _key(recipient))).fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def already_sent(self, alert: str, recipient: str, article_ids: Iterable[str]) -> set[str]:
        """The subset of ``article_ids`` this recipient already received for this alert."""
        ids = list(dict.fromkeys(article_ids))
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self._db.execute(
                f"SELECT article_id FROM sent WHERE alert=? AND recipient=? "
                f"AND article_id IN ({marks})", (alert, _key(recipient), *chunk)))
        return found

    def sent_ids(self, alert: str, recipient: str, limit: int = 50_000) -> list[str]:
        """The most recently delivered article ids for this alert and recipient."""
        return [r[0] for r in self._db.execute(
            "SELECT article_id FROM sent WHERE alert=? AND recipient=? "
            "ORDER BY sent_at DESC LIMIT ?", (alert, _key(recipient), limit))]

    def record(self, alert: str, recipient: str, digest_at: datetime,
               article_ids: Iterable[str], counted_ids: Iterable[str] = ()) -> None:
        """Mark a digest as delivered: its articles into the ledger, ``digest_at`` as last time.

        ``counted_ids``: articles only counted in the e-mail's "N more".
        """
        now = datetime.now(UTC).isoformat()
        rcpt = _key(recipient)
        shown = set(article_ids)
        rows = [(alert, rcpt, aid, now, 1) for aid in shown]
        rows += [(alert, rcpt, aid, now, 0) for aid in set(counted_ids) - shown]
        with self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO sent (alert, recipient, article_id, sent_at, shown) "
                "VALUES (?, ?, ?, ?, ?)", rows)
            self._db.execute(
                "INSERT INTO digests (alert, recipient, last_at) VALUES (?, ?, ?) "
                "ON CONFLICT (alert, recipient) DO UPDATE SET last_at = excluded.last_at",
                (alert, rcpt, digest_at.astimezone(UTC).isoformat()))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


@contextmanager
def run_lock(state_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock so two digest runs never send the same articles twice."""
    state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(state_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DigestBusyError(
                f"another digest run is in progress (lock {state_dir / LOCK_FILE})") from None
        yield
    finally:
        os.close(fd)
