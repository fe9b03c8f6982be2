"""Near-duplicate and story memory shared by every worker: ``raqib-dedup``.

One document per processed article: its fingerprint, its MinHash LSH band keys as keyword
terms, its signature (stored, not indexed), ``duplicate_of`` and ``story_id``; its
:class:`processing.stories.Event` (stored) with the LSH bands of its main-content
words as keyword ``event_bands`` and its time as ``published``; its outlet and body
sentence keys, from which each outlet's boilerplate is learned (:func:`boilerplate_counts`).
A batch is looked up in one ``msearch``: per article, those sharing its fingerprint or the
most of its band keys, and those sharing the most event bands within the story window.
The index is refreshed only by :meth:`EsMemory.publish`, at the start and the end of a
run: a run's lookups see what earlier runs stored, whatever the timing (its own articles
it holds in memory), and Elasticsearch does not refresh the index every second while a
run writes to it.
This module only stores; the logic stays pure in :mod:`processing.dedup` and
:mod:`processing.stories`.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import numpy as np
import orjson
from elasticsearch import Elasticsearch
from elasticsearch.helpers import bulk

from processing.boilerplate import MIN_ARTICLES
from processing.dedup import CANDIDATES, STORY_CANDIDATES, Entry, Sketch
from processing.stories import WINDOW, Event, event_bands
from state.store import (
    DATE,
    KEYWORD,
    STORED,
    STORED_TEXT,
    TERM,
    Index,
    StateError,
    get_many,
    guarded,
)

DEDUP = Index("raqib-dedup", {"fingerprint": TERM, "bands": TERM,
                              "signature": STORED_TEXT, "duplicate_of": TERM,
                              "story_id": TERM, "event_bands": TERM, "published": DATE,
                              "undated": {"type": "boolean"},
                              "event": STORED, "outlet": KEYWORD, "sentence_keys": KEYWORD},
              settings={"refresh_interval": "-1"})  # refreshed by EsMemory.publish only
_FIELDS = ["fingerprint", "signature", "duplicate_of", "story_id", "event", "outlet"]
_STORY_FIELDS = [f for f in _FIELDS if f != "signature"]  # story candidates: no MinHash
_DTYPE = np.dtype("uint64")
_WINDOW = f"{int(WINDOW.total_seconds())}s"


def _entry(doc_id: str, src: dict) -> Entry:
    sig = src.get("signature")
    signature = (np.frombuffer(base64.b64decode(sig), dtype=_DTYPE).copy() if sig else None)
    event = Event.from_json(src["event"]) if src.get("event") else None
    return Entry(doc_id, src["fingerprint"], signature, src.get("duplicate_of"),
                 src["story_id"], event, src.get("outlet"), (), tuple(src.get("bands") or ()),
                 tuple(src.get("event_bands") or ()))


def _story_query(event: Event) -> dict:
    """Articles sharing the most event bands with ``event``, inside its window."""
    bands = event_bands(event)
    if not bands:  # no main-content words
        return {"query": {"match_none": {}}, "size": 0}
    query: dict = {"bool": {"should": _one_point_each("event_bands", bands),
                            "minimum_should_match": 1}}
    if event.published is not None:
        at = event.published.isoformat()
        query["bool"]["filter"] = [{"bool": {"should": [
            {"range": {"published": {"gte": f"{at}||-{_WINDOW}", "lte": f"{at}||+{_WINDOW}"}}},
            {"term": {"undated": True}}]}}]
    return {"query": query, "size": STORY_CANDIDATES, "_source": _STORY_FIELDS,
            "track_total_hits": False}


def _one_point_each(field: str, keys: Sequence[str]) -> orjson.Fragment:
    """``bool.should`` clauses scoring one point per key of ``keys`` (at least one) that a
    document has in ``field``, so that the best hits share the most keys:
    ``[{"constant_score": {"filter": {"term": {field: key}}}}, …]``, serialised in one go
    (a batch's lookups hold tens of thousands). orjson escapes the keys."""
    head = b'{"constant_score":{"filter":{"term":{"%s":' % field.encode()
    between = b'"}}}},' + head + b'"'
    keys_json = orjson.dumps(list(keys))  # ["k1","k2",…]
    return orjson.Fragment(b"[" + head + keys_json[1:-1].replace(b'","', between)
                           + b"}}}}]")


class EsMemory:
    """A :class:`processing.dedup.Memory` in Elasticsearch (``read_only`` for previews)."""

    def __init__(self, client: Elasticsearch, read_only: bool = False) -> None:
        self.client = client
        self.read_only = read_only

    def get(self, ids: Sequence[str]) -> list[Entry]:
        return [_entry(i, src) for i, src in
                get_many(self.client, DEDUP, ids, "looking up processed articles").items()]

    def candidates(self, sketches: Sequence[Sketch], events: Sequence[Event]
                   ) -> list[list[Entry]]:
        if not sketches:
            return []
        searches = bytearray()  # NDJSON, serialised here whatever the client's serializer
        for sk, event in zip(sketches, events, strict=True):
            should: list[dict] = [{"term": {"fingerprint": {"value": sk.fingerprint,
                                                            "boost": 100}}}]
            if sk.bands:  # scores add up as if the clauses were one list
                should.append({"bool": {"should": _one_point_each("bands", sk.bands)}})
            near = {"query": {"bool": {"should": should}}, "size": CANDIDATES,
                    "_source": _FIELDS, "track_total_hits": False}
            for search in (near, _story_query(event)):
                searches += b"{}\n" + orjson.dumps(search) + b"\n"
        name = DEDUP.ensure(self.client)
        resp = guarded(lambda: self.client.msearch(index=name, searches=bytes(searches)),
                       "looking up near-duplicate and story candidates")["responses"]
        parsed: tuple[dict[str, Entry], dict[str, Entry]] = ({}, {})  # near, story hits
        out = []
        for i in range(len(sketches)):
            found: dict[str, Entry] = {}
            for kind in (0, 1):  # near-duplicates first: they carry MinHash
                answer = resp[2 * i + kind]
                if "error" in answer:
                    raise StateError(f"a candidate lookup failed: {answer['error']}")
                for hit in answer["hits"]["hits"]:
                    rid = hit["_id"]
                    if (e := parsed[kind].get(rid)) is None:  # a hit met again: parsed once
                        e = parsed[kind][rid] = _entry(rid, hit["_source"])
                    found.setdefault(rid, e)
            out.append(list(found.values()))
        return out

    def remember(self, entries: Sequence[Entry]) -> None:
        if self.read_only or not entries:
            return
        name = DEDUP.ensure(self.client)
        actions = [{"_index": name, "_id": e.id, "_source": {
            "fingerprint": e.fingerprint, "bands": list(e.bands),
            "signature": (base64.b64encode(e.signature.astype(_DTYPE).tobytes()).decode()
                          if e.signature is not None else None),
            "duplicate_of": e.duplicate_of, "story_id": e.story_id,
            "event_bands": list(e.event_bands),
            "published": (e.event.published.isoformat()
                          if e.event and e.event.published else None),
            "undated": not (e.event and e.event.published),
            "event": e.event.to_json() if e.event else None,
            "outlet": e.outlet, "sentence_keys": list(e.sentence_keys)}} for e in entries]
        guarded(lambda: bulk(self.client, actions), "recording near-duplicate state")

    def publish(self) -> None:
        """Make everything remembered so far visible to lookups (a refresh)."""
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
