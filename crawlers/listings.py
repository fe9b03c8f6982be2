"""Article links from feeds (RSS 2.0, RSS 1.0/RDF, Atom) and sitemaps.

Sitemaps are read with Scrapy's own :class:`scrapy.utils.sitemap.Sitemap` (the
parser behind ``SitemapSpider``); feeds with lxml, strictly first and then in
recovery mode, because real feeds often carry a stray ``&``. Anything whose root
is not a feed or sitemap element raises :class:`NotAListing`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree
from scrapy.utils.sitemap import Sitemap

FEED_ROOTS = frozenset({"rss", "feed", "RDF"})


class NotAListing(ValueError):
    """The document is not the feed or sitemap it was supposed to be."""


@dataclass(frozen=True)
class Link:
    """A discovered URL with whatever the listing said about it."""

    url: str
    title: str | None = None
    published: str | None = None


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


_BARE_AMP = re.compile(rb"&(?!#?\w+;)")


def _parse_xml(body: bytes) -> etree._Element:
    body = body.lstrip()
    for recover in (False, True):
        parser = etree.XMLParser(
            recover=recover, resolve_entities=False, no_network=True, remove_comments=True
        )
        try:
            root = etree.fromstring(_BARE_AMP.sub(b"&amp;", body) if recover else body, parser)
        except etree.XMLSyntaxError:
            continue
        if root is not None:
            return root
    raise NotAListing("not XML")


def _child_text(node: etree._Element, *names: str) -> str | None:
    for child in node:
        if _local(child.tag) in names and child.text and child.text.strip():
            return child.text.strip()
    return None


def feed_links(body: bytes, base_url: str) -> list[Link]:
    """Links of the items of an RSS or Atom feed, in feed order."""
    root = _parse_xml(body)
    if _local(root.tag) not in FEED_ROOTS:
        raise NotAListing(f"root element <{_local(root.tag) or '?'}> is not rss, feed or RDF")
    links: list[Link] = []
    for node in root.iter():
        kind = _local(node.tag)
        if kind == "item":  # RSS 2.0 and RSS 1.0
            url = _child_text(node, "link")
            if not url:
                guid = next((c for c in node if _local(c.tag) == "guid"), None)
                if guid is not None and guid.get("isPermaLink", "true") != "false":
                    url = (guid.text or "").strip() or None
            published = _child_text(node, "pubDate", "date", "published")
        elif kind == "entry":  # Atom
            url = next(
                (
                    c.get("href")
                    for c in node
                    if _local(c.tag) == "link" and c.get("rel", "alternate") == "alternate"
                ),
                None,
            )
            published = _child_text(node, "published", "updated")
        else:
            continue
        if url:
            links.append(
                Link(urljoin(base_url, url.strip()), _child_text(node, "title"), published)
            )
    return links


def sitemap_links(body: bytes, base_url: str) -> tuple[str, list[Link]]:
    """``("urlset" | "sitemapindex", links)`` of a sitemap document."""
    try:
        sitemap = Sitemap(body)
        entries = list(sitemap)
    except (etree.XMLSyntaxError, StopIteration):
        raise NotAListing("not XML") from None
    if sitemap.type not in ("urlset", "sitemapindex"):
        raise NotAListing(f"root element <{sitemap.type or '?'}> is not urlset or sitemapindex")
    links = [Link(urljoin(base_url, e["loc"])) for e in entries if e.get("loc")]
    return sitemap.type, links
