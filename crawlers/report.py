"""Skip reasons and their bookkeeping in the crawler's stats.

Every page or item that does not end up in the landing archive is *skipped*
with one reason, counted under ``raqib/skipped/<reason>`` and logged with its
URL (the first URLs per reason are also kept, under ``raqib/skipped_urls/``).
"""

from __future__ import annotations

import logging

from scrapy.statscollectors import StatsCollector

logger = logging.getLogger("crawlers.skipped")

# item-level: the page was fetched but is not a usable article
NO_TITLE, EMPTY_BODY, BAD_DATE = "no_title", "empty_body", "bad_date"
BINARY, MALFORMED = "binary_content", "malformed_html"
# fetch-level
TOO_LARGE, TRUNCATED, REDIRECT_LOOP, TIMEOUT = "too_large", "truncated", "redirect_loop", "timeout"
CONNECTION, DOWNLOAD, ROBOTS = "connection_error", "download_error", "robots_forbidden"
BAD_FEED, BAD_SITEMAP, NOT_HTML = "bad_feed", "bad_sitemap", "not_html"
# the extraction worker died on the page (twice): not the page's fault for sure, tried next run
EXTRACTION_CRASHED = "extraction_crashed"

# reasons that count as errors in the summary (the others are the site's content)
ERROR_REASONS = frozenset(
    {TOO_LARGE, TRUNCATED, REDIRECT_LOOP, TIMEOUT, CONNECTION, DOWNLOAD, BAD_FEED, BAD_SITEMAP,
     EXTRACTION_CRASHED}
)
# reasons after which a URL is not worth fetching again in later runs
PERMANENT_REASONS = frozenset(
    {NO_TITLE, EMPTY_BODY, BAD_DATE, BINARY, MALFORMED, NOT_HTML, TOO_LARGE, "http_404", "http_410"}
)
URLS_KEPT_PER_REASON = 50


def is_error(reason: str) -> bool:
    return reason in ERROR_REASONS or (reason.startswith("http_") and reason != "http_304")


def note_skip(stats: StatsCollector, reason: str, url: str, detail: str = "") -> None:
    """Count, remember and log one skipped page."""
    stats.inc_value(f"raqib/skipped/{reason}")
    if is_error(reason):
        stats.inc_value("raqib/errors")
    urls = stats.get_value(f"raqib/skipped_urls/{reason}") or []
    if len(urls) < URLS_KEPT_PER_REASON:
        stats.set_value(f"raqib/skipped_urls/{reason}", [*urls, url])
    logger.warning("skipped (%s): %s%s", reason, url, f" [{detail}]" if detail else "")
