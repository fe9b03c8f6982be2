"""Item pipelines: validate article records, then land them (shared landing index, or a
JSONL folder with ``raqib crawl --landing DIR``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers import report
from crawlers.landing import LandingWriter, landing_path
from state.landing import Batch, BatchWriter
from state.store import StateError


class SkipItem(DropItem):
    """An item that is not written, with the reason why."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.url = url


def skip_reason(item: dict[str, Any]) -> str | None:
    """Why a record cannot be kept (no title, empty body, no date), or ``None``."""
    if not item.get("title"):
        return report.NO_TITLE
    if not (item.get("body") or "").strip():
        return report.EMPTY_BODY
    if not item.get("published_at"):
        return report.BAD_DATE
    return None


class ValidateArticlePipeline:
    """Drop records without a title, with an empty body or without a parseable date."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidateArticlePipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        reason = skip_reason(item)
        if reason:
            report.note_skip(self.crawler.stats, reason, item["url"])
            self.crawler.spider.remember(item["url"], reason)
            raise SkipItem(reason, item["url"])
        return item


class LandingPipeline:
    """Land records as one batch per outlet and run, published on close.

    The batch goes to the shared landing index (:mod:`state.landing`), or — when
    ``RAQIB_LANDING_DIR`` is set — to ``<landing>/<day>/<outlet>-<run>.jsonl``. The
    spider's seen URLs are committed only after the batch is published.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.writer: LandingWriter | BatchWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LandingPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        s = self.crawler.settings
        run_id = s.get("RAQIB_RUN_ID") or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        outlet = self.crawler.spider.outlet.name
        if s.get("RAQIB_LANDING_DIR"):
            day = datetime.strptime(run_id[:8], "%Y%m%d").date()
            self.writer = LandingWriter(landing_path(Path(s["RAQIB_LANDING_DIR"]), day, outlet,
                                                     run_id))
        else:
            self.writer = BatchWriter(self.crawler.spider.client, f"{outlet}-{run_id}", outlet)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        assert self.writer is not None
        self.writer.write(dict(item))
        self.crawler.stats.inc_value("raqib/articles_written")
        spider = self.crawler.spider
        spider.remember(item["url"], "written")
        spider.remember(item["canonical_url"], "written")
        return item

    def close_spider(self) -> None:
        assert self.writer is not None
        try:
            landed = self.writer.close()
        except StateError as exc:  # nothing is marked seen: the articles come again next run
            self.crawler.stats.set_value("raqib/landing_error", str(exc))
            self.crawler.stats.inc_value("raqib/errors")
            return
        if isinstance(landed, Batch):
            self.crawler.stats.set_value("raqib/landing_batch", landed.id)
        elif landed:
            self.crawler.stats.set_value("raqib/landing_file", str(landed))
        self.crawler.spider.commit_state()
