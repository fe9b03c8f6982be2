"""The analysts' page as served over HTTP: RTL, escaping, facets, chips, histogram, paging."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from tests.helpers import catalogue
from tests.test_web_server import LiveServer, load_fixture_index, serve
from web.app import HERE, templates


@pytest.fixture(scope="module")
def server(es_client) -> Iterator[LiveServer]:
    """The fixture articles, and the app on a real uvicorn without an access token."""
    load_fixture_index(es_client)
    with serve(es_client) as live:
        yield live


class Page(HTMLParser):
    """Tags with their attributes, and the text inside the <mark>s, of one HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.marks: list[str] = []
        self.text: list[str] = []
        self._in_mark = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_mark = tag == "mark"

    def handle_endtag(self, tag):
        self._in_mark = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_mark:
            self.marks.append(data)

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.tags if t == tag
                and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def links(self, css_class: str | None = None) -> list[dict]:
        return [a for a in self.find("a") if css_class is None or a.get("class") == css_class]


def fetch(server, status: int = 200, **params) -> tuple[str, Page]:
    resp = httpx.get(server.url + "/", params=params, timeout=30)
    assert resp.status_code == status, resp.text[:500]
    assert resp.headers["content-type"].startswith("text/html")
    return resp.text, Page(resp.text)


def query(href: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(href).query)


def test_arabic_right_to_left_and_no_scripts(server):
    html, page = fetch(server)
    assert re.search(r'<html lang="ar" dir="rtl">', html)
    assert page.find("meta", charset="utf-8")
    assert not page.find("script")  # works without JavaScript
    form = page.find("form")[0]
    assert form["method"] == "get" and form["action"] == "/"
    assert page.find("input", name="q", type="search")


def test_hostile_title_and_body_show_as_text(server):
    html, page = fetch(server, q="داعش")
    assert "<script" not in html.lower()
    assert "<img" not in html.lower() and "<b>" not in html
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in html  # the title, escaped
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the snippet, escaped by search()
    text = "".join(page.text)
    assert '<script>alert("title")</script> خبر <b>مريب</b> عن داعش' in text  # shown as text
    # the snippet's own markup survives: the one value the template marks safe
    assert "داعش" in page.marks and "لداعش" in page.marks


def test_only_the_snippet_is_marked_safe():
    sources = {p.name: p.read_text("utf-8") for p in (HERE / "templates").glob("*.html")}
    uses = [(name, line.strip()) for name, src in sources.items()
            for line in src.splitlines() if "safe" in line and "{{" in line]
    assert uses == [("search.html", '<p class="snippet" dir="auto">{{ hit.snippet | safe }}</p>')]
    assert not any("autoescape false" in src for src in sources.values())
    env = templates()
    assert env.autoescape is True
    rendered = env.from_string("{{ x }}").render(x="<b>&</b>")
    assert rendered == "&lt;b&gt;&amp;&lt;/b&gt;"


def test_result_links_open_the_originals_safely(server):
    _, page = fetch(server, q="التحالف")
    originals = [a for a in page.links() if a.get("href", "").startswith("https://news.example/")]
    assert len(originals) == 20
    assert all(a["target"] == "_blank" and a["rel"] == "noopener noreferrer" for a in originals)


def test_facets_with_counts_add_and_remove_filters(server):
    html, page = fetch(server, q="التحالف")
    facet_links = [a["href"] for a in page.links() if "place=" in a.get("href", "")]
    mosul = next(h for h in facet_links if ("place", "mosul") in query(h))
    assert query(mosul) == [("q", "التحالف"), ("place", "mosul")]
    assert re.search(r'href="[^"]*place=mosul"[^>]*>[^<]+</a> <span class="count">6</span>', html)
    labels = {t.id: t.label_ar for t in catalogue().taxonomy().topics}
    assert f'">{labels["coalition"]}</a> <span class="count">23</span>' in html  # Arabic label
    assert '">الجزيرة نت</a>' in html  # outlet display name

    html, page = fetch(server, **dict(query(mosul)))
    assert "6 نتيجة" in html
    chips = page.links("chip")
    assert len(chips) == 1 and query(chips[0]["href"]) == [("q", "التحالف")]
    active = re.search(r'<li class="active"><a href="([^"]+)">', html)
    assert active and ("place", "mosul") not in query(active.group(1).replace("&amp;", "&"))
    # a second facet keeps the first filter
    elnashra = next(a["href"] for a in page.links() if "outlet=elnashra" in a.get("href", ""))
    assert query(elnashra) == [("q", "التحالف"), ("place", "mosul"), ("outlet", "elnashra")]
    html, _ = fetch(server, **_multi(query(elnashra)))
    assert "2 نتيجة" in html


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out


def test_histogram_is_an_inline_svg(server):
    _, page = fetch(server)
    svg = page.find("svg")
    assert len(svg) == 1 and svg[0]["role"] == "img"
    assert len(page.find("rect")) == 3  # April, May, June 2015 (monthly buckets)


def test_paging_links(server):
    html, page = fetch(server, q="التحالف")
    assert "23 نتيجة — الصفحة 1 من 2" in html
    assert not page.find("a", rel="prev")
    nxt = page.find("a", rel="next")[0]["href"]
    assert query(nxt) == [("q", "التحالف"), ("offset", "20")]
    html, page = fetch(server, **dict(query(nxt)))
    assert "الصفحة 2 من 2" in html and not page.find("a", rel="next")
    assert page.find("ol", start="21")
    assert len([a for a in page.links() if a.get("target") == "_blank"]) == 3
    prev = page.find("a", rel="prev")[0]["href"]
    assert query(prev) == [("q", "التحالف")]


def test_bad_parameter_shows_the_reason_on_the_page(server):
    html, page = fetch(server, status=400, q="داعش", since="أمس")
    assert 'role="alert"' in html and "since: expected a number and a unit" in html
    assert page.find("input", name="q", value="داعش")  # the form is still there


@pytest.mark.parametrize("q", ['"<i>x</i>', "' onmouseover='x", "{{ 7*7 }}"])
def test_the_query_is_echoed_escaped(server, q):
    html, page = fetch(server, q=q)
    assert page.find("input", name="q", value=q)
    assert "<i>" not in html


def test_stylesheet_is_the_only_subresource(server):
    css = Path(HERE / "static" / "style.css").read_text("utf-8")
    assert "@import" not in css and "url(" not in css
    _, page = fetch(server)
    assert [a["href"] for a in page.find("link", rel="stylesheet")] == ["/static/style.css"]
    assert not page.find("img") and not page.find("iframe")


def test_period_and_sort_show_as_removable_filters(server):
    html, page = fetch(server, q="التحالف", since="10000d", sort="date")
    chips = {a["href"]: a for a in page.links("chip")}
    assert len(chips) == 2
    assert "منذ: 10000d" in html and "الأحدث أولاً" in html
    assert [query(h) for h in chips] == [[("q", "التحالف"), ("sort", "date")],
                                         [("q", "التحالف"), ("since", "10000d")]]
    kept = page.find("option", value="10000d")  # kept for the next submit
    assert len(kept) == 1 and "selected" in kept[0]
    assert "23 نتيجة" in html
