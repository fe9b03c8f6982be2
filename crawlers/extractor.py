"""Article extraction beside the crawl's event loop: in worker processes, or inline.

Fetching is mostly waiting; extraction (parsing, scoring blocks, reading dates) is the
crawl's CPU work, a few ms a page. With ``workers`` > 0 (``RAQIB_EXTRACT_WORKERS``) pages
are extracted in that many worker processes (``python -m crawlers.extractor``), so the
event loop goes on fetching while they use the other cores; with 0 they are extracted in
the crawl process. Both run :func:`extract_page`, so a record does not depend on where it
was made.

The loop talks to each worker through its stdin and stdout (length-prefixed pickles, in
order), so no thread of the crawl process waits for the GIL to hand pages over. A worker
that dies (killed, out of memory, a crash in a C library) was working on the first page
it had been sent: that page is tried again in a new worker, the pages queued behind it
are sent to the others, and a page whose second try dies too raises
:class:`ExtractionCrashed`, which the spider reports as a skip. A worker still on one
page after ``timeout`` seconds (a page that makes a parser loop) is killed, and that page
raises :class:`ExtractionCrashed` at once. The crawl goes on.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import sys
import time
import traceback
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from parsel import Selector

from core.catalogue.outlets import Outlet
from core.settings import PROJECT_ROOT
from crawlers.extraction import extract_article, looks_malformed

__all__ = ["ExtractionCrashed", "Extracted", "Extractor", "extract_page"]

logger = logging.getLogger(__name__)
TRIES = 2  # a page is sent to a worker at most this often
TIMEOUT = 60.0  # seconds a worker may spend on one page
WORKER = [sys.executable, "-m", "crawlers.extractor"]


class ExtractionCrashed(RuntimeError):
    """The worker process extracting a page died, on every try."""


@dataclass(frozen=True)
class Extracted:
    """One page's record, whether its markup hid the content, and the time it took."""

    record: dict[str, Any]
    malformed: bool
    seconds: float


def extract_page(
    html: str,
    url: str,
    base_url: str,
    outlet: Outlet,
    hints: Mapping[str, str | None] | None = None,
) -> Extracted:
    """Parse ``html`` as Scrapy's ``response.selector`` would and extract its article."""
    started = time.perf_counter()
    tree = Selector(text=html, type="html", base_url=base_url).root
    record = extract_article(tree, url, outlet, hints)
    malformed = not (record["title"] and record["body"]) and looks_malformed(tree)
    return Extracted(record, malformed, time.perf_counter() - started)


# ------------------------------------------------------------------ crawl side
@dataclass
class _Job:
    url: str
    payload: bytes
    future: asyncio.Future[Extracted]
    deaths: int = 0  # workers that died while extracting this page
    why: str = ""  # how the last one died


@dataclass
class _Worker:
    process: asyncio.subprocess.Process
    sent: deque[_Job] = field(default_factory=deque)  # answered in this order
    reading: asyncio.Task[None] | None = None
    since: float = 0.0  # when (loop time) the worker got to its first page in ``sent``
    watch: asyncio.TimerHandle | None = None
    timed_out: bool = False


class Extractor:
    """Extract pages in ``workers`` processes (started on first use), or inline with 0.

    Spiders that share it call :meth:`open` when they start and await :meth:`close` when
    they finish; the workers stop with the last one. ``command`` starts a worker (tests pass
    one that dies); ``timeout`` bounds a worker's time on one page.
    """

    def __init__(self, workers: int, command: Sequence[str] = WORKER,
                 timeout: float = TIMEOUT) -> None:
        self.workers = max(0, workers)
        self.command = list(command)
        self.timeout = timeout
        self.deaths = 0  # workers lost while working
        self._pool: list[_Worker] = []
        self._starting = asyncio.Lock()
        self._users = 0

    def open(self) -> None:
        self._users += 1

    async def extract(
        self,
        html: str,
        url: str,
        base_url: str,
        outlet: Outlet,
        hints: Mapping[str, str | None] | None = None,
    ) -> Extracted:
        """The page's :class:`Extracted`; raises what extraction raised, or
        :class:`ExtractionCrashed` when its worker died on every try."""
        if not self.workers:
            return extract_page(html, url, base_url, outlet, hints)
        args = (html, url, base_url, outlet, dict(hints or {}))
        job = _Job(url, pickle.dumps(args, pickle.HIGHEST_PROTOCOL),
                   asyncio.get_running_loop().create_future())
        await self._send(job)
        return await job.future

    async def _send(self, job: _Job) -> None:
        async with self._starting:
            if len(self._pool) < self.workers:
                self._pool.append(await self._start_worker())
        worker = min(self._pool, key=lambda w: len(w.sent))
        if not worker.sent:
            worker.since = asyncio.get_running_loop().time()
            self._watch(worker)
        worker.sent.append(job)
        assert worker.process.stdin is not None
        worker.process.stdin.write(len(job.payload).to_bytes(4, "big") + job.payload)

    async def _start_worker(self) -> _Worker:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT),
                                                          env.get("PYTHONPATH")]))
        process = await asyncio.create_subprocess_exec(
            *self.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        worker = _Worker(process)
        worker.reading = asyncio.create_task(self._answers(worker))
        return worker

    async def _answers(self, worker: _Worker) -> None:
        """Hand each answer to the page waiting for it, until the worker's output ends."""
        out = worker.process.stdout
        assert out is not None
        while True:
            try:
                answer = await out.readexactly(int.from_bytes(await out.readexactly(4), "big"))
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            job = worker.sent.popleft()
            worker.since = asyncio.get_running_loop().time()
            try:
                ok, value = pickle.loads(answer)
                if ok:
                    job.future.set_result(Extracted(*value))
                else:
                    job.future.set_exception(value)
            except Exception as exc:  # noqa: BLE001 - a garbled answer fails its page only
                if not job.future.done():
                    job.future.set_exception(exc)
        await worker.process.wait()
        if worker in self._pool:
            self._pool.remove(worker)
        if worker.sent:
            await self._resend(worker)

    def _watch(self, worker: _Worker) -> None:
        """Kill ``worker`` if it is still on its current page ``timeout`` s after it began."""
        def check(since: float) -> None:
            worker.watch = None
            if not worker.sent or worker.process.returncode is not None:
                return
            if worker.since != since:
                self._watch(worker)  # on another page now: watch that one
            else:
                worker.timed_out = True
                worker.process.kill()

        if worker.watch is None:
            worker.watch = asyncio.get_running_loop().call_at(
                worker.since + self.timeout, check, worker.since)

    async def _resend(self, worker: _Worker) -> None:
        """The worker died: its current page counts a death, the others are sent again."""
        self.deaths += 1
        head = worker.sent[0]
        if worker.timed_out:  # that page will not do better elsewhere
            head.deaths, head.why = TRIES, f"took longer than {self.timeout:g} s"
        else:
            head.deaths += 1
            times = " twice" if head.deaths > 1 else ""
            head.why = f"died{times} (exit status {worker.process.returncode})"
        logger.warning("extraction worker %s %s on %s with %d page(s) in hand; sending %s to "
                       "another worker", worker.process.pid, head.why, head.url,
                       len(worker.sent), "them" if head.deaths < TRIES else "the others")
        while worker.sent:
            job = worker.sent.popleft()
            if job.future.done():
                continue
            if job.deaths >= TRIES or self._users <= 0:
                job.future.set_exception(ExtractionCrashed(
                    f"the extraction worker {job.why or 'was stopped'} on this page"))
            else:
                await self._send(job)

    async def close(self) -> None:
        """One user less; the last one stops the workers (they exit at end of input)."""
        self._users -= 1
        if self._users > 0:
            return
        pool, self._pool = self._pool, []
        for worker in pool:
            if worker.watch is not None:
                worker.watch.cancel()
            if worker.process.stdin is not None:
                worker.process.stdin.close()
        for worker in pool:
            if worker.reading is not None:
                await worker.reading


# ------------------------------------------------------------------ worker side
def _warm_up() -> None:
    """Load what a worker's first extraction would load lazily (dateparser's data)."""
    outlet = Outlet(name="warmup", display_name="warmup", domains=["example.org"],
                    sitemaps=["http://example.org/s.xml"], article_url_pattern="/a/",
                    timezone="Asia/Beirut")
    page = ("<html><head><title>عنوان</title></head><body><h1>عنوان</h1>"
            "<p>الخميس 21 أيار 2015 - 10:30</p><p>نص الخبر.</p></body></html>")
    extract_page(page, "http://example.org/a/1", "http://example.org/a/1", outlet)


def _answer(job: bytes) -> bytes:
    try:
        page = extract_page(*pickle.loads(job))
        answer: tuple[bool, Any] = (True, (page.record, page.malformed, page.seconds))
    except Exception as exc:  # noqa: BLE001 - sent back, raised in the crawl process
        exc.add_note("in the extraction worker:\n" + traceback.format_exc())
        answer = (False, exc)
    try:
        return pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an exception that cannot be pickled
        text = traceback.format_exception_only(answer[1])[-1].strip()
        return pickle.dumps((False, RuntimeError(text)), pickle.HIGHEST_PROTOCOL)


def serve(source: BinaryIO, sink: BinaryIO) -> None:
    """Answer framed pages from ``source`` on ``sink``, in order, until ``source`` ends."""
    _warm_up()
    while head := source.read(4):
        payload = source.read(int.from_bytes(head, "big"))
        answer = _answer(payload)
        sink.write(len(answer).to_bytes(4, "big") + answer)
        sink.flush()


def main() -> int:
    """``python -m crawlers.extractor``: a worker on its stdin and stdout."""
    sink = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, not into the answers
    serve(sys.stdin.buffer, sink)
    return 0


if __name__ == "__main__":
    sys.exit(main())
