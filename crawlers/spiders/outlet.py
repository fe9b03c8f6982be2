"""The one generic spider: an outlet's config says what to crawl.

Feeds, sitemaps (and sitemap indexes, robots.txt ``Sitemap:`` lines) and
section pages are fetched every run, with conditional GET. The article links
they list are followed when they are on the outlet's domains, match its
``article_url_pattern`` and were not collected in an earlier run. Article
pages become records through :func:`crawlers.extraction.extract_article`, in the
crawl's extraction workers (:mod:`crawlers.extractor`); pages that cannot be used
are skipped with a reason (see :mod:`crawlers.report`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.response import get_base_url
from scrapy.utils.sitemap import sitemap_urls_from_robots
from twisted.internet.error import ConnectError, DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from core.catalogue.outlets import Outlet
from core.urls import clean_url, on_domains
from crawlers import report
from crawlers.extraction import is_binary
from crawlers.extractor import ExtractionCrashed, Extractor
from crawlers.listings import Link, NotAListing, feed_links, sitemap_links
from crawlers.middlewares import CONDITIONAL
from indexing.client import get_client
from state.seen import SeenUrls

LISTING_PRIORITY = 10


def failure_reason(failure: Failure) -> tuple[str, str]:
    """Map a failed request to ``(skip reason, detail)``."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}", ""
    if isinstance(exc, IgnoreRequest):
        msg = str(exc)
        if "robots.txt" in msg:
            return report.ROBOTS, msg
        if "redirect" in msg:
            return report.REDIRECT_LOOP, msg
        return "ignored", msg
    if isinstance(exc, DownloadCancelledError):
        return report.TOO_LARGE, str(exc)
    if isinstance(exc, ResponseDataLossError):
        return report.TRUNCATED, "response shorter than its Content-Length"
    if isinstance(exc, (DownloadTimeoutError, TimeoutError, TCPTimedOutError)):
        return report.TIMEOUT, str(exc)
    if isinstance(
        exc, (DownloadConnectionRefusedError, CannotResolveHostError, ConnectError, DNSLookupError)
    ):
        return report.CONNECTION, str(exc)
    return report.DOWNLOAD, f"{type(exc).__name__}: {exc}"


class OutletSpider(Spider):
    """Crawl one outlet described by an :class:`~core.catalogue.outlets.Outlet`.

    Run it with ``crawler.crawl(outlet=Outlet(...))`` (a dict is validated too), and
    ``extractor=Extractor(n)`` to share extraction workers between spiders (default: inline).
    """

    name = "outlet"

    def __init__(self, outlet: Outlet | dict[str, Any], *args: Any,
                 extractor: Extractor | None = None, **kwargs: Any) -> None:
        outlet = outlet if isinstance(outlet, Outlet) else Outlet.model_validate(outlet)
        kwargs.setdefault("name", f"outlet:{outlet.name}")  # tells crawlers apart in the log
        super().__init__(*args, **kwargs)
        self.outlet = outlet
        self.allowed_domains = list(self.outlet.domains)
        self._pattern = self.outlet.url_regex
        self._links = LinkExtractor(unique=True)  # domains and pattern: see wanted()
        self.extract_seconds: list[float] = []  # per article page, read by crawlers.run
        self.extract = True
        self.extractor = extractor or Extractor(0)
        self.extractor.open()
        self.seen: SeenUrls

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> OutletSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.client = get_client()
        spider.seen = SeenUrls(spider.client)
        spider.extract = crawler.settings.getbool("RAQIB_EXTRACT", True)
        crawler.signals.connect(spider._on_response, signal=signals.response_received)
        crawler.signals.connect(spider._on_request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider._on_closed, signal=signals.spider_closed)
        return spider

    # ------------------------------------------------------------ requests
    async def start(self) -> AsyncIterator[Request]:
        self.seen.load_validators([*self.outlet.feeds, *self.outlet.sitemaps,
                                   *self.outlet.sections])
        for url in self.outlet.feeds:
            yield self._listing(url, self.parse_feed)
        for url in self.outlet.sitemaps:
            yield self._listing(url, self.parse_sitemap)
        for url in self.outlet.sections:
            yield self._listing(url, self.parse_section)

    def _listing(self, url: str, callback: Callable[..., Any]) -> Request:
        """A feed/sitemap/section request: conditional, may live on another host (CDN)."""
        return Request(
            url,
            callback=callback,
            errback=self.on_error,
            priority=LISTING_PRIORITY,
            meta={CONDITIONAL: True, "handle_httpstatus_list": [304], "allow_offsite": True},
        )

    def wanted(self, url: str) -> bool:
        """On the outlet's domains and matching its article pattern."""
        return on_domains(url, self.outlet.domains) and bool(self._pattern.search(url))

    def _articles(self, links: Iterable[Link]) -> Iterable[Request]:
        wanted = [(clean_url(link.url), link) for link in links]
        wanted = [(url, link) for url, link in wanted if self.wanted(url)]
        known = self.seen.known(url for url, _ in wanted)  # one lookup per listing page
        for url, link in wanted:
            if url in known:
                self.crawler.stats.inc_value("raqib/already_seen")
                continue
            hints = {"title": link.title, "published_at": link.published}
            yield Request(
                url, callback=self.parse_article, errback=self.on_error, cb_kwargs={"hints": hints}
            )

    # ------------------------------------------------------------ listings
    def parse_feed(self, response: Response) -> Iterable[Request]:
        if response.status == 304:
            self.crawler.stats.inc_value("raqib/not_modified")
            return
        try:
            links = feed_links(response.body, response.url)
        except NotAListing as exc:
            report.note_skip(self.crawler.stats, report.BAD_FEED, response.url, str(exc))
            return
        yield from self._articles(links)

    def parse_sitemap(self, response: Response) -> Iterable[Request]:
        if response.status == 304:
            self.crawler.stats.inc_value("raqib/not_modified")
            return
        if response.url.endswith("/robots.txt"):
            for url in sitemap_urls_from_robots(response.text, base_url=response.url):
                yield self._listing(url, self.parse_sitemap)
            return
        body = response.body
        if gzip_magic_number(response):
            body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        try:
            kind, links = sitemap_links(body, response.url)
        except NotAListing as exc:
            report.note_skip(self.crawler.stats, report.BAD_SITEMAP, response.url, str(exc))
            return
        if kind == "sitemapindex":
            for link in links:
                yield self._listing(link.url, self.parse_sitemap)
        else:
            yield from self._articles(links)

    def parse_section(self, response: Response) -> Iterable[Request]:
        if response.status == 304:
            self.crawler.stats.inc_value("raqib/not_modified")
            return
        if not isinstance(response, TextResponse):
            report.note_skip(self.crawler.stats, report.NOT_HTML, response.url)
            return
        # link texts on section pages are teasers, not reliable titles: no hints
        yield from self._articles(Link(link.url) for link in self._links.extract_links(response))

    # ------------------------------------------------------------ articles
    async def parse_article(
        self, response: Response, hints: dict[str, str | None]
    ) -> AsyncIterator[dict]:
        if not self.extract:
            return
        url = response.url
        if not isinstance(response, TextResponse):
            self._skip(report.NOT_HTML, url, response.headers.get("Content-Type", b"").decode())
            return
        if is_binary(response.body):
            self._skip(report.BINARY, url, "binary bytes served as text")
            return
        try:
            page = await self.extractor.extract(
                response.text, url, get_base_url(response), self.outlet, hints
            )
        except ExtractionCrashed as exc:
            self._skip(report.EXTRACTION_CRASHED, url, str(exc))
            return
        self.extract_seconds.append(page.seconds)
        if page.malformed:
            self._skip(report.MALFORMED, url)
            return
        self.crawler.stats.inc_value("raqib/articles_extracted")
        yield page.record

    def _skip(self, reason: str, url: str, detail: str = "") -> None:
        report.note_skip(self.crawler.stats, reason, url, detail)
        self.remember(url, reason)

    def on_error(self, failure: Failure) -> None:
        reason, detail = failure_reason(failure)
        self._skip(reason, failure.request.url, detail)

    # ------------------------------------------------------------ state
    def remember(self, url: str, reason: str) -> None:
        """Mark ``url`` as collected, if ``reason`` means it is not worth another fetch."""
        if reason == "written" or reason in report.PERMANENT_REASONS:
            self.seen.add(url, self.outlet.name, reason)

    def commit_state(self) -> None:
        """Persist seen URLs and feed validators (called once the batch landed)."""
        self.seen.commit()

    # ------------------------------------------------------------ signals
    def _on_response(self, response: Response, request: Request, **_: Any) -> None:
        if not response.url.endswith("/robots.txt") or request.meta.get(CONDITIONAL):
            self.crawler.stats.inc_value("raqib/pages_fetched")

    def _on_request_dropped(self, request: Request, **_: Any) -> None:
        """A redirect that comes back to a URL already visited is a loop."""
        chain = request.meta.get("redirect_urls") or []
        if request.url in chain or clean_url(request.url) in map(clean_url, chain):
            self._skip(report.REDIRECT_LOOP, chain[0], " -> ".join([*chain, request.url]))

    async def _on_closed(self, spider: Spider, reason: str) -> None:
        self.client.close()
        await self.extractor.close()
