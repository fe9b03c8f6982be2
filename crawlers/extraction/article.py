"""From one HTML page to an article record (see DESIGN: Article record).

Each field is taken from the most explicit source first: the outlet's CSS
override, then JSON-LD (NewsArticle/Article), then OpenGraph and meta tags, then
the page itself (``<h1>``, ``<time>``, trafilatura for the body, dateparser on
the visible text). Missing fields stay ``None``/empty; deciding whether the
record is good enough to keep is the item pipeline's job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from htmldate import find_date
from lxml.html import HtmlElement

from crawlers.config import Outlet
from crawlers.extraction.body import extract_body, paragraphs
from crawlers.extraction.dates import find_text_date, isoformat, parse_machine_date
from crawlers.extraction.structured import PageMeta, read_meta, text_of, url_of
from crawlers.urls import article_id, clean_url, on_domains

PUBLISHED_META = (
    "article:published_time",
    "datepublished",
    "og:published_time",
    "pubdate",
    "publishdate",
    "publish-date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
)
MODIFIED_META = ("article:modified_time", "datemodified", "og:updated_time", "dcterms.modified")
_BYLINE = re.compile(r"^\s*(?:بقلم|كتب|كتبت|كتبه|إعداد|اعداد|تقرير|by)\s*[:：\-–]?\s*", re.I)
_DATEISH = (
    "//*[contains(@class,'date') or contains(@class,'time') or contains(@class,'publish')"
    " or contains(@id,'date') or contains(@class,'dateline')][not(self::time)]"
)
_VISIBLE_TEXT = "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"


def _first(*values: Any) -> str | None:
    for value in values:
        text = text_of(value)
        if text:
            return re.sub(r"\s+", " ", text).strip()
    return None


def _css_text(tree: HtmlElement, selector: str | None) -> str | None:
    if not selector:
        return None
    parts = [" ".join(el.itertext()) for el in tree.cssselect(selector)]
    text = re.sub(r"\s+", " ", " ".join(parts)).strip()
    return text or None


def _xpath_text(tree: HtmlElement, path: str) -> str | None:
    for el in tree.xpath(path):
        text = re.sub(r"\s+", " ", el.text_content()).strip()
        if text:
            return text
    return None


def _strip_site_name(title: str | None, outlet: Outlet) -> str | None:
    """``"Headline | النشرة"`` → ``"Headline"`` (only when the outlet's name is a part)."""
    if not title:
        return title
    parts = re.split(r"\s+[|\-–—:]\s+", title)
    kept = [p for p in parts if p.strip() != outlet.display_name]
    return " - ".join(kept).strip() if kept and len(kept) < len(parts) else title


def _keywords(meta: PageMeta) -> list[str]:
    raw = meta.jsonld.get("keywords")
    values: list[str] = []
    if isinstance(raw, list):
        values = [text_of(v) or "" for v in raw]
    elif isinstance(raw, str):
        values = re.split(r"[,،]", raw)
    if not any(v.strip() for v in values):
        values = meta.og.get("article:tag", [])
    if not any(v.strip() for v in values):
        values = re.split(r"[,،]", meta.meta.get("keywords", ""))
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def _canonical(meta: PageMeta, url: str, outlet: Outlet) -> str:
    for candidate in (
        meta.canonical,
        url_of(meta.jsonld.get("url")),
        url_of(meta.jsonld.get("mainEntityOfPage")),
        meta.og1("og:url"),
    ):
        if not candidate:
            continue
        absolute = urljoin(url, candidate)
        if urlsplit(absolute).scheme in ("http", "https") and on_domains(absolute, outlet.domains):
            return clean_url(absolute)
    return clean_url(url)


def _published(
    tree: HtmlElement, meta: PageMeta, outlet: Outlet, url: str, hint: str | None
) -> datetime | None:
    tz = outlet.tz
    for value in (
        text_of(meta.jsonld.get("datePublished")),
        *(meta.og1(k) or meta.meta.get(k) for k in PUBLISHED_META),
        *tree.xpath("//time[@pubdate or @itemprop='datePublished']/@datetime"),
        *tree.xpath("//time/@datetime")[:1],
    ):
        parsed = parse_machine_date(value, tz)
        if parsed:
            return parsed
    for text in (
        _css_text(tree, outlet.selectors.date),
        _xpath_text(tree, _DATEISH),
        " ".join(tree.xpath(_VISIBLE_TEXT))[:20000],
    ):
        parsed = find_text_date(text, tz)
        if parsed:
            return parsed
    parsed = parse_machine_date(hint, tz)
    if parsed:
        return parsed
    found = find_date(tree, url=url, extensive_search=False, original_date=True)
    return parse_machine_date(found, tz)


def _modified(meta: PageMeta, outlet: Outlet) -> datetime | None:
    for value in (
        text_of(meta.jsonld.get("dateModified")),
        *(meta.og1(k) or meta.meta.get(k) for k in MODIFIED_META),
    ):
        parsed = parse_machine_date(value, outlet.tz)
        if parsed:
            return parsed
    return None


def _author(tree: HtmlElement, meta: PageMeta, outlet: Outlet) -> str | None:
    author = _first(
        _css_text(tree, outlet.selectors.author),
        meta.jsonld.get("author"),
        meta.meta.get("author"),
        meta.meta.get("article:author")
        if "://" not in meta.meta.get("article:author", "")
        else None,
    )
    if author:
        author = _BYLINE.sub("", author).strip() or None
    return author


def extract_article(
    tree: HtmlElement,
    url: str,
    outlet: Outlet,
    hints: Mapping[str, str | None] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Build an article record from a parsed page.

    ``tree`` is the page's lxml HTML tree (e.g. ``response.selector.root``);
    ``hints`` may carry ``published_at`` / ``title`` from the feed or sitemap
    entry that linked to the page, used only when the page itself says nothing.
    """
    hints = hints or {}
    sel = outlet.selectors
    meta = read_meta(tree, url)
    ld = meta.jsonld
    title = _first(
        _css_text(tree, sel.title),
        ld.get("headline"),
        ld.get("name"),
        meta.og1("og:title"),
        _xpath_text(tree, "//h1"),
        _strip_site_name(_xpath_text(tree, "//title"), outlet),
        hints.get("title"),
    )
    lead = _first(
        _css_text(tree, sel.lead),
        ld.get("description"),
        meta.og1("og:description"),
        meta.meta.get("description"),
    )
    body = extract_body(tree, url, sel.body) or paragraphs(text_of(ld.get("articleBody")))
    while body and body[0] in (title, lead):  # headline/standfirst repeated at the top
        body = body[1:]
    canonical = _canonical(meta, url, outlet)
    image = url_of(ld.get("image")) or meta.og1("og:image") or meta.meta.get("twitter:image")
    section = _first(
        _css_text(tree, sel.section), ld.get("articleSection"), meta.og1("article:section")
    )
    if section and isinstance(ld.get("articleSection"), list) and not sel.section:
        section = text_of(ld["articleSection"][0])
    published = _published(tree, meta, outlet, url, hints.get("published_at"))
    return {
        "id": article_id(canonical),
        "url": url,
        "canonical_url": canonical,
        "outlet": outlet.name,
        "outlet_name": outlet.display_name,
        "title": title,
        "lead": lead,
        "body": "\n\n".join(body),
        "author": _author(tree, meta, outlet),
        "section": section,
        "image": urljoin(url, image) if image else None,
        "keywords": _keywords(meta),
        "published_at": isoformat(published),
        "modified_at": isoformat(_modified(meta, outlet)),
        "crawled_at": isoformat((now or datetime.now(UTC)).astimezone(UTC)),
    }
