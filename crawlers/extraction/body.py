"""Main text: trafilatura on the page (or on the outlet's body selector), as paragraphs.

Three passes: trafilatura's fast precise pass; for a thin result its full precise
pass (fallback extractors); for a result still empty or thin a recall pass, kept
only when it passes the boilerplate rules below and holds real sentences. Every
pass then loses what trafilatura lets through on Arabic pages: "اقرأ أيضاً" lines
and lists, comment policies, copyright lines and trailing teasers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from copy import copy
from functools import lru_cache

import lxml.html
import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Extractor

_SPACES = re.compile(r"[ \t\u00a0\u200f\u200e]+")


def paragraphs(text: str | None) -> list[str]:
    """Non-empty lines of extracted text, whitespace collapsed."""
    if not text:
        return []
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


# Below this many characters the fast pass may have missed the article: let
# trafilatura's fallback extractors (readability, jusText), then its recall mode, try.
THIN_BODY_CHARS = 400

# "اقرأ أيضاً: …", "إقرأ المزيد", "شاهد أيضا": a pointer to other pages, alone or inline.
_READ_ALSO = re.compile(
    r"^\s*(?:(?:ا|إ|أ)قر(?:أ|ا|ء)|طالع|شاهد|تابع|اطلع|إطلع)\s*"
    r"(?:أيضا|أيضاً|ايضا|ايضاً|أيضًا|المزيد)(?![\u0621-\u064A])|^\s*(?:read (?:also|more)|see also)",
    re.I,
)
# The heading of a list of other pages: "مواضيع ذات صلة", "الأكثر قراءة", "قد يعجبك" …
_LIST_HEADING = re.compile(
    r"^\s*(?:(?:مواضيع|مقالات|أخبار|اخبار|موضوعات|قصص)\s+(?:ذات صلة|متعلقة|مشابهة|أخرى|ساخنة)"
    r"|ذات صلة|اخترنا لكم|اخترنا لك|الأكثر قراءة|الأكثر تصفحا|الأكثر تصفحاً|الأكثر مشاهدة"
    r"|قد يعجبك|قد يهمك|الموضوعات المتعلقة|المزيد من|related)",
    re.I,
)
# "تابعونا على تلغرام", "حمّل تطبيق …": the outlet's own promotion.
_PROMO = re.compile(
    r"^\s*(?:تابعوا|تابعونا|تابع|لمتابعة|اشترك|اشتركوا|للاشتراك|انضم|انضموا|حمل|حمّل|نزل|نزّل)"
    r"(?![\u0621-\u064A]).{0,120}(?:تلغرام|تيليغرام|تيلجرام|تلجرام|واتساب|واتس اب|تويتر|فيسبوك"
    r"|فيس بوك|يوتيوب|إنستغرام|انستغرام|إنستجرام|تطبيق|قناتنا|قناة|نشرتنا|النشرة البريدية"
    r"|أخبار جوجل|جوجل نيوز|google news)",
    re.I,
)
_POLICY = (
    "التعليقات", "تعليقك", "تعليقات القراء", "بتعليقات", "الآراء الواردة", "لا تعبر عن رأي",
    "لا تعبّر عن رأي", "لا يعبر عن رأي", "لا تمثل رأي", "وجهات نظر أصحابها", "شروط الاستخدام",
    "شروط استخدام", "سياسة الخصوصية", "إرشادات الاستخدام", "مشاركاتك", "الألفاظ النابية",
    "أضف تعليق", "اترك تعليق", "comment",
)
_COPYRIGHT = re.compile(r"جميع الحقوق محفوظة|حقوق النشر|©|all rights reserved", re.I)
_SENTENCE_END = re.compile(r"[.!?؟…»\"”:)]\s*$")
_NO_LETTERS = re.compile(r"^[\W\d_]*$")


@lru_cache(maxsize=8)
def _options(precision: bool, fast: bool, recall: bool) -> Extractor:
    """trafilatura's settings, read once: building them from its config file on every
    call took a tenth of a page's extraction."""
    return Extractor(output_format="txt", fast=fast, precision=precision, recall=recall,
                     comments=False, tables=False, dedup=False)


def _trafilatura(tree: HtmlElement, url: str | None, precision: bool,
                 fast: bool = False, recall: bool = False) -> list[str]:
    options = copy(_options(precision, fast, recall))
    options.url = options.source = url
    # trafilatura works on its own copy of the tree
    return paragraphs(trafilatura.extract(tree, options=options))


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


def _is_sentence(line: str) -> bool:
    """A line of running text: it ends like a sentence, or it is long."""
    words = len(line.split())
    return words >= 20 or (words >= 5 and bool(_SENTENCE_END.search(line)))


def _policy(line: str, needed: int = 2) -> bool:
    """A comment policy or disclaimer: ``needed`` of its stock phrases in one paragraph."""
    low = line.casefold()
    return sum(1 for marker in _POLICY if marker in low) >= needed


def drop_boilerplate(
    lines: list[str], is_link: Callable[[str], bool] | None = None
) -> list[str]:
    """Lines without "read also" pointers and their lists, policies, copyright and teasers.

    A "read also" line or list heading takes the link-like lines under it along;
    comment policies and teasers (headline-like lines that are link texts, given
    ``is_link``) go from the end of the text, where outlets put them.
    """
    kept: list[str] = []
    in_list = False
    for line in lines:
        words = len(line.split())
        if (_READ_ALSO.match(line) and words <= 25) or (_LIST_HEADING.match(line) and words <= 6):
            in_list = True
            continue
        if in_list and not _is_sentence(line):
            continue
        in_list = False
        if (
            (_COPYRIGHT.search(line) and len(line) < 200)
            or _NO_LETTERS.match(line)
            or (_PROMO.match(line) and words <= 30)
            or _policy(line, needed=3)
        ):
            continue
        kept.append(line)
    while kept and _policy(kept[-1]):
        kept.pop()
    tail = 0
    while tail < len(kept) and not _is_sentence(kept[-1 - tail]):
        tail += 1
    if 2 <= tail < len(kept) and is_link is not None:  # teasers: links after the text
        while kept and not _is_sentence(kept[-1]) and is_link(kept[-1]):
            kept.pop()
    while kept and _policy(kept[-1]):
        kept.pop()
    return kept


def _link_texts(tree: HtmlElement) -> Callable[[str], bool]:
    """A test for "this line is the text of one of the page's links" (menus, teasers).

    The page's links are read the first time the test is used.
    """
    texts: set[str] = set()

    def is_link(line: str) -> bool:
        if not texts:
            texts.update(" ".join(a.text_content().split()) for a in tree.iter("a"))
            texts.add("")
        return line in texts

    return is_link


def _recall(tree: HtmlElement, url: str | None) -> list[str]:
    """trafilatura's recall pass, less link texts and short labels, if it holds sentences."""
    is_link = _link_texts(tree)
    lines = [
        line
        for line in drop_boilerplate(_trafilatura(tree, url, precision=False, recall=True), is_link)
        if not is_link(line) and (len(line.split()) > 3 or _SENTENCE_END.search(line))
    ]
    return lines if any(_is_sentence(line) and len(line.split()) >= 6 for line in lines) else []


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
        return drop_boilerplate(
            _trafilatura(doc, url, precision=False)
            or paragraphs("\n".join(doc.find(".//article").itertext())),
            _link_texts(doc),
        )
    # The fast pass (no fallback extractors) takes 2.6 ms instead of 4.4 ms a page
    # (bench/crawl.py); thin results get the full treatment, then the recall pass.
    is_link = _link_texts(tree)
    body = drop_boilerplate(_trafilatura(tree, url, precision=True, fast=True), is_link)
    if sum(map(len, body)) < THIN_BODY_CHARS:
        body = drop_boilerplate(_trafilatura(tree, url, precision=True), is_link) or body
    if sum(map(len, body)) < THIN_BODY_CHARS:
        recall = _recall(tree, url)
        if sum(map(len, recall)) > sum(map(len, body)) and set(body) <= set(recall):
            body = recall
    return body
