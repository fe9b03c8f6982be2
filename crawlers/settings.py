"""Scrapy settings for Raqib's crawlers (the polite production defaults).

``crawlers.run`` loads this module and adds the per-run values (landing
directory, state directory, run id). Tests and benchmarks override a few
values (throttling, timeouts) through ``crawl(..., scrapy_settings=...)``.
"""

from __future__ import annotations

BOT_NAME = "raqib"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

USER_AGENT = (
    "RaqibBot/0.1 (Arabic news monitoring; respects robots.txt; +https://example.org/raqib-bot)"
)
ROBOTSTXT_OBEY = True

# politeness: few parallel requests per site, adaptive delay
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# retries on 5xx, 408/429 and network errors (timeouts included)
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 30
REDIRECT_MAX_TIMES = 10

# an article page is never this large: bigger downloads are cancelled
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawlers.logformatter.ConciseLogFormatter"

# the item pipelines are synchronous, so the items of one response are handled one after
# the other whatever this says; Scrapy starts this many asyncio tasks per response
CONCURRENT_ITEMS = 1

DOWNLOADER_MIDDLEWARES = {"crawlers.middlewares.ConditionalGetMiddleware": 560}
ITEM_PIPELINES = {
    "crawlers.pipelines.ValidateArticlePipeline": 100,
    "crawlers.pipelines.LandingPipeline": 800,
}

# Raqib's own settings (filled in per run by crawlers.run)
RAQIB_LANDING_DIR = ""  # a JSONL folder instead of the shared landing index
RAQIB_RUN_ID = ""
RAQIB_EXTRACT = True  # False: fetch article pages without extracting (benchmark baseline)
