"""Main text: trafilatura on the page (or on the outlet's body selector), as paragraphs."""

from __future__ import annotations

import re

import lxml.html
import trafilatura
from lxml.html import HtmlElement

_SPACES = re.compile(r"[ \t\u00a0\u200f\u200e]+")


def paragraphs(text: str | None) -> list[str]:
    """Non-empty lines of extracted text, whitespace collapsed."""
    if not text:
        return []
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


# Below this many characters the fast pass may have missed the article: let
# trafilatura's fallback extractors (readability, jusText) try as well.
THIN_BODY_CHARS = 400


def _trafilatura(tree: HtmlElement, url: str | None, precision: bool,
                 fast: bool = False) -> list[str]:
    text = trafilatura.extract(
        tree,  # trafilatura works on its own copy of the tree
        url=url,
        include_comments=False,
        include_tables=False,
        favor_precision=precision,
        deduplicate=False,
        fast=fast,
    )
    return paragraphs(text)


def _selected(tree: HtmlElement, selector: str) -> HtmlElement | None:
    """The elements matched by ``selector``, moved into a minimal article document."""
    nodes = tree.cssselect(selector)
    if not nodes:
        return None
    doc = lxml.html.document_fromstring("<html><body><article></article></body></html>")
    article = doc.find(".//article")
    for node in nodes:
        clone = lxml.html.fromstring(lxml.html.tostring(node, encoding="unicode"))
        clone.tag = "div"
        clone.tail = None
        article.append(clone)
    return doc


def extract_body(
    tree: HtmlElement, url: str | None = None, selector: str | None = None
) -> list[str]:
    """Body paragraphs, without navigation, share bars, related lists or footers.

    With a ``selector`` (an outlet override), only the matched elements are read;
    boilerplate inside them is still removed by trafilatura, and their plain text
    is the fallback when trafilatura finds the fragment too short to judge.
    """
    if selector:
        doc = _selected(tree, selector)
        if doc is None:
            return []
        return _trafilatura(doc, url, precision=False) or paragraphs(
            "\n".join(doc.find(".//article").itertext())
        )
    # The fast pass (no fallback extractors) takes 2.6 ms instead of 4.4 ms a page
    # (bench/crawl.py); thin results get the full treatment.
    body = _trafilatura(tree, url, precision=True, fast=True)
    if sum(map(len, body)) < THIN_BODY_CHARS:
        body = _trafilatura(tree, url, precision=True) or body
    return body
