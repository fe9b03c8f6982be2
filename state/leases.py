"""Leases: one worker at a time for a job (processing, digests), across hosts.

``raqib-leases`` holds one document per job name: its holder and when the lease expires.
Taking a free lease is ``op_type=create``; taking over an expired one, renewing and
releasing are conditional on the document's ``_seq_no``/``_primary_term``, so two workers
never both believe they hold it. A worker that dies (kill -9) holds it at most ``ttl``
seconds; a long job renews it as it goes.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from state.store import DATE, KEYWORD, Index, guarded

LEASES = Index("raqib-leases", {"name": KEYWORD, "holder": KEYWORD, "expires": DATE,
                                "taken": DATE})


class LeaseBusy(RuntimeError):
    """Another worker holds the lease; the message says who and until when."""


def worker_id() -> str:
    """``host:pid:random``: who holds a lease (shown in messages)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Lease:
    """``with Lease(client, "process"):`` — raises :class:`LeaseBusy` if held elsewhere.

    ``wait``: seconds to wait for the holder to finish before giving up (0: do not wait).
    """

    def __init__(self, client: Elasticsearch, name: str, ttl: float = 300, wait: float = 0,
                 holder: str | None = None) -> None:
        self.client, self.name, self.ttl, self.wait = client, name, ttl, wait
        self.holder = holder or worker_id()
        self._version: tuple[int, int] | None = None

    def __enter__(self) -> Lease:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _doc(self) -> dict:
        now = datetime.now(UTC)
        return {"name": self.name, "holder": self.holder, "taken": now.isoformat(),
                "expires": (now + timedelta(seconds=self.ttl)).isoformat()}

    def acquire(self) -> None:
        index = LEASES.ensure(self.client)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                resp = guarded(lambda: self.client.create(index=index, id=self.name,
                                                          document=self._doc()),
                               f"taking the {self.name} lease")
                self._version = (resp["_seq_no"], resp["_primary_term"])
                return
            except ConflictError:
                pass
            try:
                current = self.client.get(index=index, id=self.name)
            except NotFoundError:
                continue  # released in between: try again at once
            src = current["_source"]
            if datetime.fromisoformat(src["expires"]) < datetime.now(UTC):
                if self._take_over(current):
                    return
                continue
            if time.monotonic() >= deadline:
                raise LeaseBusy(f"{self.name} is already running on {src['holder']} "
                                f"(lease until {src['expires'][:19]}Z)")
            time.sleep(min(2.0, max(0.1, deadline - time.monotonic())))

    def _take_over(self, current: dict) -> bool:
        try:
            resp = self.client.index(index=LEASES.name, id=self.name, document=self._doc(),
                                     if_seq_no=current["_seq_no"],
                                     if_primary_term=current["_primary_term"])
        except ConflictError:
            return False  # another worker took it over first
        self._version = (resp["_seq_no"], resp["_primary_term"])
        return True

    def renew(self) -> None:
        """Push the expiry ``ttl`` seconds ahead; :class:`LeaseBusy` if it was lost."""
        if self._version is None:
            raise LeaseBusy(f"the {self.name} lease is not held")
        try:
            resp = guarded(lambda: self.client.index(
                index=LEASES.name, id=self.name, document=self._doc(),
                if_seq_no=self._version[0], if_primary_term=self._version[1]),
                f"renewing the {self.name} lease")
        except ConflictError:
            self._version = None
            raise LeaseBusy(f"the {self.name} lease expired and another worker took it") from None
        self._version = (resp["_seq_no"], resp["_primary_term"])

    def release(self) -> None:
        if self._version is None:
            return
        try:
            self.client.delete(index=LEASES.name, id=self.name, if_seq_no=self._version[0],
                               if_primary_term=self._version[1])
        except (ConflictError, NotFoundError):
            pass  # taken over after it expired: nothing of ours to release
        except Exception:  # noqa: BLE001 - the lease expires on its own
            pass
        self._version = None
