"""Story records: the ``raqib-stories`` index, one document per story, updated as articles arrive.

A story (articles sharing a ``story_id``, see :mod:`processing.stories`) is what analysts
ask about: which outlets carried it, and who first. Its record holds the first report
(the earliest published article: id, outlet, headline, url, time), ``first_seen`` and
``last_update``, the outlets with the time of their first and last article and their
count, the article count, the topics and places of its articles, and a timeline of its
articles (the first report and the newest ``TIMELINE`` others).

:func:`update_stories` merges a batch of indexed articles into their records (one mget,
merge with :func:`merge_story`, one bulk request that writes each back only if nobody wrote
it in between — else read and merge that one again), so
re-processing an article changes nothing. :func:`find_stories` serves ``raqib stories``
and ``/api/stories``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from elasticsearch import Elasticsearch

from processing.stories import parse_time
from state.store import DATE, KEYWORD, STORED, Index, guarded, write_all

__all__ = ["STORIES", "TIMELINE", "find_stories", "merge_story", "story_article",
           "timestamp", "update_stories"]

STORIES = Index("raqib-stories", {
    "id": KEYWORD, "headline": {"type": "text"}, "first_report": STORED,
    "first_seen": DATE, "last_update": DATE, "article_count": {"type": "integer"},
    "outlet_count": {"type": "integer"}, "outlets": STORED, "outlet_names": KEYWORD,
    "topics": KEYWORD, "places": KEYWORD, "article_ids": KEYWORD, "timeline": STORED},
    # rewritten every batch: raqib process refreshes it at its end, searches may lag as long
    settings={"refresh_interval": "30s"})
TIMELINE = 50
_RETRIES = 5


def story_article(record: dict) -> dict:
    """What a story record keeps of one enriched article; its time as strict ISO 8601 with
    its offset (naive = UTC; ``None`` when unusable), whatever spelling it came in."""
    at = parse_time(record.get("published_at")) or parse_time(record.get("crawled_at"))
    return {"id": record["id"], "outlet": record.get("outlet"),
            "title": record.get("title") or "", "url": record.get("url"),
            "at": at.isoformat() if at else None,
            "topics": [t["id"] for t in record.get("topics") or []],
            "places": [p["id"] for p in record.get("places") or []]}


def timestamp(value: str | None) -> float:
    """Seconds since the epoch of an ISO time (naive = UTC); +inf when absent or bad."""
    parsed = parse_time(value)
    return parsed.timestamp() if parsed else float("inf")


def _key(article: dict) -> tuple[float, str]:
    return (timestamp(article.get("at")), article["id"])


def merge_story(story_id: str, existing: dict | None, articles: Iterable[dict]) -> dict:
    """The record of ``story_id`` with ``articles`` (from :func:`story_article`) added;
    an article already in it is not counted again."""
    old = existing or {}
    known = set(old.get("article_ids") or [])
    timeline = {a["id"]: a for a in old.get("timeline") or []}
    outlets = {o["outlet"]: dict(o) for o in old.get("outlets") or []}
    topics = dict.fromkeys(old.get("topics") or [])
    places = dict.fromkeys(old.get("places") or [])
    first = old.get("first_report")
    last = old.get("last_update")
    for article in articles:
        if article["id"] in known:
            continue
        known.add(article["id"])
        timeline[article["id"]] = article
        topics.update(dict.fromkeys(article["topics"]))
        places.update(dict.fromkeys(article["places"]))
        name = article.get("outlet") or "?"
        seen = outlets.setdefault(name, {"outlet": name, "first_at": article["at"],
                                         "last_at": article["at"], "count": 0})
        seen["count"] += 1
        at = timestamp(article["at"])
        if at < timestamp(seen["first_at"]):
            seen["first_at"] = article["at"]
        if at != float("inf") and (not seen["last_at"] or at > timestamp(seen["last_at"])):
            seen["last_at"] = article["at"]
        if first is None or _key(article) < _key(first):
            first = {k: article[k] for k in ("id", "outlet", "title", "url", "at")}
        if at != float("inf") and (not last or at > timestamp(last)):
            last = article["at"]
    ordered = sorted(timeline.values(), key=_key)
    keep = ordered[:1] + ordered[1:][-TIMELINE:]
    by_first = sorted(outlets.values(), key=lambda o: (timestamp(o["first_at"]), o["outlet"]))
    return {"id": story_id, "headline": first["title"] if first else "",
            "first_report": first, "first_seen": first["at"] if first else None,
            "last_update": last, "article_count": len(known), "outlet_count": len(outlets),
            "outlets": by_first, "outlet_names": [o["outlet"] for o in by_first],
            "topics": list(topics), "places": list(places), "article_ids": sorted(known),
            "timeline": keep}


def update_stories(client: Elasticsearch, records: Iterable[dict]) -> int:
    """Merge enriched, indexed ``records`` into their story records; the number of stories
    written. Two workers updating one story: the second one reads again and retries."""
    by_story: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        if record.get("story_id") and record.get("id"):
            by_story[record["story_id"]].append(story_article(record))
    if not by_story:
        return 0
    name = STORIES.ensure(client)
    pending = dict(by_story)
    for _ in range(_RETRIES):
        ids = list(pending)
        docs = guarded(lambda ids=ids: client.mget(index=name, ids=ids)["docs"],
                       "reading story records")
        actions = []
        for doc in docs:
            story_id = doc["_id"]
            merged = merge_story(story_id, doc.get("_source") if doc.get("found") else None,
                                 pending[story_id])
            if doc.get("found") and merged["article_count"] == doc["_source"]["article_count"]:
                continue  # nothing new
            action = {"_index": name, "_id": story_id, "_source": merged}
            if doc.get("found"):  # written only if nobody wrote it since we read it
                action.update(_op_type="index", if_seq_no=doc["_seq_no"],
                              if_primary_term=doc["_primary_term"])
            else:
                action["_op_type"] = "create"
            actions.append(action)
        conflicts = {i: pending[i] for i in write_all(client, actions, "writing story records")}
        if not conflicts:
            return len(by_story)
        pending = conflicts
    raise RuntimeError(f"story records kept changing under us: {sorted(pending)[:5]}")


def find_stories(client: Elasticsearch, topic: str | None = None, place: str | None = None,
                 outlet: str | None = None, since: datetime | None = None,
                 min_articles: int = 1, limit: int = 50) -> list[dict]:
    """Stories updated since ``since`` (newest update first), filtered by topic, place and
    outlet, with at least ``min_articles`` articles."""
    filters: list[dict] = []
    if topic:
        filters.append({"term": {"topics": topic}})
    if place:
        filters.append({"term": {"places": place}})
    if outlet:
        filters.append({"term": {"outlet_names": outlet}})
    if since is not None:
        filters.append({"range": {"last_update": {"gte": since.isoformat()}}})
    if min_articles > 1:
        filters.append({"range": {"article_count": {"gte": min_articles}}})
    name = STORIES.ensure(client)
    resp = guarded(lambda: client.search(
        index=name, query={"bool": {"filter": filters}}, size=limit,
        sort=[{"last_update": {"order": "desc", "missing": "_last"}}, {"id": "asc"}],
        source_excludes=["article_ids"]), "searching stories")
    return [hit["_source"] for hit in resp["hits"]["hits"]]
