"""What could not be indexed, with the reason: ``raqib-dead-letter``.

Records that Elasticsearch rejects (mapping errors, a bad date) or that cannot become a
document go here with the reason and the record itself, so nothing is silently lost and
a fixed record can be re-processed. ``raqib process`` prints how many went there.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from elasticsearch import Elasticsearch
from elasticsearch.helpers import bulk

from state.store import DATE, INTEGER, KEYWORD, STORED, STORED_TEXT, Index, guarded

log = logging.getLogger(__name__)

DEAD_LETTER = Index("raqib-dead-letter", {"at": DATE, "status": INTEGER, "reason": STORED_TEXT,
                                          "article_id": KEYWORD, "batch": KEYWORD,
                                          "record": STORED})


class DeadLetter:
    """Collects rejected records; :meth:`flush` writes them (called after each window)."""

    def __init__(self, client: Elasticsearch, batch: str | None = None) -> None:
        self.client = client
        self.batch = batch
        self._pending: list[dict] = []
        self.rejected: set[str] = set()  # ids of the records handed in, for the caller

    def write(self, record: dict, reason: str, status: int | None = None) -> None:
        log.warning("not indexed: %s (%s)", record.get("id") or record.get("url"), reason)
        self.rejected.add(str(record.get("id") or ""))
        self._pending.append({"at": datetime.now(UTC).isoformat(timespec="seconds"),
                              "status": status, "reason": reason,
                              "article_id": str(record.get("id") or ""), "batch": self.batch,
                              "record": record})

    def flush(self) -> None:
        if not self._pending:
            return
        name = DEAD_LETTER.ensure(self.client)
        docs = [{"_index": name, "_source": d} for d in self._pending]
        guarded(lambda: bulk(self.client, docs), "writing the dead letter")
        self._pending.clear()
