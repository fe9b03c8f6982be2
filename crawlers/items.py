"""The article record (DESIGN: Article record) as a typed dict."""

from __future__ import annotations

from typing import TypedDict


class ArticleRecord(TypedDict):
    id: str
    url: str
    canonical_url: str
    outlet: str
    outlet_name: str
    title: str | None
    lead: str | None
    body: str
    author: str | None
    section: str | None
    image: str | None
    keywords: list[str]
    published_at: str | None
    modified_at: str | None
    crawled_at: str


RECORD_FIELDS = tuple(ArticleRecord.__annotations__)
