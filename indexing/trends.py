"""Article counts over time per topic, place and outlet, and the keys rising now.

One aggregation request answers ``raqib trends``, ``/api/trends``, the trends page and the
rising checks of alerts: per kind, the top keys (or the requested ones), each with a date
histogram over the ``since`` window, its count in the current interval (the last day or
hour, ending now) with the outlets and stories behind it, and its count over the baseline
intervals before that; :func:`processing.trends.rise` decides what is rising.

The JSON (a contract)::

    {"interval": "day", "since": ISO, "until": ISO,
     "series": [{"key", "kind": "topic|place|outlet", "buckets": [{"start", "count"}]}],
     "rising": [{"key", "kind", "count", "baseline", "score", "stories": [story ids]}]}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from elasticsearch import Elasticsearch

from indexing.search import QueryError, parse_since
from indexing.templates import ALIAS
from processing.trends import BASELINE_INTERVALS, MIN_SCORE, rise

__all__ = ["FIELDS", "KINDS", "MAX_KEYS", "TrendRequest", "build_body", "check_keys", "trends"]

KINDS = ("topic", "place", "outlet")
FIELDS = {"topic": "topics.id", "place": "places.id", "outlet": "outlet"}
MAX_KEYS = 30  # per kind, the most covered ones when no key is asked for
STEP = {"day": timedelta(days=1), "hour": timedelta(hours=1)}
MAX_BUCKETS = 2000  # per series: 90 days of hours


@dataclass
class TrendRequest:
    """Which keys (none given: the top ``MAX_KEYS`` of each kind), over which window."""

    topics: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    since: str = "30d"
    interval: str = "day"
    kinds: tuple[str, ...] = KINDS
    min_score: float = MIN_SCORE

    def keys(self, kind: str) -> list[str]:
        return {"topic": self.topics, "place": self.places, "outlet": self.outlets}[kind]


def check_keys(req: TrendRequest, topics: set[str], places: set[str]) -> None:
    """Raise :class:`QueryError` naming the first unknown topic or place id."""
    for name, asked, known in (("topic", req.topics, topics), ("place", req.places, places)):
        unknown = [k for k in asked if k not in known]
        if unknown:
            raise QueryError(f"{name}: unknown id {unknown[0]!r} (known: "
                             f"{', '.join(sorted(known)[:12])}…)")


def _window(req: TrendRequest, now: datetime) -> tuple[datetime, datetime]:
    if req.interval not in STEP:
        raise QueryError(f"interval: expected day or hour, got {req.interval!r}")
    start = parse_since(req.since, now)
    step = STEP[req.interval]
    if now - start < step:
        raise QueryError(f"since: {req.since!r} is shorter than one {req.interval}")
    if (now - start) / step > MAX_BUCKETS:
        raise QueryError(f"since: {req.since!r} makes more than {MAX_BUCKETS} "
                         f"{req.interval}s; use a shorter period"
                         + (" or interval day" if req.interval == "hour" else ""))
    return start, now


def _kinds(req: TrendRequest) -> list[str]:
    asked = [k for k in req.kinds if req.keys(k)]
    return asked or list(req.kinds)


def build_body(req: TrendRequest, now: datetime) -> dict:
    """The aggregation request (size 0) for ``req`` at ``now``."""
    start, end = _window(req, now)
    step = STEP[req.interval]
    base_intervals = BASELINE_INTERVALS[req.interval]
    current = end - step
    first = min(start, current - base_intervals * step)
    fixed = "1d" if req.interval == "day" else "1h"
    aggs = {}
    for kind in _kinds(req):
        keys = req.keys(kind)
        terms: dict = {"field": FIELDS[kind], "size": len(keys) or MAX_KEYS}
        if keys:
            terms["include"] = keys
        aggs[kind] = {"terms": terms, "aggs": {
            "over_time": {"filter": {"range": {"published_at": {"gte": start.isoformat()}}},
                          "aggs": {"h": {"date_histogram": {
                              "field": "published_at", "fixed_interval": fixed,
                              "min_doc_count": 0, "extended_bounds": {
                                  "min": start.isoformat(), "max": end.isoformat()}}}}},
            "now": {"filter": {"range": {"published_at": {"gte": current.isoformat()}}},
                    "aggs": {"outlets": {"cardinality": {"field": "outlet"}},
                             "story_count": {"cardinality": {"field": "story_id"}},
                             "stories": {"terms": {"field": "story_id", "size": 5}}}},
            "base": {"filter": {"range": {"published_at": {
                "gte": (current - base_intervals * step).isoformat(),
                "lt": current.isoformat()}}}},
        }}
    return {"size": 0, "track_total_hits": False, "aggs": aggs,
            "query": {"range": {"published_at": {"gte": first.isoformat(),
                                                 "lte": end.isoformat()}}}}


def trends(client: Elasticsearch, req: TrendRequest, now: datetime | None = None) -> dict:
    """Series and rising keys (the module's JSON contract)."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    body = build_body(req, now)
    start, end = _window(req, now)
    resp = client.search(index=ALIAS, ignore_unavailable=True, allow_no_indices=True, **body)
    aggs = resp.get("aggregations") or {}
    series, rising = [], []
    intervals = BASELINE_INTERVALS[req.interval]
    for kind in _kinds(req):
        for bucket in aggs.get(kind, {}).get("buckets", []):
            key = bucket["key"]
            series.append({"key": key, "kind": kind, "buckets": [
                {"start": _iso(b["key"]), "count": b["doc_count"]}
                for b in bucket["over_time"]["h"]["buckets"]]})
            current = bucket["now"]
            sources = (current["story_count"]["value"] if kind == "outlet"
                       else current["outlets"]["value"])
            verdict = rise(current["doc_count"], bucket["base"]["doc_count"], intervals,
                           sources, req.min_score)
            if verdict.rising:
                rising.append({"key": key, "kind": kind, "count": verdict.count,
                               "baseline": verdict.baseline, "score": verdict.score,
                               "stories": [s["key"] for s in current["stories"]["buckets"]]})
    rising.sort(key=lambda r: -r["score"])
    return {"interval": req.interval, "since": start.isoformat(), "until": end.isoformat(),
            "series": series, "rising": rising}


def _iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat()
