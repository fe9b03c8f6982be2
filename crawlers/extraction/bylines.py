"""The headline on the page, the text around it, and who wrote the article.

Authors come from structured data first; a value is kept only when it names
people: never the site (see :mod:`crawlers.extraction.names`), a news agency, a
dateline such as ``(أبوظبي - البيان)``, a URL or a logo. When structured data
has no such name, bylines are looked for in the few lines around the headline
(``كتب …``, ``كتبت …``, ``بقلم …``, ``حوار: …``, an element whose class says
``author``/``byline``/``writer``) and at the start of the first paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml.html import HtmlElement

from crawlers.extraction.names import SiteNames, fold, key

# Words that open a byline: "كتب: فلان", "بقلم فلان", "حوار: فلان", "By Jane Doe".
BYLINE = re.compile(
    r"^\s*(?:كتب|كتبت|كتبه|كتبها|بقلم|حوار|حاورته|حاورها|إعداد|اعداد|تحرير|تقرير|متابعة|"
    r"ترجمة|إشراف|بواسطة|المحرر|الكاتب|الكاتبة|written by|by)"
    r"(?![\u0621-\u064A])\s*[:：\-–]?\s*",
    re.I,
)
# News agencies and desk names: a source, not a person.
AGENCIES = (
    "واس", "رويترز", "فرانس برس", "وكالة فرانس برس", "أ ف ب", "ا ف ب", "أ.ف.ب", "أف ب",
    "الأناضول", "الاناضول", "سانا", "وام", "قنا", "كونا", "بترا", "بنا", "العمانية", "واع",
    "د ب أ", "د.ب.أ", "أسوشيتد برس", "أسوشييتد برس", "اسوشيتد برس", "أ ب", "يو بي آي",
    "شينخوا", "سبوتنيك", "نوفوستي", "إرنا", "ارنا", "تسنيم", "فارس", "وكالات", "الوكالات",
    "متابعات", "مواقع", "مواقع إلكترونية", "المحرر", "محرر الموقع", "فريق التحرير",
    "هيئة التحرير", "التحرير", "قسم الأخبار", "غرفة الأخبار", "خاص", "مراسلنا", "admin",
    "administrator", "editor", "staff", "afp", "reuters", "ap", "dpa", "anadolu", "xinhua",
    "associated press", "ansa", "efe", "cnn", "bbc", "news desk", "web desk",
)
_AGENCY_KEYS = frozenset(key(a) for a in AGENCIES)
_AUTHOR_CLASS = re.compile(r"author|byline|writer|kateb|katib|reporter|journalist", re.I)
_URLISH = re.compile(r"https?:|www\.|://|\.(?:com|net|org|tv|info)\b|@|/", re.I)
_LOGO = re.compile(r"logo|شعار|لوغو|لوجو", re.I)
# Words that do not occur inside a name: a byline that holds them is a sentence.
_NOT_IN_NAMES = frozenset(
    "في من على إلى الى عن أن ان إن قد لا لم لن هذا هذه التي الذي كان قال وقال أكد أعلن يوم "
    "the of and in on for to is was that".split()
)
_AND = re.compile(r"\s*(?:،|,|\band\b|&|\s+و\s*(?=[\u0621-\u064A]{3,}\s))\s*")
# "(أبوظبي - البيان)", "القاهرة - أ ش أ", "دمشق/سانا": a place and a source, not a person.
_DATELINE = re.compile(r"^[(\[].*[)\]]$|^\S+(?:\s\S+)?\s+[-–—/]\s+\S+(?:\s\S+){0,2}$|^\S+/\S+$")
_CUT = re.compile(r"\s*(?:[|–—\-:؛;(\[]|\d|\s-\s).*$")
_AUTHOR_LINK = re.compile(r"/(?:authors?|writers?|kottab|kuttab|columnists?|reporters?)/", re.I)
_SECTION_LINK = re.compile(r"categor|section|/tags?/|/topics?/|[?&]cat=|/cat/", re.I)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "button", "select"})


def headline_element(tree: HtmlElement, title: str | None) -> HtmlElement | None:
    """The page's headline element: the ``<h1>`` that matches the title, else one that does.

    With two ``<h1>`` (the site logo is often one), the one closest to the title
    wins; with none, an ``<h2>`` or a ``…title``/``…headline`` block holding the title.
    """
    want = key(title or "")
    h1s = [h for h in tree.iter("h1") if key(h.text_content())]
    if want:
        for el in [*h1s, *tree.xpath("//h2|//*[contains(@class,'title') or contains("
                                      "@class,'headline')][not(self::title)]")]:
            got = key(el.text_content())
            if got and (got == want or (len(got) > 10 and (got in want or want in got))):
                return el
    if not h1s:
        return None
    in_article = [h for h in h1s if h.xpath("ancestor::article|ancestor::main")]
    return max(in_article or h1s, key=lambda h: len(key(h.text_content())))


def _texts(el: HtmlElement) -> Iterator[tuple[HtmlElement, str]]:
    """``(owner element, text)`` for every text of ``el`` in reading order, tails excluded."""
    for node in el.iter():
        if not isinstance(node.tag, str) or node.tag in _SKIP_TAGS:
            continue
        if node.text and node.text.strip():
            yield node, node.text.strip()
        for child in node:
            if child.tail and child.tail.strip():
                yield node, child.tail.strip()


def around(
    headline: HtmlElement, after: int = 30, before: int = 8
) -> list[tuple[HtmlElement, str]]:
    """Short texts that follow the headline (then a few that precede it), as ``(element, text)``.

    Lines here are where a dateline and a byline sit; page chrome is farther away.
    """
    found: list[tuple[HtmlElement, str]] = []
    if headline.tail and headline.tail.strip() and headline.getparent() is not None:
        found.append((headline.getparent(), headline.tail.strip()))
    node: HtmlElement | None = headline
    while node is not None and len(found) < after:
        for sib in node.itersiblings():
            if isinstance(sib.tag, str) and sib.tag in _SKIP_TAGS:
                continue
            found.extend(_texts(sib) if isinstance(sib.tag, str) else [])
            if sib.tail and sib.tail.strip() and node.getparent() is not None:
                found.append((node.getparent(), sib.tail.strip()))
            if len(found) >= after:
                break
        node = node.getparent()
    found = found[:after]
    earlier: list[tuple[HtmlElement, str]] = []
    node = headline
    for _ in range(3):  # the dateline or the writer just above the headline
        for sib in node.itersiblings(preceding=True):
            if isinstance(sib.tag, str) and sib.tag not in _SKIP_TAGS:
                earlier.extend(reversed(list(_texts(sib))))
            if len(earlier) >= before:
                break
        if len(earlier) >= before or node.getparent() is None:
            break
        node = node.getparent()
    return found + earlier[:before]


def is_person(name: str, sites: SiteNames) -> bool:
    """True when ``name`` may be a person: not the site, an agency, a dateline, a URL, a logo."""
    k = key(name)
    words = name.split()
    return not (
        len(k) < 3
        or len(words) > 6
        or len(name) > 60
        or k in _AGENCY_KEYS
        or any(ch.isdigit() for ch in name)
        or _URLISH.search(name)
        or _LOGO.search(name)
        or _DATELINE.match(name)
        or any(w.casefold() in _NOT_IN_NAMES for w in words)
        or sites.matches(name)
    )


def clean_authors(value: str | None, sites: SiteNames, need_prefix: bool = False) -> str | None:
    """The people named in a byline, joined with ``، ``; ``None`` when it names none.

    ``كتب: فلان وفلانة - القاهرة`` gives ``فلان، فلانة``. With ``need_prefix`` the
    text must open with a byline word (``كتب``, ``بقلم`` …), as a first paragraph must.
    """
    text = fold(value)
    if not text:
        return None
    opened = BYLINE.match(text)
    if need_prefix and not opened or not opened and _DATELINE.match(text):
        return None
    if opened:
        text = text[opened.end() :]
    text = _CUT.sub("", text).strip(" .،,")
    names = [n.strip(" .،,") for n in _AND.split(text) if n and n.strip(" .،,")]
    people = [n for n in names if is_person(n, sites)]
    if not people or len(people) < len(names) and not opened:
        return None
    return "، ".join(dict.fromkeys(people))


def page_byline(
    chunks: list[tuple[HtmlElement, str]], sites: SiteNames
) -> str | None:
    """A byline among the lines around the headline: a byline word or an author block.

    A byline word alone (``كتب:`` followed by a link holding the name) takes the next line.
    """
    for i, (el, text) in enumerate(chunks):
        if len(text) > 80:
            continue
        if BYLINE.match(text) or _author_block(el):
            found = clean_authors(text, sites)
            if not found and BYLINE.fullmatch(text) and i + 1 < len(chunks):
                found = clean_authors(chunks[i + 1][1], sites)
            if found:
                return found
    return None


def _author_block(el: HtmlElement) -> bool:
    """``el`` or one of its two parents is marked as the author's (class, itemprop, rel).

    A link to a section, category or tag page inside such a block is not the author.
    """
    for _ in range(3):
        if el is None:
            return False
        if el.tag == "a" and _SECTION_LINK.search(el.get("href") or ""):
            return False
        if el.tag == "a" and _AUTHOR_LINK.search(el.get("href") or ""):
            return True
        marks = " ".join(filter(None, (el.get("class"), el.get("itemprop"), el.get("rel"),
                                        el.get("id"))))
        if _AUTHOR_CLASS.search(marks):
            return True
        el = el.getparent()
    return False
