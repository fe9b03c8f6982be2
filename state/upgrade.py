"""Upgrade an installation that kept its state on one host's disk, once.

Before state lived in Elasticsearch, ``$RAQIB_HOME/state/`` held SQLite files (seen URLs
and feed validators; digests and the sent ledger), a pickle (near-duplicate memory) and a
JSONL ledger of processed landing files, beside the ``$RAQIB_HOME/landing/`` folder. The
first command that opens the shared store imports them all — seen URLs, the sent ledger
(so no digest goes out twice), the landing archive as batches (those already processed
marked so) and the near-duplicate memory — then renames each file to ``*.imported``.
Every write is idempotent, so an interrupted import is simply run again.
"""

from __future__ import annotations

import base64
import json
import logging
import pickle
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from elasticsearch import Elasticsearch
from elasticsearch.helpers import bulk

from core.record import RecordError, RecordLimits, read_jsonl
from core.settings import Settings
from processing.dedup import band_keys
from state import landing, ledger
from state.dedup import DEDUP
from state.seen import FEEDS, SEEN, _feed_id
from state.sent import DIGESTS, SENT, _id
from state.store import create_all, guarded

log = logging.getLogger(__name__)


def _retire(path: Path) -> None:
    path.rename(path.with_name(path.name + ".imported"))


def import_legacy(settings: Settings, client: Elasticsearch) -> list[str]:
    """Import whatever legacy state ``settings.home`` holds; return what was imported."""
    state = settings.state_dir
    done: list[str] = []
    seen_db = state / "crawl" / "seen.sqlite3"
    if seen_db.is_file():
        done.append(f"{_seen(client, seen_db)} seen URL(s) from {seen_db}")
        _retire(seen_db)
    alerts_db = state / "alerts.sqlite3"
    if alerts_db.is_file():
        done.append(f"{_sent(client, alerts_db)} delivered article(s) from {alerts_db}")
        _retire(alerts_db)
    processed = state / "processed.jsonl"
    marker = state / "landing.imported"
    if not marker.exists() and (processed.is_file() or any(settings.landing_dir.glob("*/*.jsonl"))):
        n = _landing(client, settings.landing_dir, processed)
        done.append(f"{n} landing file(s) from {settings.landing_dir}")
        if processed.is_file():
            _retire(processed)
        state.mkdir(parents=True, exist_ok=True)
        marker.write_text(datetime.now(UTC).isoformat())
    pickled = state / "dedup.pickle"
    if pickled.is_file():
        done.append(f"{_dedup(client, pickled)} near-duplicate entr(ies) from {pickled}")
        _retire(pickled)
    for line in done:
        log.info("upgrade: imported %s", line)
    return done


def _seen(client: Elasticsearch, path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT key, outlet, reason, first_seen FROM seen").fetchall()
        validators = db.execute("SELECT url, etag, last_modified, updated FROM validators"
                                ).fetchall()
    finally:
        db.close()
    created, _ = create_all(client, SEEN, ((k, {"url": None, "outlet": o, "reason": r,
                                                "first_seen": at}) for k, o, r, at in rows),
                            "importing seen URLs")
    if validators:
        name = FEEDS.ensure(client)
        guarded(lambda: bulk(client, [{"_index": name, "_id": _feed_id(u), "_source": {
            "url": u, "etag": e, "last_modified": lm, "updated": at}}
            for u, e, lm, at in validators]), "importing feed validators")
    return len(rows) if created or rows else 0


def _sent(client: Elasticsearch, path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        sent = db.execute("SELECT alert, recipient, article_id, sent_at, shown FROM sent"
                          ).fetchall()
        digests = db.execute("SELECT alert, recipient, last_at FROM digests").fetchall()
    finally:
        db.close()
    create_all(client, SENT, ((_id(a, r, aid), {"alert": a, "recipient": r, "article_id": aid,
                                                "sent_at": at, "shown": bool(shown)})
                              for a, r, aid, at, shown in sent), "importing the sent ledger",
               refresh=True)
    if digests:
        name = DIGESTS.ensure(client)
        guarded(lambda: bulk(client, [{"_index": name, "_id": _id(a, r), "_source": {
            "alert": a, "recipient": r, "last_at": at}} for a, r, at in digests],
            refresh=True), "importing digest times")
    return len(sent)


def _landing(client: Elasticsearch, folder: Path, processed: Path) -> int:
    done_files: set[str] = set()
    if processed.is_file():
        for line in processed.read_text(encoding="utf-8").splitlines():
            if line.strip():
                done_files.add(json.loads(line)["file"])
    count = 0
    for path in sorted(p for p in folder.glob("*/*.jsonl") if not p.name.startswith(".")):
        batch_id = landing.file_batch_id(path)
        writer = landing.BatchWriter(client, batch_id, path.name.split("-")[0], "import",
                                     str(path))
        for _number, record in read_jsonl(path, RecordLimits()):
            if not isinstance(record, RecordError):
                writer.write(record)
        batch = writer.close()
        if batch and path.relative_to(folder).as_posix() in done_files:
            ledger.record(client, batch.key, str(path), "upgrade", {"records": batch.records})
        count += 1
    return count


def _dedup(client: Elasticsearch, path: Path) -> int:
    with path.open("rb") as fh:
        payload = pickle.load(fh)  # our own file, written by an earlier Raqib
    entries = payload.get("entries") or []
    name = DEDUP.ensure(client)
    actions = []
    for rid, fp, dup, story, sig in entries:
        signature = np.frombuffer(sig, dtype="uint64") if sig else None
        actions.append({"_index": name, "_id": rid, "_source": {
            "fingerprint": fp, "bands": list(band_keys(signature)),
            "signature": base64.b64encode(sig).decode() if sig else None,
            "duplicate_of": dup, "story_id": story}})
    guarded(lambda: bulk(client, actions, refresh=True), "importing near-duplicate state")
    return len(actions)
