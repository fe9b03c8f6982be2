"""What every state index shares: explicit mappings, creation on demand, clear errors.

All the state a worker needs — seen URLs, feed validators, landed articles, processed
batches, leases, the digest ledger — lives in dedicated Elasticsearch indices, so any
worker on any host can run any task. Each index is owned by one module of this package
and described by an :class:`Index`; :meth:`Index.ensure` installs an index template with
its explicit mapping and creates it (idempotent, safe to race: a worker that finds the
index another has just made waits for its shard to start). An index deleted by hand
comes back with the right mapping at the next write (the template applies); reads of a
missing index find nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from elasticsearch import ApiError, ConnectionError, Elasticsearch, TransportError
from elasticsearch.helpers import BulkIndexError, bulk

log = logging.getLogger(__name__)

T = TypeVar("T")
KEYWORD = {"type": "keyword"}
TERM = {"type": "keyword", "doc_values": False}  # only matched, never sorted or aggregated
DATE = {"type": "date"}
STORED = {"type": "object", "enabled": False}  # kept in _source, never indexed
STORED_TEXT = {"type": "keyword", "index": False, "doc_values": False}
INTEGER = {"type": "integer"}
SHARD_WAIT = "30s"  # how long a worker waits for a new index's shard to start


class StateError(RuntimeError):
    """The shared store could not be used; the message names the cause."""


@dataclass
class Index:
    """One state index: its name, mapping (``dynamic: strict``) and any index settings."""

    name: str
    properties: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)
    _ready: set[int] = field(default_factory=set, repr=False)

    def ensure(self, client: Elasticsearch) -> str:
        """Install the template and create the index (once per client); return its name."""
        if id(client) in self._ready:
            return self.name
        template = {"settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1",
                                 **self.settings},
                    "mappings": {"dynamic": "strict", "properties": self.properties}}

        def install() -> None:
            client.indices.put_index_template(name=f"raqib-state-{self.name}",
                                              index_patterns=[self.name], priority=500,
                                              template=template, _meta={"managed_by": "raqib"})
            client.options(ignore_status=400).indices.create(index=self.name)
            # another worker may have created it a moment ago: use it once its shard is up
            # (a new index is "yellow" before its primary started; it has a single shard)
            health = client.options(ignore_status=408).cluster.health(
                index=self.name, wait_for_active_shards="1", timeout=SHARD_WAIT)
            if health.get("timed_out"):
                raise StateError(f"the state index {self.name} has no active primary shard "
                                 f"after {SHARD_WAIT} (see `raqib es status`)")
            # an index made by an older version gets the fields added since; those it has
            # keep their mapping (a change of how a field is stored would be refused)
            mapping = client.indices.get_mapping(index=self.name)
            have = next(iter(mapping.values()))["mappings"].get("properties", {})
            if missing := {k: v for k, v in self.properties.items() if k not in have}:
                client.indices.put_mapping(index=self.name, properties=missing)
            if self.settings:
                client.indices.put_settings(index=self.name, settings=self.settings)

        guarded(install, f"creating the state index {self.name}")
        self._ready.add(id(client))
        return self.name

    def forget(self, client: Elasticsearch) -> None:
        """Check the index again next time (after it was deleted under our feet)."""
        self._ready.discard(id(client))


def guarded(call: Callable[[], T], doing: str) -> T:
    """Run a cluster call; turn transport and API errors, and documents a bulk request had
    rejected, into one-line :class:`StateError` (404 and 409 pass through: not found and
    version conflicts are answers, not faults)."""
    try:
        return call()
    except BulkIndexError as exc:  # e.g. a write-blocked index: 403 on every document
        raise StateError(f"Elasticsearch rejected {len(exc.errors)} document(s) while "
                         f"{doing}: {_first_reason(exc.errors)}") from None
    except ConnectionError as exc:
        raise StateError(f"Elasticsearch is unreachable while {doing}: {_cause(exc)}") from None
    except TransportError as exc:
        raise StateError(f"Elasticsearch did not answer while {doing}: {_cause(exc)}") from None
    except ApiError as exc:
        if exc.meta.status in (404, 409):  # not found / version conflict: the caller decides
            raise
        if exc.meta.status == 503:
            raise StateError(f"the cluster is not ready (status 503: red or no master) while "
                             f"{doing}") from None
        raise StateError(f"Elasticsearch refused {doing}: {exc.message}") from None


def _cause(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 200 else text[:200] + "…"


def create_all(client: Elasticsearch, index: Index, docs: Iterable[tuple[str, dict]],
               doing: str, refresh: bool = False) -> tuple[int, int]:
    """Create documents by id (``op_type=create``); returns (created, already there).

    An id that exists already is not an error: the operation is idempotent.
    """
    actions = [{"_op_type": "create", "_index": index.ensure(client), "_id": doc_id,
                "_source": source} for doc_id, source in docs]
    conflicts = write_all(client, actions, doing, refresh)
    return len(actions) - len(conflicts), len(conflicts)


def write_all(client: Elasticsearch, actions: list[dict], doing: str,
              refresh: bool = False) -> set[str]:
    """One bulk request of ``actions`` (``create``, or ``index`` guarded by ``if_seq_no`` /
    ``if_primary_term``); the ids that met a version conflict (409), for the caller to
    decide. Any other rejection is a :class:`StateError`."""
    if not actions:
        return set()

    def run() -> set[str]:
        try:
            bulk(client, actions, refresh=refresh, stats_only=True, raise_on_error=True)
            return set()
        except BulkIndexError as exc:
            others = [e for e in exc.errors if _status(e) != 409]
            if others:
                raise StateError(f"Elasticsearch rejected {len(others)} document(s) while "
                                 f"{doing}: {_first_reason(others)}") from None
            return {next(iter(e.values()))["_id"] for e in exc.errors}

    return guarded(run, doing)


def get_many(client: Elasticsearch, index: Index, ids: Iterable[str], doing: str,
             chunk: int = 1000) -> dict[str, dict]:
    """``_source`` of the documents that exist among ``ids`` (``mget`` in chunks)."""
    ids = list(dict.fromkeys(ids))
    found: dict[str, dict] = {}
    name = index.ensure(client)
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        resp = guarded(lambda part=part: client.options(ignore_status=404).mget(
            index=name, ids=part), doing)
        for doc in resp.get("docs", []):
            if doc.get("found"):
                found[doc["_id"]] = doc["_source"]
            elif doc.get("error") and doc["error"].get("type") != "index_not_found_exception":
                raise StateError(f"{doing}: {doc['error'].get('reason')}")
    return found


def scan(client: Elasticsearch, index: Index, query: dict, sort: list, doing: str,
         page: int = 500, source: Any = True) -> Iterator[dict]:
    """Every hit of ``query`` in ``sort`` order (``search_after`` paging)."""
    name = index.ensure(client)
    after = None
    while True:
        kwargs = {"search_after": after} if after else {}
        resp = guarded(lambda kw=kwargs: client.options(ignore_status=404).search(
            index=name, query=query, sort=sort, size=page, _source=source, **kw), doing)
        hits = resp.get("hits", {}).get("hits", [])
        yield from hits
        if len(hits) < page:
            return
        after = hits[-1]["sort"]


def _status(error: dict) -> int | None:
    return next(iter(error.values()), {}).get("status")


def _first_reason(errors: list[dict]) -> str:
    info = next(iter(errors[0].values()), {})
    err = info.get("error") or {}
    return err.get("reason") or err.get("type") or str(info)[:200]
