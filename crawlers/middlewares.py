"""Downloader middleware: conditional GET (ETag / Last-Modified) for listing pages."""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

CONDITIONAL = "raqib_conditional"


class ConditionalGetMiddleware:
    """Send the validators remembered for a feed; remember the new ones it serves.

    Applies to requests whose meta has ``raqib_conditional``; such requests also
    list 304 in ``handle_httpstatus_list`` so the spider sees "not modified".
    Validators are stored through the spider's seen store, committed at the end
    of the run together with the seen URLs.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.meta.get(CONDITIONAL):
            etag, last_modified = self.crawler.spider.seen.validators(request.url)
            if etag:
                request.headers.setdefault("If-None-Match", etag)
            if last_modified:
                request.headers.setdefault("If-Modified-Since", last_modified)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get(CONDITIONAL) and response.status == 200:
            etag = response.headers.get("ETag")
            last_modified = response.headers.get("Last-Modified")
            if etag or last_modified:
                self.crawler.spider.seen.set_validators(
                    request.url,
                    etag.decode("latin-1") if etag else None,
                    last_modified.decode("latin-1") if last_modified else None,
                )
        return response
