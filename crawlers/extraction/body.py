"""Main text: trafilatura on the page (or on the outlet's body selector), as paragraphs.

Three passes: trafilatura's fast precise pass; for a thin result its full precise
pass (fallback extractors); for a result still empty or thin a recall pass, kept
only when it passes the boilerplate rules below and holds real sentences. Every
pass then loses what trafilatura lets through on Arabic pages: "اقرأ أيضاً" lines
and lists, comment policies, copyright lines and trailing teasers.
"""

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
# trafilatura's fallback extractors (readability, jusText), then its recall mode, try.
THIN_BODY_CHARS = 400

# "اقرأ أيضاً", "إقرأ المزيد", "شاهد أيضا", "مواضيع ذات صلة" …: a pointer to other pages.
_READ_ALSO = re.compile(
    r"^\s*(?:(?:ا|إ|أ)قر(?:أ|ا|ء)|طالع|شاهد|تابع|اطلع|إطلع)\s*(?:أيضا|أيضاً|ايضا|ايضاً|أيضًا|المزيد)"
    r"|^\s*(?:مواضيع|مقالات|أخبار|اخبار|موضوعات|قصص)\s+(?:ذات صلة|متعلقة|مشابهة|أخرى|ساخنة)"
    r"|^\s*(?:ذات صلة|اخترنا لكم|اخترنا لك|الأكثر قراءة|الأكثر تصفحا|الأكثر تصفحاً|الأكثر مشاهدة"
    r"|قد يعجبك|قد يهمك|الموضوعات المتعلقة|المزيد من|read (?:also|more)|related|see also)",
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


def _trafilatura(tree: HtmlElement, url: str | None, precision: bool,
                 fast: bool = False, recall: bool = False) -> list[str]:
    text = trafilatura.extract(
        tree,  # trafilatura works on its own copy of the tree
        url=url,
        include_comments=False,
        include_tables=False,
        favor_precision=precision,
        favor_recall=recall,
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


def _is_sentence(line: str) -> bool:
    """A line of running text: it ends like a sentence, or it is long."""
    words = len(line.split())
    return words >= 20 or (words >= 5 and bool(_SENTENCE_END.search(line)))


def _policy(line: str) -> bool:
    """A comment policy or disclaimer: two of its stock phrases in one paragraph."""
    low = line.casefold()
    return sum(1 for marker in _POLICY if marker in low) >= 2


def drop_boilerplate(lines: list[str]) -> list[str]:
    """Lines without "read also" pointers and their lists, policies, copyright and teasers.

    A "read also" heading takes the short link-like lines under it along; comment
    policies and teasers go from the end of the text, where outlets put them.
    """
    kept: list[str] = []
    in_list = False
    for line in lines:
        if _READ_ALSO.match(line) and len(line.split()) <= 25:
            in_list = True
            continue
        if in_list and not _is_sentence(line):
            continue
        in_list = False
        if _COPYRIGHT.search(line) and len(line) < 200 or _NO_LETTERS.match(line):
            continue
        kept.append(line)
    while kept and _policy(kept[-1]):
        kept.pop()
    tail = 0
    while tail < len(kept) and not _is_sentence(kept[-1 - tail]):
        tail += 1
    if tail >= 2 and tail < len(kept):  # two headline-like lines or more after the text
        kept = kept[:-tail]
    while kept and _policy(kept[-1]):
        kept.pop()
    return kept


def _link_texts(tree: HtmlElement) -> set[str]:
    """The texts of the page's links (menus, tools, teasers), whitespace folded."""
    return {_SPACES.sub(" ", " ".join(a.text_content().split())) for a in tree.iter("a")}


def _recall(tree: HtmlElement, url: str | None) -> list[str]:
    """trafilatura's recall pass, less link texts and short labels, if it holds sentences."""
    links = _link_texts(tree)
    lines = [
        line
        for line in drop_boilerplate(_trafilatura(tree, url, precision=False, recall=True))
        if line not in links and (len(line.split()) > 3 or _SENTENCE_END.search(line))
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
            or paragraphs("\n".join(doc.find(".//article").itertext()))
        )
    # The fast pass (no fallback extractors) takes 2.6 ms instead of 4.4 ms a page
    # (bench/crawl.py); thin results get the full treatment, then the recall pass.
    body = drop_boilerplate(_trafilatura(tree, url, precision=True, fast=True))
    if sum(map(len, body)) < THIN_BODY_CHARS:
        body = drop_boilerplate(_trafilatura(tree, url, precision=True)) or body
    if sum(map(len, body)) < THIN_BODY_CHARS:
        recall = _recall(tree, url)
        if sum(map(len, recall)) > sum(map(len, body)) and set(body) <= set(recall):
            body = recall
    return body
