"""Breaking and rising alerts: sent within minutes of indexing, never twice.

An alert with ``breaking: {min_outlets: N, within: 2h}`` is mailed each story matching it
that N different outlets carried within two hours of its first report; one with
``rising: {min_score: S}`` is mailed when one of its topics or places (every topic when
it names none) is rising with a score of at least S (:mod:`processing.trends`). The
breaking DAG runs this after every ingest that indexed something (on its Asset event);
``raqib digest --breaking`` does it by hand.

Quiet when quiet: only stories updated in the last ``LOOKBACK`` are looked at; a story is
sent once per alert and recipient, a rising key once per alert, recipient and day (the
ledger of :mod:`state.sent`, under ``<alert>#breaking`` / ``<alert>#rising`` so the
morning digest's window is not moved); the rising rule itself needs several outlets and a
baseline.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from elasticsearch import ApiError, Elasticsearch

from alerts.build import Digest, Story, alert_request
from alerts.deliver import DeliveryError, Outbox, SmtpSender
from alerts.digest import DigestSummary, RecipientResult, delivery_mode, failure_reason
from alerts.render import build_message, subject
from core.catalogue import Catalogue, Labels
from core.catalogue.alerts import Alert
from core.settings import Settings, load_settings
from indexing.search import QueryError, search, story_articles
from indexing.stories import STORIES, timestamp
from indexing.trends import TrendRequest, trends
from state.leases import Lease
from state.sent import SentLedger
from state.store import get_many

log = logging.getLogger(__name__)

LOOKBACK = timedelta(hours=24)


def breaks(story: dict, min_outlets: int, within: timedelta) -> bool:
    """``min_outlets`` outlets carried the story within ``within`` of its first report."""
    firsts = sorted(timestamp(o.get("first_at")) for o in story.get("outlets") or [])
    if len(firsts) < min_outlets or firsts[min_outlets - 1] == float("inf"):
        return False
    return firsts[min_outlets - 1] - firsts[0] <= within.total_seconds()


def breaking_stories(client: Elasticsearch, alert: Alert, now: datetime) -> list[dict]:
    """Story records of the alert's recent matches that break (its ``breaking`` rule)."""
    rule = alert.breaking
    assert rule is not None
    hits = search(client, alert_request(alert, now - LOOKBACK, limit=200))["hits"]
    ids = list(dict.fromkeys(h["story_id"] for h in hits if h.get("story_id")))
    records = get_many(client, STORIES, ids, "reading story records")
    return [records[i] for i in ids if i in records
            and breaks(records[i], rule.min_outlets, rule.window)]


def rising_keys(client: Elasticsearch, alert: Alert, now: datetime) -> list[dict]:
    """The alert's topics and places (all topics if none) rising past its ``min_score``."""
    rule = alert.rising
    assert rule is not None
    kinds = ("topic", "place") if alert.topics or alert.places else ("topic",)
    req = TrendRequest(topics=list(alert.topics), places=list(alert.places), since="7d",
                       kinds=kinds, min_score=rule.min_score)
    return trends(client, req, now)["rising"]


def run_breaking(settings: Settings | None = None, alerts_file: str | Path | None = None,
                 send: bool | None = None, outbox: str | Path | None = None,
                 dry_run: bool = False, client: Elasticsearch | None = None,
                 alerts: list[Alert] | None = None, wait: float = 300,
                 now: datetime | None = None) -> DigestSummary:
    """Mail what breaks and what rises now, for every alert that asks; as
    :func:`alerts.digest.run_digests` (same modes, summary and errors)."""
    started = time.perf_counter()
    settings = settings or load_settings()
    catalogue = Catalogue(settings)
    alert_list = [a for a in (alerts if alerts is not None else catalogue.alerts(alerts_file))
                  if a.breaking or a.rising]
    outbox_dir = Path(outbox) if outbox is not None else None
    mode = delivery_mode(settings, send, outbox_dir, dry_run)
    summary = DigestSummary(mode=mode, outbox=(outbox_dir or settings.outbox_dir)
                            if mode == "outbox" else None)
    if client is None:
        from indexing.client import get_client

        client = get_client(settings)
    labels = catalogue.labels()
    store = SentLedger(client)
    now = now or datetime.now(UTC)
    with Lease(client, "breaking", ttl=600, wait=wait):
        sender: Outbox | SmtpSender | None = None
        if mode == "outbox":
            sender = Outbox(summary.outbox)
        elif mode == "smtp":
            sender = SmtpSender(settings)
        try:
            for alert in alert_list:
                summary.results += _alert(client, alert, store, sender, settings, labels, now)
        finally:
            if sender is not None:
                sender.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _alert(client: Elasticsearch, alert: Alert, store: SentLedger,
           sender: Outbox | SmtpSender | None, settings: Settings, labels: Labels,
           now: datetime) -> list[RecipientResult]:
    results: list[RecipientResult] = []
    try:
        broken = breaking_stories(client, alert, now) if alert.breaking else []
        risen = rising_keys(client, alert, now) if alert.rising else []
        articles = story_articles(client, [s["id"] for s in broken])
    except (QueryError, ApiError) as exc:
        reason = f"alert {alert.name!r}: {failure_reason(exc)}"
        return [RecipientResult(alert.name, r, "failed", error=reason) for r in alert.recipients]
    by_story: dict[str, list[dict]] = {}
    for hit in articles:
        by_story.setdefault(hit["story_id"], []).append(hit)
    day = now.astimezone(UTC).date().isoformat()
    for recipient in alert.recipients:
        if broken:
            key = f"{alert.name}#breaking"
            ids = [s["id"] for s in broken if by_story.get(s["id"])]
            new = [i for i in ids if i not in store.already_sent(key, recipient, ids)]
            stories = [Story(i, by_story[i][0], by_story[i][1:]) for i in new]
            results.append(_send(Digest(alert, recipient, now - LOOKBACK, stories,
                                        kind="breaking"), key, new, store, sender, settings,
                                 labels, now))
        if risen:
            key = f"{alert.name}#rising"
            marks = {f"{r['kind']}:{r['key']}:{day}": r for r in risen}
            done = store.already_sent(key, recipient, list(marks))
            fresh = [r for m, r in marks.items() if m not in done]
            results.append(_send(Digest(alert, recipient, now - LOOKBACK, [], kind="rising",
                                        rising=fresh), key, [m for m in marks if m not in done],
                                 store, sender, settings, labels, now))
    return results


def _send(digest: Digest, key: str, marks: list[str], store: SentLedger,
          sender: Outbox | SmtpSender | None, settings: Settings, labels: Labels,
          now: datetime) -> RecipientResult:
    alert = digest.alert
    result = RecipientResult(alert.name, digest.recipient, "skipped",
                             len(digest.article_ids), len(digest.stories))
    if digest.empty:
        return result
    result.subject = subject(digest, labels)
    if sender is None:
        result.status = "dry-run"
        return result
    try:
        path = sender.deliver(build_message(digest, settings, now, labels), key,
                              digest.recipient, now)
    except DeliveryError as exc:
        log.warning("%s for %s not delivered: %s", key, digest.recipient, exc)
        result.status, result.error = "failed", str(exc)
        return result
    store.record(key, digest.recipient, now, marks)
    result.status = "written" if isinstance(sender, Outbox) else "sent"
    result.path = path if isinstance(path, Path) else None
    return result
