"""Article URLs already collected, and the validators feeds last served.

* ``raqib-seen``: one document per article URL (``_id``: :func:`core.urls.url_key`),
  created once (``op_type=create``) after the article landed, so later runs — on any
  worker — do not fetch it again. Looked up a listing page at a time (one ``mget``).
* ``raqib-feeds``: the ETag / Last-Modified of each feed, sitemap and section page, for
  conditional GET; read once per crawl, written at its end.

Changes are buffered and written by :meth:`SeenUrls.commit`, which the landing side calls
only once the run's articles are safely stored: a crash never marks as seen an article
that did not land.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

from elasticsearch import Elasticsearch
from elasticsearch.helpers import bulk

from core.urls import url_key
from state.store import DATE, KEYWORD, STORED_TEXT, Index, create_all, get_many, guarded

SEEN = Index("raqib-seen", {"url": STORED_TEXT, "outlet": KEYWORD, "reason": KEYWORD,
                            "first_seen": DATE})
FEEDS = Index("raqib-feeds", {"url": STORED_TEXT, "etag": STORED_TEXT,
                              "last_modified": STORED_TEXT, "updated": DATE})


def _feed_id(url: str) -> str:
    return hashlib.sha1(url.encode("utf-8")).hexdigest()


class SeenUrls:
    """Collected URLs and feed validators of the shared store, with a write buffer."""

    def __init__(self, client: Elasticsearch) -> None:
        self.client = client
        self._urls: dict[str, tuple[str, str, str]] = {}  # key → (url, outlet, reason)
        self._validators: dict[str, tuple[str | None, str | None]] = {}
        self._known_validators: dict[str, tuple[str | None, str | None]] = {}

    def known(self, urls: Iterable[str]) -> set[str]:
        """The URLs among ``urls`` already collected (by any worker, or pending here)."""
        keys = {url: url_key(url) for url in urls}
        pending = {u for u, k in keys.items() if k in self._urls}
        ask = [k for u, k in keys.items() if u not in pending]
        found = get_many(self.client, SEEN, ask, "looking up seen URLs") if ask else {}
        return pending | {u for u, k in keys.items() if k in found}

    def add(self, url: str, outlet: str, reason: str = "written") -> None:
        """Remember ``url`` (pending until :meth:`commit`)."""
        self._urls.setdefault(url_key(url), (url, outlet, reason))

    def load_validators(self, urls: Iterable[str]) -> None:
        """Fetch the validators of these listing URLs (one request for all)."""
        urls = list(urls)
        found = get_many(self.client, FEEDS, [_feed_id(u) for u in urls],
                         "reading feed validators")
        for url in urls:
            doc = found.get(_feed_id(url))
            if doc:
                self._known_validators[url] = (doc.get("etag"), doc.get("last_modified"))

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) last served for ``url``; listing pages found during the
        crawl (a sitemap index's children) are looked up as they come."""
        if url not in self._known_validators:
            self.load_validators([url])
            self._known_validators.setdefault(url, (None, None))
        return self._known_validators[url]

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._validators[url] = (etag, last_modified)

    def commit(self) -> int:
        """Write the pending URLs and validators; returns how many URLs were new."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        created, _ = create_all(
            self.client, SEEN,
            ((k, {"url": u, "outlet": o, "reason": r, "first_seen": now})
             for k, (u, o, r) in self._urls.items()), "recording seen URLs")
        if self._validators:
            name = FEEDS.ensure(self.client)
            actions = [{"_index": name, "_id": _feed_id(u),
                        "_source": {"url": u, "etag": e, "last_modified": lm, "updated": now}}
                       for u, (e, lm) in self._validators.items()]
            guarded(lambda: bulk(self.client, actions), "recording feed validators")
        self._urls.clear()
        self._validators.clear()
        return created
