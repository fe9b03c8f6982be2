"""Item pipelines: validate article records, then archive them in the landing zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers import report
from crawlers.landing import LandingWriter, landing_path


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
    """Write records to ``<landing>/<day>/<outlet>-<run>.jsonl``, published on close.

    The spider's seen-URL store is committed after the file is in place.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.writer: LandingWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LandingPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        s = self.crawler.settings
        run_id = s.get("RAQIB_RUN_ID") or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        day = datetime.strptime(run_id[:8], "%Y%m%d").date()
        outlet = self.crawler.spider.outlet.name
        self.writer = LandingWriter(landing_path(Path(s["RAQIB_LANDING_DIR"]), day, outlet, run_id))

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
        path = self.writer.close()
        if path:
            self.crawler.stats.set_value("raqib/landing_file", str(path))
        self.crawler.spider.commit_state()
