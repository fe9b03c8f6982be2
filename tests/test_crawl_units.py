"""Crawler building blocks on their own: dates, URLs, listings, page checks, state, landing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from parsel import Selector

from core.catalogue.outlets import parse_outlets
from core.urls import article_id, clean_url, on_domains, url_key
from crawlers.extraction import (
    extract_article,
    find_text_date,
    is_binary,
    localise,
    looks_malformed,
    parse_machine_date,
)
from crawlers.extraction.dates import isoformat
from crawlers.landing import LandingWriter
from crawlers.listings import NotAListing, feed_links, sitemap_links

BEIRUT = ZoneInfo("Asia/Beirut")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("الخميس ٢١ أيار ٢٠١٥ - ١٠:٣٠", "2015-05-21T10:30:00+03:00"),
        ("21 أيار 2015", "2015-05-21T00:00:00+03:00"),
        ("السبت ۲۱ تشرين الثاني ۲۰۱۵ الساعة ۹:۰۵ م", "2015-11-21T21:05:00+02:00"),
        ("كانون الثاني 2015 ... 8 كانون الثاني 2015", "2015-01-08T00:00:00+02:00"),
        ("نشر بتاريخ 3 كانون الأول 2014، 07:15", "2014-12-03T07:15:00+02:00"),
        ("21 مايو 2015", "2015-05-21T00:00:00+03:00"),
        ("٥ يونيو ٢٠١٤", "2014-06-05T00:00:00+03:00"),
        ("12 جويلية 2015", "2015-07-12T00:00:00+03:00"),
        ("آخر تحديث: 27/01/2015 09:15", "2015-01-27T09:15:00+02:00"),
        ("2015-04-30", "2015-04-30T00:00:00+03:00"),
    ],
)
def test_visible_text_dates(text: str, expected: str) -> None:
    assert isoformat(find_text_date(text, BEIRUT)) == expected


def test_no_date_in_text() -> None:
    assert find_text_date("منذ قليل", BEIRUT) is None
    assert find_text_date("© 2015 جميع الحقوق محفوظة", BEIRUT) is None


def test_localise_digits_and_months() -> None:
    assert localise("٢١ أيار ٢٠١٥") == "21 May 2015"
    assert localise("۲۰ تشرين الأول") == "20 October"
    assert localise("بابل") == "بابل"  # "اب" inside a word is not August


def test_machine_dates_keep_offset_or_apply_outlet_tz() -> None:
    assert isoformat(parse_machine_date("2015-05-21T10:30:00+03:00", BEIRUT)) == (
        "2015-05-21T10:30:00+03:00"
    )
    assert isoformat(parse_machine_date("2015-05-21T07:30:00Z", BEIRUT)) == (
        "2015-05-21T07:30:00+00:00"
    )
    assert isoformat(parse_machine_date("2015-01-27T09:15:00", BEIRUT)) == (
        "2015-01-27T09:15:00+02:00"
    )
    assert parse_machine_date("Thu, 21 May 2015 07:30:00 GMT", BEIRUT).utcoffset() is not None
    assert parse_machine_date("غير معروف", BEIRUT) is None


def test_urls() -> None:
    url = "http://Example.com/news/show/1?utm_source=rss&id=3&fbclid=x#top"
    assert clean_url(url) == "http://example.com/news/show/1?id=3"
    assert url_key("http://example.com/a?b=2&a=1") == url_key(
        "http://example.com/a?a=1&b=2&utm_medium=x"
    )
    assert article_id("http://example.com/a") == hashlib.sha1(b"http://example.com/a").hexdigest()
    assert on_domains("https://www.elnashra.com/news/show/1", ["elnashra.com"])
    assert on_domains("http://127.0.0.1:8765/x", ["127.0.0.1"])
    assert not on_domains("https://elnashra.com.evil.org/", ["elnashra.com"])


def test_feed_and_sitemap_links() -> None:
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>A & B</title>'
        b"<link>/news/show/1?utm_source=rss</link><pubDate>Thu, 21 May 2015 07:30:00 GMT</pubDate>"
        b'</item><item><guid isPermaLink="true">http://x.org/news/show/2</guid></item></channel></rss>'
    )
    links = feed_links(rss, "http://x.org/rss")
    assert [link.url for link in links] == [
        "http://x.org/news/show/1?utm_source=rss",
        "http://x.org/news/show/2",
    ]
    assert links[0].title == "A & B" and links[0].published.startswith("Thu, 21 May")
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>t</title>'
        b'<link rel="alternate" href="http://x.org/a/1"/><published>2015-05-21T10:00:00Z</published>'
        b"</entry></feed>"
    )
    assert feed_links(atom, "http://x.org/")[0].published == "2015-05-21T10:00:00Z"
    for not_a_feed in (b"<html><body>503</body></html>", b"\x89PNG\x00\x01", b""):
        with pytest.raises(NotAListing):
            feed_links(not_a_feed, "http://x.org/")
    index = (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>http://x.org/news.xml</loc></sitemap></sitemapindex>"
    )
    kind, links = sitemap_links(index, "http://x.org/")
    assert kind == "sitemapindex" and [link.url for link in links] == ["http://x.org/news.xml"]
    with pytest.raises(NotAListing):
        sitemap_links(b"<html></html>", "http://x.org/")


def test_page_checks() -> None:
    assert is_binary(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert not is_binary("<html><body>نص عربي</body></html>".encode())
    assert not is_binary("<html>".encode("utf-16"))
    soup = Selector(text="<html<head<title>x<//title<<body>>>><p>>y <<").root
    assert looks_malformed(soup)
    swallowed = Selector(text="<html><body><!-- <div><p>text</p></div></body></html>").root
    assert looks_malformed(swallowed)
    fine = Selector(text="<html><body><p>نص <b>سليم</b></p></body></html>").root
    assert not looks_malformed(fine)


def test_extract_article_from_plain_html() -> None:
    outlet = parse_outlets(
        {
            "outlets": [
                {
                    "name": "t",
                    "display_name": "تجربة",
                    "domains": ["t.org"],
                    "sections": ["http://t.org/"],
                    "article_url_pattern": "/a/",
                    "timezone": "Asia/Beirut",
                }
            ]
        }
    )[0]
    paragraphs = [
        "الفقرة الأولى عن التحالف الدولي وغاراته على مواقع التنظيم في الرقة " * 3,
        "الفقرة الثانية عن الأكراد ومعركة كوباني وما تلاها من عودة للأهالي " * 3,
    ]
    html = (
        "<html><head><title>عنوان الخبر | تجربة</title><meta name='author' content='كتب: فلان'>"
        "<meta name='keywords' content='داعش، الرقة'></head>"
        "<body><nav><a href='/'>الرئيسية</a></nav>"
        "<article><h1>عنوان الخبر</h1><div class='date'>٢١ أيار ٢٠١٥ ١٠:٣٠</div>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</article><footer>جميع الحقوق محفوظة</footer></body></html>"
    )
    record = extract_article(Selector(text=html).root, "http://t.org/a/1?utm_source=x", outlet)
    assert record["title"] == "عنوان الخبر"
    assert record["author"] == "فلان"
    assert record["keywords"] == ["داعش", "الرقة"]
    assert record["published_at"] == "2015-05-21T10:30:00+03:00"
    assert record["canonical_url"] == "http://t.org/a/1"
    assert record["id"] == article_id("http://t.org/a/1")
    assert record["body"] == "\n\n".join(p.strip() for p in paragraphs)
    assert record["crawled_at"].endswith("+00:00")


def test_landing_writer_is_atomic_and_never_overwrites(tmp_path: Path) -> None:
    final = tmp_path / "2015-05-21" / "x-run1.jsonl"
    writer = LandingWriter(final)
    writer.write({"title": "عنوان"})
    assert not final.exists() and writer.tmp.exists()
    assert writer.close() == final
    assert not writer.tmp.exists()
    assert json.loads(final.read_text(encoding="utf-8")) == {"title": "عنوان"}
    again = LandingWriter(final)
    again.write({"title": "other"})
    with pytest.raises(FileExistsError):
        again.close()
    assert json.loads(final.read_text(encoding="utf-8")) == {"title": "عنوان"}
    empty = LandingWriter(tmp_path / "2015-05-21" / "y-run1.jsonl")
    assert empty.close() is None and not empty.path.exists()


@pytest.mark.parametrize(
    ("fields", "failed"),
    [
        ({"errors": 3, "skipped": {"connection_error": 3}}, True),      # site down
        ({"errors": 2, "articles_written": 5}, False),                   # some pages failed
        ({"errors": 1, "already_seen": 4}, False),                       # nothing new, site up
        ({"errors": 1, "skipped": {"connection_error": 1, "no_title": 1}}, False),
        ({"errors": 0}, False),
    ],
)
def test_outlet_failed_only_when_nothing_shows_the_site_working(fields: dict, failed: bool):
    from crawlers.run import OutletSummary

    assert OutletSummary(outlet="x", **fields).failed is failed


def _page(paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return ("<html><body><nav><a href='/'>الرئيسية</a> <a href='/s'>سياسة</a></nav>"
            f"<article><h1>عنوان</h1>{body}</article>"
            "<footer>جميع الحقوق محفوظة</footer></body></html>")


@pytest.mark.parametrize("count", [2, 8])  # a thin brief takes the fallback pass too
def test_body_paragraphs_without_boilerplate(count: int):
    import lxml.html

    from crawlers.extraction.body import THIN_BODY_CHARS, extract_body

    paras = [f"الفقرة رقم {i} من الخبر عن معارك ريف الرقة وتقدم القوات نحو المدينة." for i in
             range(count)]
    body = extract_body(lxml.html.fromstring(_page(paras)), "https://example.org/news/1")
    assert [p for p in body if p != "عنوان"] == paras  # the headline is dropped later
    assert not any("الرئيسية" in p or "محفوظة" in p for p in body)
    assert (sum(map(len, paras)) < THIN_BODY_CHARS) is (count == 2)
