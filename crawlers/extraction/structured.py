"""Structured metadata of a page: JSON-LD (via extruct), OpenGraph and plain meta tags."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from extruct.jsonld import JsonLdExtractor
from extruct.opengraph import OpenGraphExtractor
from lxml.html import HtmlElement

ARTICLE_TYPES = frozenset(
    {
        "NewsArticle",
        "Article",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "Report",
        "ScholarlyArticle",
    }
)

# Who publishes the page: their names are never the article's author or part of its title.
SITE_TYPES = frozenset(
    {"WebSite", "Organization", "NewsMediaOrganization", "Corporation", "WebPage"}
)

_jsonld = JsonLdExtractor()
_opengraph = OpenGraphExtractor()


@dataclass
class PageMeta:
    """What a page says about itself, before any guessing from its text."""

    jsonld: dict[str, Any] = field(default_factory=dict)
    og: dict[str, list[str]] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    canonical: str | None = None
    publishers: list[str] = field(default_factory=list)  # JSON-LD site/publisher names

    def og1(self, prop: str) -> str | None:
        values = self.og.get(prop)
        return values[0] if values else None


def _types(node: dict[str, Any]) -> set[str]:
    t = node.get("@type", ())
    return {t} if isinstance(t, str) else {x for x in t if isinstance(x, str)}


def _walk(data: Any):
    """Every dict in a JSON-LD structure (handles @graph and nested lists)."""
    if isinstance(data, dict):
        yield data
        for value in data.values():
            if isinstance(value, (list, dict)):
                yield from _walk(value)
    elif isinstance(data, list):
        for value in data:
            yield from _walk(value)


def _jsonld_items(tree: HtmlElement, base_url: str) -> list[Any]:
    try:
        return list(_jsonld.extract_items(tree, base_url=base_url))
    except Exception:  # broken JSON in a script tag is common; it is just absent data
        return []


def _article(items: list[Any]) -> dict[str, Any]:
    for node in _walk(items):
        if _types(node) & ARTICLE_TYPES:
            return node
    return {}


def _publishers(items: list[Any], article: dict[str, Any]) -> list[str]:
    """Names the page gives itself in JSON-LD: the article's publisher, the site, the org."""
    names: list[str] = []
    nodes = [article.get("publisher"), article.get("sourceOrganization")]
    nodes += [n for n in _walk(items) if _types(n) & SITE_TYPES and n is not article]
    for node in nodes:
        for one in node if isinstance(node, list) else [node]:
            if isinstance(one, dict):
                if "WebPage" in _types(one):  # a page is not a name, its site is
                    one = one.get("isPartOf") if isinstance(one.get("isPartOf"), dict) else {}
                for key in ("name", "alternateName"):
                    value = one.get(key)
                    names += [value] if isinstance(value, str) else []
    return list(dict.fromkeys(n.strip() for n in names if n and n.strip()))


def article_jsonld(tree: HtmlElement, base_url: str) -> dict[str, Any]:
    """The first JSON-LD object typed as an article (NewsArticle, Article, …), or ``{}``."""
    return _article(_jsonld_items(tree, base_url))


def read_meta(tree: HtmlElement, base_url: str) -> PageMeta:
    """Collect JSON-LD article data, OpenGraph properties, meta names and the canonical link."""
    items = _jsonld_items(tree, base_url)
    article = _article(items)
    page = PageMeta(jsonld=article, publishers=_publishers(items, article))
    try:
        for block in _opengraph.extract_items(tree, base_url=base_url):
            for prop, value in block["properties"]:
                if value.strip():
                    page.og.setdefault(prop, []).append(value.strip())
    except Exception:
        pass
    for el in tree.iterfind(".//meta"):
        key = (el.get("name") or el.get("itemprop") or el.get("property") or "").strip().lower()
        content = (el.get("content") or "").strip()
        if key and content and key not in page.meta:
            page.meta[key] = content
    for el in tree.iterfind(".//link"):
        if "canonical" in (el.get("rel") or "").lower().split() and el.get("href"):
            page.canonical = urljoin(base_url, el.get("href").strip())
            break
    return page


def text_of(value: Any) -> str | None:
    """A JSON-LD value as plain text: strings, ``{"name": …}`` objects, lists of either."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return text_of(value.get("name") or value.get("@value") or value.get("url"))
    if isinstance(value, list):
        parts = [t for t in (text_of(v) for v in value) if t]
        return "، ".join(dict.fromkeys(parts)) if parts else None
    return str(value)


def url_of(value: Any) -> str | None:
    """A JSON-LD image/url value (string, ImageObject, list) as one URL."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return url_of(value.get("url") or value.get("contentUrl") or value.get("@id"))
    if isinstance(value, list) and value:
        return url_of(value[0])
    return None
