"""Which articles go into a digest: new matches of an alert, minus the ledger, grouped by story.

"New" means indexed since this recipient's last digest of this alert (the first
digest looks back ``--since``). The window starts ``OVERLAP`` before the last
digest, so an article stamped just before a run but made searchable just after it
(a bulk request still in flight) is not lost; the sent ledger keeps such articles
from going out twice. Articles only counted in "N more" that fall in the next run's
overlap are put in the ledger too (as counted, up to ``MAX_COUNTED``), so they do
not come back as new the next day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from elasticsearch import Elasticsearch

from core.catalogue.alerts import Alert
from indexing.search import SearchRequest, build_body, search
from indexing.templates import ALIAS
from state.sent import SentLedger

OVERLAP = timedelta(minutes=2)  # longer than a bulk request of the indexer takes
MAX_SCAN = 1000  # hits looked at per alert and window before the rest is only counted
MAX_COUNTED = 1000  # "N more" ids recorded per alert and window (see module docstring)


@dataclass
class Story:
    """One digest entry: the lead article and the other coverage of the same story."""

    key: str
    lead: dict
    coverage: list[dict] = field(default_factory=list)

    @property
    def articles(self) -> list[dict]:
        return [self.lead, *self.coverage]


@dataclass
class Digest:
    """What one recipient gets for one alert in this run."""

    alert: Alert
    recipient: str
    window_start: datetime
    stories: list[Story]
    more: int = 0  # new matching articles not shown (beyond ``max_stories``)
    counted_ids: list[str] = field(default_factory=list)  # "N more" ones in the next overlap
    kind: str = "digest"  # "digest" | "breaking" | "rising"
    rising: list[dict] = field(default_factory=list)  # keys rising now (trends JSON items)

    @property
    def article_ids(self) -> list[str]:
        return [a["id"] for s in self.stories for a in s.articles]

    @property
    def articles(self) -> int:
        """Every new matching article: the shown ones and the "N more"."""
        return len(self.article_ids) + self.more

    @property
    def empty(self) -> bool:
        """Nothing to show: no mail (a count of "N more" alone is never news)."""
        return not self.stories and not (self.kind == "rising" and self.rising)


def alert_request(alert: Alert, indexed_since: datetime | None = None, limit: int = 20,
                  offset: int = 0) -> SearchRequest:
    """The alert as a search request, newest first."""
    return SearchRequest(text=alert.query, topics=list(alert.topics), outlets=list(alert.outlets),
                         places=list(alert.places), indexed_since=indexed_since, sort="date",
                         limit=limit, offset=offset, facets=False)


def story_key(hit: dict) -> str:
    return hit.get("story_id") or hit.get("duplicate_of") or hit["id"]


def group_stories(hits: list[dict]) -> list[Story]:
    """Group date-sorted hits by story; stories keep the order of their newest article.

    The lead is the newest article that is not a near-duplicate of another one.
    """
    groups: dict[str, list[dict]] = defaultdict(list)
    for hit in hits:
        groups[story_key(hit)].append(hit)
    stories = []
    for key, members in groups.items():
        lead = next((h for h in members if not h.get("duplicate_of")), members[0])
        stories.append(Story(key, lead, [h for h in members if h is not lead]))
    return stories


def window_starts(alert: Alert, store: SentLedger, first_since: datetime) -> dict[str, datetime]:
    """Recipient → start of the "indexed since" window."""
    starts = {}
    for recipient in alert.recipients:
        last = store.last_digest(alert.name, recipient)
        starts[recipient] = last - OVERLAP if last else first_since
    return starts


def build_digests(client: Elasticsearch, alert: Alert, store: SentLedger,
                  first_since: datetime, now: datetime) -> list[Digest]:
    """One digest per recipient; recipients with the same window share the searches.

    ``now`` is the time recorded as this run's digest time (taken before searching).
    """
    by_start: dict[datetime, list[str]] = defaultdict(list)
    for recipient, start in window_starts(alert, store, first_since).items():
        by_start[start].append(recipient)
    digests: dict[str, Digest] = {}
    for start, recipients in by_start.items():
        group = _window_digests(client, alert, store, start, recipients)
        if any(d.more for d in group):
            recent = _recent_ids(client, alert, max(start, now - OVERLAP))
            for digest in group:
                if digest.more:
                    shown = set(digest.article_ids)
                    digest.counted_ids = [i for i in recent if i not in shown]
        for digest in group:
            digests[digest.recipient] = digest
    return [digests[r] for r in alert.recipients]


def _window_digests(client: Elasticsearch, alert: Alert, store: SentLedger, start: datetime,
                    recipients: list[str]) -> list[Digest]:
    page_size = min(200, 3 * alert.max_stories + 10)
    hits: list[dict] = []
    seen: set[str] = set()
    excluded: dict[str, set[str]] = {r: set() for r in recipients}
    total, exhausted = 0, False
    while True:
        result = search(client, alert_request(alert, start, page_size, len(hits)))
        total = result["total"] if not hits else total
        page = [h for h in result["hits"] if h["id"] not in seen]
        seen.update(h["id"] for h in page)
        hits.extend(page)
        for recipient in recipients:
            excluded[recipient] |= store.already_sent(alert.name, recipient,
                                                      [h["id"] for h in page])
        exhausted = len(result["hits"]) < page_size or len(hits) >= total
        if exhausted or len(hits) >= MAX_SCAN:
            break
        if all(len({story_key(h) for h in hits if h["id"] not in excluded[r]}) > alert.max_stories
               for r in recipients):
            break
    digests = []
    for recipient in recipients:
        stories = group_stories([h for h in hits if h["id"] not in excluded[recipient]])
        shown = stories[:alert.max_stories]
        shown_count = sum(len(s.articles) for s in shown)
        if exhausted or not excluded[recipient]:
            # exact when exhausted; otherwise assumes no delivered article hides beyond
            # the scanned (newest) ones when none was among them — the usual case
            already = len(excluded[recipient])
        else:
            already = count_already_sent(client, alert, start,
                                         store.sent_ids(alert.name, recipient))
        more = max(0, total - already - shown_count)
        digests.append(Digest(alert, recipient, start, shown, more))
    return digests


def _recent_ids(client: Elasticsearch, alert: Alert, start: datetime,
                limit: int = MAX_COUNTED) -> list[str]:
    """Ids of the alert's matches indexed after ``start`` (the next run's overlap)."""
    query = build_body(alert_request(alert, start))["query"]
    resp = client.search(index=ALIAS, query=query, size=limit, source=False,
                         track_total_hits=False, ignore_unavailable=True,
                         allow_no_indices=True)
    return [h["_id"] for h in resp["hits"]["hits"]]


def count_already_sent(client: Elasticsearch, alert: Alert, start: datetime,
                       sent_ids: list[str]) -> int:
    """How many of the window's matches are in the ledger (for an exact "N more")."""
    if not sent_ids:
        return 0
    query = build_body(alert_request(alert, start))["query"]
    resp = client.count(index=ALIAS, ignore_unavailable=True, allow_no_indices=True,
                        query={"bool": {"filter": [query, {"ids": {"values": sent_ids}}]}})
    return int(resp["count"])
