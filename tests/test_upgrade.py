"""An installation from before shared state upgrades once, without re-sending digests.

The legacy files are written here the way the earlier Raqib wrote them (SQLite schemas,
the JSONL ledger, a landing folder), then imported into the real cluster.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from core.settings import load_settings
from core.urls import url_key
from state import landing, ledger
from state.seen import SeenUrls
from state.sent import SentLedger
from state.upgrade import import_legacy
from tests.conftest import make_record


def legacy_home(home: Path) -> dict:
    state = home / "state"
    (state / "crawl").mkdir(parents=True)
    seen = sqlite3.connect(state / "crawl" / "seen.sqlite3")
    seen.executescript("""
        CREATE TABLE seen (key TEXT PRIMARY KEY, outlet TEXT NOT NULL, reason TEXT NOT NULL,
                           first_seen TEXT NOT NULL);
        CREATE TABLE validators (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT,
                                 updated TEXT NOT NULL);""")
    urls = [f"https://www.elnashra.com/news/show/{i}" for i in range(3)]
    seen.executemany("INSERT INTO seen VALUES (?, 'elnashra', 'written', '2026-11-01')",
                     [(url_key(u),) for u in urls])
    seen.execute("INSERT INTO validators VALUES ('https://www.elnashra.com/rss', '\"e1\"', "
                 "NULL, '2026-11-01')")
    seen.commit()
    seen.close()
    alerts = sqlite3.connect(state / "alerts.sqlite3")
    alerts.executescript("""
        CREATE TABLE digests (alert TEXT NOT NULL, recipient TEXT NOT NULL, last_at TEXT NOT NULL,
                              PRIMARY KEY (alert, recipient));
        CREATE TABLE sent (alert TEXT NOT NULL, recipient TEXT NOT NULL, article_id TEXT NOT NULL,
                           sent_at TEXT NOT NULL, shown INTEGER NOT NULL DEFAULT 1,
                           PRIMARY KEY (alert, recipient, article_id));""")
    alerts.executemany("INSERT INTO sent VALUES ('watch', 'a@example.org', ?, '2026-11-01', 1)",
                       [("article-1",), ("article-2",)])
    alerts.execute("INSERT INTO digests VALUES ('watch', 'a@example.org', ?)",
                   (datetime(2026, 11, 1, tzinfo=UTC).isoformat(),))
    alerts.commit()
    alerts.close()
    records = [make_record(u, f"خبر {i}", "نص الخبر") for i, u in enumerate(urls)]
    day = home / "landing" / "2026-11-01"
    day.mkdir(parents=True)
    (day / "elnashra-run1.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records[:2]), encoding="utf-8")
    (day / "elnashra-run2.jsonl").write_text(json.dumps(records[2], ensure_ascii=False) + "\n",
                                             encoding="utf-8")
    (state / "processed.jsonl").write_text(
        json.dumps({"file": "2026-11-01/elnashra-run1.jsonl", "records": 2}) + "\n",
        encoding="utf-8")
    return {"urls": urls}


def test_legacy_state_is_imported_once(fresh_state, tmp_path: Path) -> None:
    client = fresh_state
    home = tmp_path / "home"
    legacy = legacy_home(home)
    settings = load_settings({"RAQIB_HOME": str(home)})

    done = import_legacy(settings, client)
    assert len(done) == 3, done
    state = home / "state"
    assert (state / "crawl" / "seen.sqlite3.imported").exists()
    assert (state / "alerts.sqlite3.imported").exists()
    assert not (state / "processed.jsonl").exists()
    assert import_legacy(settings, client) == []  # once

    seen = SeenUrls(client)
    assert seen.known(legacy["urls"] + ["https://www.elnashra.com/news/show/99"]) == set(
        legacy["urls"])
    seen.load_validators(["https://www.elnashra.com/rss"])
    assert seen.validators("https://www.elnashra.com/rss") == ('"e1"', None)

    sent = SentLedger(client)  # no digest goes out twice after the upgrade
    assert sent.already_sent("watch", "A@example.org", ["article-1", "article-3"]) == {
        "article-1"}
    assert sent.last_digest("watch", "a@example.org") == datetime(2026, 11, 1, tzinfo=UTC)

    batches = landing.batches(client)
    assert sorted(b.records for b in batches) == [1, 2]
    processed = ledger.done(client, [b.key for b in batches])
    assert [b.records for b in batches if b.key in processed] == [2]  # run2 still pending
