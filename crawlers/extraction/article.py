"""From one HTML page to an article record (docs/architecture.md: the article record).

Each field is taken from the most explicit source first: the outlet's CSS
override, then JSON-LD (NewsArticle/Article), then OpenGraph and meta tags, then
the page itself (``<h1>``, ``<time>``, trafilatura for the body, date patterns on
the visible text). Missing fields stay ``None``/empty; deciding whether the
record is good enough to keep is the item pipeline's job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from htmldate import find_date
from lxml.html import HtmlElement

from core.catalogue.outlets import Outlet
from core.urls import article_id, clean_url, on_domains
from crawlers.extraction.body import extract_body, paragraphs
from crawlers.extraction.bylines import (
    BYLINE,
    around,
    clean_authors,
    headline_element,
    page_byline,
)
from crawlers.extraction.dates import (
    find_text_date,
    find_text_dates,
    has_clock,
    isoformat,
    parse_machine_date,
)
from crawlers.extraction.names import SiteNames, clean_title, fold, site_names, split_title
from crawlers.extraction.structured import PageMeta, read_meta, text_of, url_of

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
AUTHOR_META = ("author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author")
_CHROME = "ancestor::header or ancestor::nav or ancestor::footer or ancestor::aside"
_DATEISH = (
    "//*[contains(@class,'date') or contains(@class,'time') or contains(@class,'publish')"
    f" or contains(@id,'date') or contains(@class,'dateline')][not(self::time)][not({_CHROME})]"
)
_VISIBLE_TEXT = (
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    f" or {_CHROME})]"
)
UTC_ZONE = ZoneInfo("UTC")
ORGANIZATION_TYPES = frozenset(
    {"Organization", "NewsMediaOrganization", "Corporation", "WebSite", "Brand"}
)
# Where a dateline may be: short lines by the headline (a paragraph is not a dateline).
DATELINE_CHARS = 150
# A date further ahead than this is a typo or a countdown, not a publication date.
FUTURE_SLACK = timedelta(days=1)


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


def _near_date(near: list[tuple[HtmlElement, str]], outlet: Outlet) -> datetime | None:
    """The dateline among the short lines around the headline, if any."""
    text = " ".join(t for _, t in near if len(t) <= DATELINE_CHARS)
    found = find_text_dates(text, outlet.tz, limit=1)
    return found[0] if found else None


def _published(
    tree: HtmlElement,
    meta: PageMeta,
    outlet: Outlet,
    url: str,
    hint: str | None,
    near: list[tuple[HtmlElement, str]],
    now: datetime,
) -> datetime | None:
    """Machine dates first; then the outlet's selector, the dateline by the headline,
    date-classed blocks outside the page chrome, the visible text, the feed, htmldate.

    A machine date without a time of day takes the dateline's time when both say the
    same day; dates in the future are passed over.
    """
    tz, latest = outlet.tz, now + FUTURE_SLACK

    def ok(value: datetime | None) -> bool:
        return value is not None and value <= latest

    for value in (
        text_of(meta.jsonld.get("datePublished")),
        *(meta.og1(k) or meta.meta.get(k) for k in PUBLISHED_META),
        *tree.xpath("//time[@pubdate or @itemprop='datePublished']/@datetime"),
        *tree.xpath("//time/@datetime")[:1],
    ):
        parsed = parse_machine_date(value, tz, outlet.utc_is_local)
        if ok(parsed):
            if has_clock(value):
                return parsed
            dateline = _near_date(near, outlet)  # read only when needed: it costs the most
            if (
                ok(dateline)
                and dateline.date() == parsed.date()
                and (dateline.hour, dateline.minute) != (0, 0)
            ):
                return dateline
            return parsed
    selected = find_text_date(_css_text(tree, outlet.selectors.date), tz)
    if ok(selected):
        return selected
    dateline = _near_date(near, outlet)
    if ok(dateline):
        return dateline
    for text in (
        _xpath_text(tree, _DATEISH),
        " ".join(tree.xpath(_VISIBLE_TEXT))[:20000],
    ):
        for parsed in find_text_dates(text, tz):
            if ok(parsed):
                return parsed
    parsed = parse_machine_date(hint, tz)
    if ok(parsed):
        return parsed
    found = find_date(tree, url=url, extensive_search=False, original_date=True)
    parsed = parse_machine_date(found, tz)
    return parsed if ok(parsed) else None


def _modified(meta: PageMeta, outlet: Outlet) -> datetime | None:
    for value in (
        text_of(meta.jsonld.get("dateModified")),
        *(meta.og1(k) or meta.meta.get(k) for k in MODIFIED_META),
    ):
        parsed = parse_machine_date(value, outlet.tz, outlet.utc_is_local)
        if parsed:
            return parsed
    return None


def _author(
    tree: HtmlElement,
    meta: PageMeta,
    outlet: Outlet,
    sites: SiteNames,
    near: list[tuple[HtmlElement, str]],
    body: list[str],
) -> str | None:
    """The outlet's selector, JSON-LD, meta tags, then bylines by the headline or atop the body."""
    for value in (
        _css_text(tree, outlet.selectors.author),
        text_of(_people(meta.jsonld.get("author"))),
        text_of(_people(meta.jsonld.get("creator"))),
        *(meta.meta.get(k) for k in AUTHOR_META),
    ):
        found = clean_authors(value, sites)
        if found:
            return found
    found = page_byline(near, sites)
    if found:
        return found
    if body and BYLINE.match(body[0]):
        head = body[0] if len(body[0]) <= 80 else re.split(r"[:\-–]", body[0][:60])[0]
        if head != body[0][:60]:
            return clean_authors(head, sites, need_prefix=True)
    return None


def _people(value: Any) -> Any:
    """A JSON-LD author value without the organisations in it (a publisher is no author)."""
    if isinstance(value, list):
        return [v for v in value if _people(v) is not None]
    if isinstance(value, dict):
        kind = value.get("@type")
        kinds = {kind} if isinstance(kind, str) else set(kind or ())
        if kinds & ORGANIZATION_TYPES:
            return None
    return value


def _titles(
    tree: HtmlElement, meta: PageMeta, outlet: Outlet, url: str, hint: str | None
) -> tuple[str | None, HtmlElement | None, SiteNames]:
    """The title without the site's name, the headline element, and the site's names."""
    ld, sel = meta.jsonld, outlet.selectors
    h1s = [_clean_space(h.text_content()) for h in tree.iter("h1")][:3]
    doc_title = _xpath_text(tree, "//title")
    shown = None if h1s else _shown_segment(tree, doc_title)
    if shown is not None:
        h1s.append(_clean_space(shown.text))
    declared = [
        text_of(ld.get("headline")),
        text_of(ld.get("name")),
        meta.og1("og:title"),
        meta.meta.get("twitter:title"),
    ]
    sites = site_names(meta, outlet, url, [*declared, doc_title, *h1s])
    selected = clean_title(_css_text(tree, sel.title), sites)
    cleaned = [clean_title(t, sites) for t in declared]
    reference = next(
        (t for t in [selected, *cleaned, clean_title(doc_title, sites)] if t), None
    )
    headline = headline_element(tree, reference)
    if headline is None:
        headline = shown
    title = next(
        (
            t
            for t in (
                selected,
                *cleaned[:3],
                clean_title(headline.text_content(), sites) if headline is not None else None,
                cleaned[3],
                clean_title(doc_title, sites),
                clean_title(hint, sites),
            )
            if t
        ),
        None,
    )
    return title, headline, sites


def _shown_segment(tree: HtmlElement, doc_title: str | None) -> HtmlElement | None:
    """Without an ``<h1>``: the element showing one part of ``Site - Headline`` by itself.

    Old table layouts put the headline in a ``<b>`` or ``<font>``; finding which part
    of the ``<title>`` the page shows tells the headline from the site's name.
    """
    if not doc_title:
        return None
    parts = {p for p in split_title(fold(doc_title)) if len(p.split()) >= 2}
    body = tree.find("body")
    if len(parts) < 2 or body is None:
        return None
    for el in body.iter():
        if isinstance(el.tag, str) and el.text and _clean_space(el.text) in parts:
            return el
    return None


def _header_line(line: str, author: str | None) -> bool:
    """A dateline or byline line that trafilatura kept at the top of the body."""
    if len(line) > 100 or line.rstrip().endswith((".", "!", "?", "؟")):
        return False  # a short sentence is text, whatever it starts with
    if author and author.split("، ")[0] in line or BYLINE.match(line) and len(line) <= 60:
        return True
    return len(line.split()) <= 10 and bool(find_text_dates(line, UTC_ZONE, limit=1))


def _clean_space(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


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
    now = (now or datetime.now(UTC)).astimezone(UTC)
    sel = outlet.selectors
    meta = read_meta(tree, url)
    ld = meta.jsonld
    title, headline, sites = _titles(tree, meta, outlet, url, hints.get("title"))
    near = around(headline) if headline is not None else []
    lead = _first(
        _css_text(tree, sel.lead),
        ld.get("description"),
        meta.og1("og:description"),
        meta.meta.get("description"),
    )
    lead = fold(lead) or None
    body = extract_body(tree, url, sel.body) or paragraphs(text_of(ld.get("articleBody")))
    while body and body[0] in (title, lead):  # headline/standfirst repeated at the top
        body = body[1:]
    author = _author(tree, meta, outlet, sites, near, body)
    while body and _header_line(body[0], author):  # the dateline/byline above the text
        body = body[1:]
    canonical = _canonical(meta, url, outlet)
    image = url_of(ld.get("image")) or meta.og1("og:image") or meta.meta.get("twitter:image")
    section = _first(
        _css_text(tree, sel.section), ld.get("articleSection"), meta.og1("article:section")
    )
    if section and isinstance(ld.get("articleSection"), list) and not sel.section:
        section = text_of(ld["articleSection"][0])
    published = _published(tree, meta, outlet, url, hints.get("published_at"), near, now)
    return {
        "id": article_id(canonical),
        "url": url,
        "canonical_url": canonical,
        "outlet": outlet.name,
        "outlet_name": outlet.display_name,
        "title": title,
        "lead": lead,
        "body": "\n\n".join(body),
        "author": author,
        "section": section,
        "image": urljoin(url, image) if image else None,
        "keywords": _keywords(meta),
        "published_at": isoformat(published),
        "modified_at": isoformat(_modified(meta, outlet)),
        "crawled_at": isoformat(now),
    }
