"""Near-duplicate and story memory shared by every worker: ``raqib-dedup``.

One document per processed article: its fingerprint, its MinHash LSH band keys as keyword
terms, its signature (stored, not indexed), ``duplicate_of`` and ``story_id``. A batch of
articles is looked up in one ``msearch``: for each, the articles sharing its fingerprint or
the most of its band keys (the best ``CANDIDATES``), which :mod:`processing.dedup` then
scores. This module only stores; the logic stays pure in :mod:`processing.dedup`.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import numpy as np
from elasticsearch import Elasticsearch
from elasticsearch.helpers import bulk

from processing.dedup import Entry, Sketch
from state.store import KEYWORD, STORED_TEXT, Index, get_many, guarded

DEDUP = Index("raqib-dedup", {"fingerprint": KEYWORD, "bands": KEYWORD,
                              "signature": STORED_TEXT, "duplicate_of": KEYWORD,
                              "story_id": KEYWORD})
CANDIDATES = 8
_FIELDS = ["fingerprint", "signature", "duplicate_of", "story_id"]
_DTYPE = np.dtype("uint64")


def _entry(doc_id: str, src: dict) -> Entry:
    sig = src.get("signature")
    signature = (np.frombuffer(base64.b64decode(sig), dtype=_DTYPE).copy() if sig else None)
    return Entry(doc_id, src["fingerprint"], signature, src.get("duplicate_of"),
                 src["story_id"])


class EsMemory:
    """A :class:`processing.dedup.Memory` in Elasticsearch (``read_only`` for previews)."""

    def __init__(self, client: Elasticsearch, read_only: bool = False) -> None:
        self.client = client
        self.read_only = read_only

    def lookup(self, sketches: Sequence[Sketch], ids: Sequence[str]) -> list[Entry]:
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
        if searches:
            name = DEDUP.ensure(self.client)
            resp = guarded(lambda: self.client.msearch(index=name, searches=searches),
                           "looking up near-duplicate candidates")
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
            "duplicate_of": e.duplicate_of, "story_id": e.story_id}} for e in entries]
        guarded(lambda: bulk(self.client, actions), "recording near-duplicate state")

    def publish(self) -> None:
        """Make everything remembered visible to the next worker's lookups (a refresh)."""
        if not self.read_only:
            guarded(lambda: self.client.options(ignore_status=404).indices.refresh(
                index=DEDUP.name), "refreshing near-duplicate state")
