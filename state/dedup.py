"""Near-duplicate and story memory shared by every worker: ``raqib-dedup``.

One document per processed article: its fingerprint, its MinHash LSH band keys as keyword
terms, its signature (stored, not indexed), ``duplicate_of`` and ``story_id``; its
:class:`processing.stories.Event` (stored) with the main-content words as keyword
``terms`` and the time as ``published``; its outlet and body sentence keys, from which
each outlet's boilerplate is learned (:func:`boilerplate_counts`). A batch is looked up in
one ``msearch``: per article, those sharing its fingerprint or the most of its band keys,
and those sharing the most main-content words within the story window. This module only
stores; the logic stays pure in :mod:`processing.dedup` and :mod:`processing.stories`.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import numpy as np
from elasticsearch import Elasticsearch
from elasticsearch.helpers import bulk

from processing.boilerplate import MIN_ARTICLES
from processing.dedup import CANDIDATES, STORY_CANDIDATES, Entry, Sketch
from processing.stories import WINDOW, Event
from state.store import DATE, KEYWORD, STORED, STORED_TEXT, Index, get_many, guarded

DEDUP = Index("raqib-dedup", {"fingerprint": KEYWORD, "bands": KEYWORD,
                              "signature": STORED_TEXT, "duplicate_of": KEYWORD,
                              "story_id": KEYWORD, "terms": KEYWORD, "published": DATE,
                              "event": STORED, "outlet": KEYWORD, "sentence_keys": KEYWORD})
_FIELDS = ["fingerprint", "signature", "duplicate_of", "story_id", "event", "outlet"]
_DTYPE = np.dtype("uint64")
_WINDOW = f"{int(WINDOW.total_seconds())}s"


def _entry(doc_id: str, src: dict) -> Entry:
    sig = src.get("signature")
    signature = (np.frombuffer(base64.b64decode(sig), dtype=_DTYPE).copy() if sig else None)
    event = Event.from_json(src["event"]) if src.get("event") else None
    return Entry(doc_id, src["fingerprint"], signature, src.get("duplicate_of"),
                 src["story_id"], event, src.get("outlet"))


def _story_query(event: Event) -> dict | None:
    """Articles sharing the most main-content words with ``event``, inside its window."""
    if not event.terms:
        return None
    query: dict = {"bool": {"should": [{"term": {"terms": t}} for t in sorted(event.terms)],
                            "minimum_should_match": 2}}
    if event.published is not None:
        at = event.published.isoformat()
        query["bool"]["filter"] = [{"bool": {"should": [
            {"range": {"published": {"gte": f"{at}||-{_WINDOW}", "lte": f"{at}||+{_WINDOW}"}}},
            {"bool": {"must_not": {"exists": {"field": "published"}}}}]}}]
    return {"query": query, "size": STORY_CANDIDATES, "_source": _FIELDS}


class EsMemory:
    """A :class:`processing.dedup.Memory` in Elasticsearch (``read_only`` for previews)."""

    def __init__(self, client: Elasticsearch, read_only: bool = False) -> None:
        self.client = client
        self.read_only = read_only

    def lookup(self, sketches: Sequence[Sketch], ids: Sequence[str],
               events: Sequence[Event] = ()) -> list[Entry]:
        found = {i: _entry(i, src) for i, src in
                 get_many(self.client, DEDUP, ids, "looking up processed articles").items()}
        searches: list[dict] = []
        for sk in sketches:
            should: list[dict] = [{"term": {"fingerprint": {"value": sk.fingerprint,
                                                            "boost": 100}}}]
            should += [{"constant_score": {"filter": {"term": {"bands": band}}}}
                       for band in sk.bands]
            searches += [{}, {"query": {"bool": {"should": should, "minimum_should_match": 1}},
                              "size": CANDIDATES, "_source": _FIELDS}]
        for event in events:
            if (body := _story_query(event)) is not None:
                searches += [{}, body]
        if searches:
            name = DEDUP.ensure(self.client)
            resp = guarded(lambda: self.client.msearch(index=name, searches=searches),
                           "looking up near-duplicate and story candidates")
            for answer in resp["responses"]:
                for hit in answer.get("hits", {}).get("hits", []):
                    found.setdefault(hit["_id"], _entry(hit["_id"], hit["_source"]))
        return list(found.values())

    def remember(self, entries: Sequence[Entry]) -> None:
        if self.read_only or not entries:
            return
        name = DEDUP.ensure(self.client)
        actions = [{"_index": name, "_id": e.id, "_source": {
            "fingerprint": e.fingerprint, "bands": list(e.bands),
            "signature": (base64.b64encode(e.signature.astype(_DTYPE).tobytes()).decode()
                          if e.signature is not None else None),
            "duplicate_of": e.duplicate_of, "story_id": e.story_id,
            "terms": sorted(e.event.terms) if e.event else [],
            "published": (e.event.published.isoformat()
                          if e.event and e.event.published else None),
            "event": e.event.to_json() if e.event else None,
            "outlet": e.outlet, "sentence_keys": list(e.sentence_keys)}} for e in entries]
        guarded(lambda: bulk(self.client, actions), "recording near-duplicate state")

    def publish(self) -> None:
        """Make everything remembered visible to the next worker's lookups (a refresh)."""
        if not self.read_only:
            guarded(lambda: self.client.options(ignore_status=404).indices.refresh(
                index=DEDUP.name), "refreshing near-duplicate state")


def boilerplate_counts(client: Elasticsearch, min_articles: int = MIN_ARTICLES,
                       per_outlet: int = 2000) -> dict[str, dict[str, int]]:
    """Per outlet, the body sentence keys found in at least ``min_articles`` processed
    articles, with their counts: each outlet's boilerplate, learned from the archive."""
    name = DEDUP.ensure(client)
    body = {"size": 0, "aggs": {"outlets": {
        "terms": {"field": "outlet", "size": 10_000},
        "aggs": {"keys": {"terms": {"field": "sentence_keys", "size": per_outlet,
                                    "min_doc_count": min_articles}}}}}}
    resp = guarded(lambda: client.search(index=name, **body), "learning outlet boilerplate")
    return {b["key"]: {k["key"]: k["doc_count"] for k in b["keys"]["buckets"]}
            for b in resp["aggregations"]["outlets"]["buckets"]}
