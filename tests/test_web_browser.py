"""The page in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

An analyst types a query, submits, clicks a place facet and sees the filtered results;
screenshots are kept in ``test-artifacts/``. No browser download: Playwright only drives
the system Chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Page

from tests.test_web_server import HOSTILE, TOKEN, LiveServer, load_fixture_index, serve
from web.security import COOKIE


@pytest.fixture(scope="module")
def servers(es_client) -> Iterator[tuple[LiveServer, LiveServer]]:
    """The app without and with an access token, over the fixture articles."""
    load_fixture_index(es_client)
    with serve(es_client) as open_app, serve(es_client, token=TOKEN) as locked_app:
        yield open_app, locked_app


def result_count(page: Page) -> int:
    return page.locator("ol.hits > li").count()


def test_search_then_click_a_facet(servers, page, artifacts_dir):
    server, _ = servers
    page.goto(server.url + "/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert result_count(page) == 20  # everything, newest first

    page.fill("input[name=q]", "التحالف")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/?q=*")
    assert page.locator(".summary").inner_text().startswith("23 نتيجة")
    assert page.locator("mark").count() >= 20
    assert page.locator("mark").first.inner_text() in ("التحالف", "والتحالف")
    # right to left: the brand sits at the right edge, the search field left of it
    brand = page.locator(".brand").bounding_box()
    field = page.locator("input[name=q]").bounding_box()
    assert brand["x"] > 1280 / 2 and field["x"] < brand["x"]
    page.screenshot(path=str(artifacts_dir / "web-search.png"), full_page=True)

    facet = page.locator(".facets a[href*='place=mosul']")
    assert facet.locator("xpath=..").locator(".count").inner_text() == "6"
    facet.click()
    page.wait_for_url("**place=mosul*")
    assert dict(parse_qsl(urlsplit(page.url).query)) == {"q": "التحالف", "place": "mosul"}
    assert result_count(page) == 6
    assert page.locator(".summary").inner_text().startswith("6 نتيجة")
    tags = page.locator("ol.hits .tag.place").all_inner_texts()
    assert len(tags) == 6 and len(set(tags)) == 1
    assert page.locator(".chips a.chip").count() == 2  # the place, and "remove all"
    page.screenshot(path=str(artifacts_dir / "web-search-facet.png"), full_page=True)

    page.locator(".chips a.chip").first.click()  # remove the filter again
    page.wait_for_url(lambda url: "place=" not in url)
    assert page.locator(".summary").inner_text().startswith("23 نتيجة")
    page.locator("a[rel=next]").click()
    page.wait_for_url("**offset=20*")
    assert result_count(page) == 3
    assert page.problems == []


def test_hostile_article_is_inert_text(servers, page):
    server, _ = servers
    page.goto(server.url + "/?q=" + "داعش")
    title = page.locator(f"a[href='{HOSTILE['url']}']")
    assert title.inner_text() == HOSTILE["title"]
    assert title.get_attribute("target") == "_blank"
    assert title.get_attribute("rel") == "noopener noreferrer"
    assert page.locator("ol.hits script, ol.hits img, ol.hits b").count() == 0
    assert page.problems == []  # no alert() ran, no CSP complaint


def test_token_link_opens_the_page_and_leaves_the_address(servers, page, artifacts_dir):
    _, server = servers
    denied = page.goto(server.url + "/")
    assert denied.status == 401 and "الدخول مطلوب" in page.inner_text("h1")
    page.goto(f"{server.url}/?token={TOKEN}&q=داعش")
    assert "token" not in page.url and page.locator("ol.hits > li").count() == 9
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies[COOKIE]["httpOnly"] and cookies[COOKIE]["value"] != TOKEN
    assert page.evaluate("document.cookie") == ""  # HttpOnly: invisible to scripts
    page.locator(".facets a[href*='place=palmyra']").click()
    page.wait_for_url("**place=palmyra*")
    assert result_count(page) == 3  # palmyra: two with لداعش and the hostile one
    page.screenshot(path=str(artifacts_dir / "web-token.png"))
