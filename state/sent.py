"""What each recipient has already had: the digest ledger, shared by every worker.

* ``raqib-sent``: one document per alert × recipient × article delivered, including the
  articles only counted in an e-mail's "N more" (``shown: false``), so they do not come
  back. ``_id`` is sha1(alert, recipient, article), written with ``op_type=create``.
* ``raqib-digests``: the time of the last digest per alert and recipient.

A delivery is recorded only after the SMTP server accepted the message (or its ``.eml``
file was written), so a crash or a server failure never marks unsent articles as sent;
the ``digest`` lease (:mod:`state.leases`) keeps two workers from sending at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

from elasticsearch import Elasticsearch
from elasticsearch.helpers import bulk

from state.store import DATE, KEYWORD, Index, create_all, get_many, guarded, scan

SENT = Index("raqib-sent", {"alert": KEYWORD, "recipient": KEYWORD, "article_id": KEYWORD,
                            "sent_at": DATE, "shown": {"type": "boolean"}})
DIGESTS = Index("raqib-digests", {"alert": KEYWORD, "recipient": KEYWORD, "last_at": DATE})


def _rcpt(recipient: str) -> str:
    return recipient.strip().lower()


def _id(*parts: str) -> str:
    return hashlib.sha1("\x00".join(parts).encode("utf-8")).hexdigest()


class SentLedger:
    """Last-digest times and the sent ledger of every alert and recipient."""

    def __init__(self, client: Elasticsearch) -> None:
        self.client = client

    def last_digest(self, alert: str, recipient: str) -> datetime | None:
        """When this recipient last had a digest of this alert (UTC), or None."""
        doc = get_many(self.client, DIGESTS, [_id(alert, _rcpt(recipient))],
                       "reading the last digest time")
        src = next(iter(doc.values()), None)
        return datetime.fromisoformat(src["last_at"]) if src else None

    def already_sent(self, alert: str, recipient: str, article_ids: Iterable[str]) -> set[str]:
        """The subset of ``article_ids`` this recipient already received for this alert."""
        rcpt = _rcpt(recipient)
        ids = {_id(alert, rcpt, a): a for a in article_ids}
        found = get_many(self.client, SENT, ids, "reading the sent ledger")
        return {ids[i] for i in found}

    def sent_ids(self, alert: str, recipient: str, limit: int = 50_000) -> list[str]:
        """The most recently delivered article ids for this alert and recipient."""
        query = {"bool": {"filter": [{"term": {"alert": alert}},
                                     {"term": {"recipient": _rcpt(recipient)}}]}}
        out = []
        for hit in scan(self.client, SENT, query, [{"sent_at": "desc"}, {"article_id": "asc"}],
                        "reading the sent ledger", source=["article_id"]):
            out.append(hit["_source"]["article_id"])
            if len(out) >= limit:
                break
        return out

    def record(self, alert: str, recipient: str, digest_at: datetime,
               article_ids: Iterable[str], counted_ids: Iterable[str] = ()) -> None:
        """Mark a digest as delivered: its articles into the ledger, ``digest_at`` as last time.

        ``counted_ids``: articles only counted in the e-mail's "N more".
        """
        now = datetime.now(UTC).isoformat()
        rcpt = _rcpt(recipient)
        shown = set(article_ids)
        docs = [(_id(alert, rcpt, a), {"alert": alert, "recipient": rcpt, "article_id": a,
                                       "sent_at": now, "shown": a in shown})
                for a in shown | set(counted_ids)]
        create_all(self.client, SENT, docs, "recording delivered articles", refresh=True)
        name = DIGESTS.ensure(self.client)
        guarded(lambda: bulk(self.client, [{
            "_index": name, "_id": _id(alert, rcpt),
            "_source": {"alert": alert, "recipient": rcpt,
                        "last_at": digest_at.astimezone(UTC).isoformat()}}],
            refresh=True), "recording the digest time")
