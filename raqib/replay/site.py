"""The replay site's content: routes for two outlet layouts, listings and bad inputs.

Everything is rendered once the server knows its base URL (absolute links in
canonical tags, feeds and sitemaps). Paths:

* ``/sada/…``  modern outlet: JSON-LD + OpenGraph, UTF-8, ``/sada/rss.xml`` (ETag and
  Last-Modified, answers 304), ``/sada/section/politics`` (articles, bad inputs,
  non-article links), ``/sada/feed-broken.xml`` (HTML where a feed should be).
* ``/manbar/…`` old table layout in windows-1256, date only in visible text,
  ``/manbar/sitemap.xml`` (index) → ``/manbar/sitemap-news.xml``, ``/manbar/index.php?cat=iraq``.
* ``/slow/`` a listing whose only article answers after ``SLOW_SECONDS`` (timeouts).
* ``/gen/…``  ``generated`` synthetic articles and ``/gen/sitemap.xml`` (benchmarks).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).resolve().parent
ARTICLES_FILE = HERE / "articles.yaml"
FEED_LAST_MODIFIED = "Sun, 24 May 2015 15:00:00 GMT"

# Bad inputs on the sada outlet: article id -> the skip reason a crawl must report.
BAD_PAGES: dict[int, str] = {
    9001: "malformed_html",
    9002: "truncated",
    9003: "too_large",
    9004: "binary_content",
    9005: "redirect_loop",  # 9005 -> 9006 -> 9005
    9007: "http_404",  # broken link
    9008: "no_title",
    9009: "empty_body",
    9010: "bad_date",
    9011: "robots_forbidden",
}
BROKEN_FEED = "/sada/feed-broken.xml"
NON_ARTICLE_PATHS = (
    "/sada/about",
    "/sada/contact",
    "/sada/privacy",
    "/sada/tag/1",
    "/sada/section/reports",
    "/sada/section/politics?page=2",
    "/manbar/contact.php",
    "/manbar/archive.php",
)
HUGE_SIZE = 10 * 1024 * 1024
SLOW_SECTION, SLOW_PAGE, SLOW_SECONDS = "/slow/", "/slow/news/1", 3.0


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_length: int | None = None  # announce more than we send (truncation)
    stream: Callable[[], Any] | None = None  # yields chunks (huge page)
    delay: float = 0.0  # seconds before answering (timeouts)


def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        keep_trailing_newline=True,
    )


def _jsonld(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")


class Site:
    """All routes of one replay server instance (see module docstring)."""

    def __init__(self, base_url: str, sample_text: str | None = None, generated: int = 0) -> None:
        self.base = base_url.rstrip("/")
        self.env = _env()
        data = yaml.safe_load(ARTICLES_FILE.read_text(encoding="utf-8"))
        self.sada = [self._sada_article(a) for a in data["sada"]]
        self.manbar = [self._manbar_article(a) for a in data["manbar"]]
        if sample_text:
            sample = dict(data["sample"])
            sample["paragraphs"] = [
                p.strip() for p in sample_text.strip().split("\n\n") if p.strip()
            ]
            self.manbar.append(self._manbar_article(sample))
        self.generated = generated
        self.flaky_paths = {a["path"] for a in self.sada if a.get("flaky")}  # 503 once, then 200
        self.flaky_done: set[str] = set()
        self.routes: dict[str, Response] = {}
        self._build()

    # ----------------------------------------------------------- articles
    def _sada_article(self, a: dict[str, Any]) -> dict[str, Any]:
        a = dict(a, outlet="sada", path=f"/sada/news/{a['id']}")
        a["canonical"] = self.base + a["path"]
        a["image_url"] = self.base + a["image"]
        published = datetime.fromisoformat(a["published"])
        a["rfc822"] = format_datetime(published)
        a["time_attr"] = (
            published.replace(tzinfo=None).isoformat() if a.get("jsonld_naive") else a["published"]
        )
        a["time_label"] = f"{published.day} {published.month}/{published.year}"
        article = {
            "@type": "NewsArticle",
            "headline": a["title"],
            "description": a["lead"],
            "author": {"@type": "Person", "name": a["author"]},
            "publisher": {"@type": "Organization", "name": "صدى المشرق"},
            "image": {"@type": "ImageObject", "url": a["image_url"]},
            "articleSection": a["section"],
            "keywords": a["keywords"],
            "mainEntityOfPage": {"@type": "WebPage", "@id": a["canonical"]},
            "inLanguage": "ar",
        }
        if not a.get("date_text"):
            article["datePublished"] = a["time_attr"]
        if a.get("modified"):
            article["dateModified"] = a["modified"]
        if a.get("jsonld_graph"):
            ld = {
                "@context": "https://schema.org",
                "@graph": [
                    {"@type": "WebPage", "@id": a["canonical"], "name": a["title"]},
                    article,
                    {
                        "@type": "BreadcrumbList",
                        "itemListElement": [
                            {"@type": "ListItem", "position": 1, "name": "الرئيسية"}
                        ],
                    },
                ],
            }
        else:
            ld = {"@context": "https://schema.org", **article}
        a["jsonld"] = _jsonld(ld)
        return a

    def _manbar_article(self, a: dict[str, Any]) -> dict[str, Any]:
        return dict(a, outlet="manbar", path=f"/manbar/article.php?id={a['id']}")

    def expected(self) -> list[dict[str, Any]]:
        """The records a crawl of this site must produce (minus ``id`` and ``crawled_at``)."""
        out = []
        for a in self.sada:
            out.append(
                {
                    "url": self.base + a["path"],
                    "canonical_url": a["canonical"],
                    "outlet": "sada",
                    "outlet_name": "صدى المشرق",
                    "title": a["title"],
                    "lead": " ".join(a["lead"].split()),
                    "body": "\n\n".join(a["paragraphs"]),
                    "author": a["author"],
                    "section": a["section"],
                    "image": a["image_url"],
                    "keywords": a["keywords"],
                    "published_at": a["published"],
                    "modified_at": a.get("modified"),
                    "story": a.get("story"),
                }
            )
        for a in self.manbar:
            url = self.base + a["path"]
            out.append(
                {
                    "url": url,
                    "canonical_url": url,
                    "outlet": "manbar",
                    "outlet_name": "المنبر",
                    "title": a["title"],
                    "lead": None,
                    "body": "\n\n".join(a["paragraphs"]),
                    "author": a["author"],
                    "section": a["section"],
                    "image": None,
                    "keywords": a["keywords"],
                    "published_at": a["published"],
                    "modified_at": None,
                    "story": a.get("story"),
                }
            )
        return out

    # ----------------------------------------------------------- routes
    def _html(
        self,
        template: str,
        encoding: str = "utf-8",
        header_charset: bool = True,
        bom: bool = False,
        **ctx: Any,
    ) -> Response:
        text = self.env.get_template(template).render(base=self.base, **ctx)
        body = text.encode(encoding, errors="xmlcharrefreplace")
        if bom:
            body = b"\xef\xbb\xbf" + body
        ctype = f"text/html; charset={encoding}" if header_charset else "text/html"
        return Response(body=body, headers={"Content-Type": ctype})

    def _related(self, articles: list[dict[str, Any]], a: dict[str, Any]) -> list[dict[str, Any]]:
        return [r for r in articles if r["id"] != a["id"]][:3]

    def _build(self) -> None:
        r = self.routes
        for a in self.sada:
            r[a["path"]] = self._html(
                "sada_article.html",
                header_charset=not a.get("bom"),
                bom=bool(a.get("bom")),
                a=a,
                related=self._related(self.sada, a),
            )
        for a in self.manbar:
            header = a.get("charset_in_header", False)
            r[a["path"]] = self._html(
                "manbar_article.html",
                encoding="windows-1256",
                header_charset=header,
                a=a,
                related=self._related(self.manbar, a),
            )
        self._build_listings()
        self._build_bad_inputs()
        for path in NON_ARTICLE_PATHS:
            r.setdefault(path, self._html("sada_section.html", title="صفحة", links=[]))
        r["/robots.txt"] = Response(
            body=(
                "User-agent: *\nDisallow: /sada/news/9011\nDisallow: /private/\n"
                f"Sitemap: {self.base}/manbar/sitemap.xml\n"
            ).encode(),
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )

    def _build_listings(self) -> None:
        r = self.routes
        rss = self.env.get_template("sada_rss.xml").render(base=self.base, articles=self.sada)
        body = rss.encode("utf-8")
        r["/sada/rss.xml"] = Response(
            body=body,
            headers={
                "Content-Type": "application/rss+xml; charset=utf-8",
                "ETag": '"' + hashlib.sha1(body).hexdigest()[:16] + '"',
                "Last-Modified": FEED_LAST_MODIFIED,
            },
        )
        links = [{"href": a["path"], "text": a["title"]} for a in self.sada]
        links += [{"href": f"/sada/news/{i}", "text": f"خبر رقم {i}"} for i in BAD_PAGES]
        links += [{"href": p, "text": "صفحة"} for p in NON_ARTICLE_PATHS[:4]]
        links.append({"href": "http://elsewhere.invalid/sada/news/1", "text": "موقع آخر"})
        r["/sada/section/politics"] = self._html("sada_section.html", title="سياسة", links=links)
        r[BROKEN_FEED] = self._html("sada_section.html", title="الخدمة غير متاحة مؤقتاً", links=[])

        xml = self.env.get_template("manbar_sitemap_index.xml").render(base=self.base)
        r["/manbar/sitemap.xml"] = Response(
            body=xml.encode(), headers={"Content-Type": "application/xml"}
        )
        xml = self.env.get_template("manbar_sitemap_news.xml").render(
            base=self.base, articles=self.manbar
        )
        r["/manbar/sitemap-news.xml"] = Response(
            body=xml.encode(),
            headers={"Content-Type": "application/xml", "Last-Modified": FEED_LAST_MODIFIED},
        )
        iraq = [{"href": a["path"], "text": a["title"]} for a in self.manbar if a["cat"] == "iraq"]
        iraq += [{"href": "/manbar/contact.php", "text": "اتصل بنا"}]
        r["/manbar/index.php?cat=iraq"] = self._html(
            "manbar_section.html", encoding="windows-1256", title="العراق", cat="iraq", links=iraq
        )

    def _build_bad_inputs(self) -> None:
        r = self.routes
        utf8 = {"Content-Type": "text/html; charset=utf-8"}
        r["/sada/news/9001"] = Response(
            headers=utf8,
            body=(
                "<html<head<title>خبر<//title<<body>>>><div class=>><p>>داعش << تدمر <<"
                "</div</p<<<span>> ١ ٢ <<</html".encode()
            ),
        )
        page = self.routes["/sada/news/101"].body
        r["/sada/news/9002"] = Response(
            headers=utf8, body=page[: len(page) // 3], content_length=len(page)
        )
        r["/sada/news/9003"] = Response(headers=utf8, content_length=HUGE_SIZE, stream=_huge_chunks)
        rnd = random.Random(9004)
        r["/sada/news/9004"] = Response(
            headers=utf8, body=b"\x89PNG\r\n\x1a\n" + rnd.randbytes(8192)
        )
        r["/sada/news/9005"] = Response(status=302, headers={"Location": "/sada/news/9006"})
        r["/sada/news/9006"] = Response(status=302, headers={"Location": "/sada/news/9005"})
        body = "".join(f"<p>{p}</p>" for p in self.sada[0]["paragraphs"])
        r["/sada/news/9008"] = _page(
            "", f'<time datetime="2015-05-25T10:00:00+03:00">25/5/2015</time>{body}'
        )
        r["/sada/news/9009"] = _page(
            "<title>فيديو | صدى المشرق</title>",
            "<h1>فيديو: جولة في شوارع كوباني</h1>"
            '<time datetime="2015-02-01T12:00:00+02:00">1/2/2015</time>'
            '<video src="/sada/media/kobani.mp4" controls></video>',
        )
        r["/sada/news/9010"] = _page(
            "<title>خبر بلا تاريخ</title>",
            f'<h1>خبر بلا تاريخ واضح</h1><span class="date">منذ قليل</span>{body}',
        )
        r["/sada/news/9011"] = self.routes["/sada/news/102"]
        # a page slower than any sane DOWNLOAD_TIMEOUT, on its own listing (not in sada's)
        r[SLOW_SECTION] = self._html(
            "sada_section.html", title="بطيء", links=[{"href": SLOW_PAGE, "text": "بطيء"}]
        )
        r[SLOW_PAGE] = Response(
            headers=utf8, body=self.routes["/sada/news/103"].body, delay=SLOW_SECONDS
        )

    # ----------------------------------------------------------- generated (bench)
    @cached_property
    def _paragraph_pool(self) -> list[str]:
        return [p for a in self.sada + self.manbar for p in a["paragraphs"]]

    def generated_page(self, n: int) -> Response:
        """Synthetic article ``n`` in the modern layout (deterministic)."""
        rnd = random.Random(n)
        base = self.sada[n % len(self.sada)]
        paragraphs = rnd.sample(self._paragraph_pool, k=min(6, len(self._paragraph_pool)))
        a = dict(
            base,
            id=n,
            path=f"/gen/news/{n}",
            paragraphs=paragraphs,
            title=f"{base['title']} ({n})",
            canonical=f"{self.base}/gen/news/{n}",
        )
        a["jsonld"] = base["jsonld"].replace(base["canonical"], a["canonical"])
        return self._html("sada_article.html", a=a, related=self.sada[:3])

    def generated_sitemap(self) -> Response:
        urls = "".join(
            f"<url><loc>{self.base}/gen/news/{n}</loc></url>" for n in range(1, self.generated + 1)
        )
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        )
        return Response(body=xml.encode(), headers={"Content-Type": "application/xml"})


def _page(head: str, article: str) -> Response:
    """A minimal UTF-8 article page (for the bad-input cases)."""
    html = (
        f'<!doctype html><html lang="ar"><head><meta charset="utf-8">{head}</head>'
        f"<body><main><article>{article}</article></main></body></html>"
    )
    return Response(body=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"})


def _huge_chunks():
    chunk = ("<p>" + "حشو " * 1000 + "</p>\n").encode()
    sent = 0
    while sent < HUGE_SIZE:
        piece = chunk[: HUGE_SIZE - sent]
        sent += len(piece)
        yield piece
