"""The digest's HTML part, as received by a real SMTP server, rendered in headless Chromium.

The screenshot is kept in ``test-artifacts/alerts-digest.png`` (the HTML beside it).
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from alerts.digest import run_digests
from indexing.bulk import index_records
from tests.test_alerts_digest import BASE, COALITION, alerts_of, html_of, settings_for, smtp_server

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# Distinct colours and share of non-background pixels of a PNG, measured by the browser.
PIXELS_JS = """async (src) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width; canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, img.width, img.height).data;
  const colours = new Set();
  let inked = 0;
  const bg = [data[0], data[1], data[2]];
  for (let i = 0; i < data.length; i += 4) {
    colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    const d = Math.abs(data[i] - bg[0]) + Math.abs(data[i + 1] - bg[1])
      + Math.abs(data[i + 2] - bg[2]);
    if (d > 30) inked++;
  }
  return {width: img.width, height: img.height, colours: colours.size,
          inked: inked / (data.length / 4)};
}"""


@pytest.fixture
def digest_html(fresh_state, tmp_path: Path) -> str:
    es_client = fresh_state
    index_records(BASE, es_client, refresh=True)
    with smtp_server() as (collector, port):
        summary = run_digests(settings_for(tmp_path, port), alerts=alerts_of(COALITION),
                              client=es_client)
    assert summary.sent == 1
    (msg,) = collector.parsed()
    return html_of(msg)


def test_digest_renders_right_to_left_in_chromium(digest_html: str, artifacts_dir: Path) -> None:
    (artifacts_dir / "alerts-digest.html").write_text(digest_html, encoding="utf-8")
    shot = artifacts_dir / "alerts-digest.png"
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 760, "height": 900})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.route("**/*", lambda route: route.abort())  # an e-mail loads nothing
            page.set_content(digest_html)
            page.screenshot(path=str(shot), full_page=True)

            style = "(e) => getComputedStyle(e).direction"
            assert page.eval_on_selector("html", style) == "rtl"
            assert page.eval_on_selector("body", style) == "rtl"
            assert page.eval_on_selector_all(
                "article.story", f"els => els.map({style})") == ["rtl"] * 4

            # right-to-left in fact: a short title hugs the right edge of its card
            box = page.eval_on_selector("article.story h2 a", """a => {
                const r = a.getBoundingClientRect();
                const c = a.closest('article').getBoundingClientRect();
                return {left: r.left - c.left, right: c.right - r.right};
            }""")
            assert box["right"] < 40 < box["left"], box

            marks = page.eval_on_selector_all("mark", "els => els.map(e => e.textContent)")
            assert "التحالف" in marks and "الدولي" in marks
            assert page.eval_on_selector("mark", "e => getComputedStyle(e).backgroundColor") \
                == "rgb(253, 230, 138)"
            chips = page.eval_on_selector_all("article .chip", "els => els.map(e => e.textContent)")
            assert chips and all(c.strip() for c in chips)
            assert page.eval_on_selector(".chip", "e => getComputedStyle(e).borderRadius") != "0px"

            # hostile text stays text: no element, no handler, no dialog
            assert page.eval_on_selector_all("script, img, b, [onmouseover], [onerror]",
                                              "els => els.length") == 0
            page.hover("text=منفذ")
            assert "<script>alert('title')</script>" in page.inner_text("body")
            assert dialogs == []

            png = base64.b64encode(shot.read_bytes()).decode()
            stats = page.evaluate(PIXELS_JS, f"data:image/png;base64,{png}")
        finally:
            browser.close()
    assert stats["width"] == 760 and stats["height"] > 900
    assert stats["colours"] > 50 and 0.02 < stats["inked"] < 0.9, stats
