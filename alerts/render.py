"""A digest as an e-mail: right-to-left HTML and plain text, built with Jinja2 autoescape.

Everything that comes from articles is untrusted. Titles, names and outlet names
are escaped by Jinja2; the search snippet (escaped text with ``<mark>`` around
matches) is split into text/marked segments that are escaped again, so no markup
from an article reaches the HTML. Links are kept only when they are http(s). The
subject and other headers are reduced to one line before ``EmailMessage`` (default
policy) sees them, so CR/LF in an alert name or a title cannot add a header.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from alerts.build import Digest, Story
from alerts.strings import STRINGS
from core.catalogue import Labels
from core.catalogue.alerts import Alert
from core.settings import Settings
from core.urls import link_url

TEMPLATES = Path(__file__).resolve().parent / "templates"
RTL_LANGUAGES = {"ar", "fa", "ur", "he", "ps", "ckb", "yi"}
_BREAKS = re.compile(r"[\s\x00-\x1f\x7f\u0085\u2028\u2029]+")
_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
_TAG = re.compile(r"<[^>]*>")

_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


MAX_COVERAGE = 8  # other articles listed under a story; the rest is "and N more"


def one_line(text: object, limit: int = 200) -> str:
    """Collapse every line break and control character into a space; cut at ``limit``."""
    flat = _BREAKS.sub(" ", str(text or "")).strip()
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"


def snippet_segments(snippet: str | None) -> list[tuple[str, bool]]:
    """``"a <mark>b</mark> c"`` (HTML) → ``[("a ", False), ("b", True), (" c", False)]`` (text)."""
    segments: list[tuple[str, bool]] = []
    pos = 0
    text = snippet or ""

    def plain(chunk: str) -> str:  # tolerate stray tags: they become nothing, never markup
        return html.unescape(_TAG.sub("", chunk))

    for match in _MARK.finditer(text):
        if match.start() > pos:
            segments.append((plain(text[pos:match.start()]), False))
        segments.append((plain(match.group(1)), True))
        pos = match.end()
    if pos < len(text):
        segments.append((plain(text[pos:]), False))
    return [(_BREAKS.sub(" ", s), marked) for s, marked in segments if s]


def search_url(base_url: str, alert: Alert) -> str:
    """The web page's search for this alert: ``/?q=&topic=&outlet=&place=``."""
    params = [("q", alert.query)] if alert.query else []
    params += [("topic", t) for t in alert.topics]
    params += [("outlet", o) for o in alert.outlets]
    params += [("place", p) for p in alert.places]
    return f"{base_url.rstrip('/')}/" + (f"?{urlencode(params)}" if params else "")


def _when(value: object) -> str:
    try:
        return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return one_line(value, 40)


def _article_view(hit: dict, labels: Labels, lang: str) -> dict:
    language = hit.get("language") or "ar"
    segments = snippet_segments(hit.get("snippet"))
    return {
        "title": one_line(hit.get("title"), 300) or "—",
        "url": link_url(hit.get("url")),
        "outlet": one_line(hit.get("outlet_name") or hit.get("outlet"), 80),
        "published": _when(hit.get("published_at")),
        "topics": [labels.topic(t, lang) for t in hit.get("topics") or []],
        "snippet": segments,
        "snippet_text": "".join(s for s, _ in segments).strip(),
        "lang": language,
        "dir": "rtl" if language in RTL_LANGUAGES else "ltr",
    }


def _story_view(story: Story, labels: Labels, lang: str) -> dict:
    view = _article_view(story.lead, labels, lang)
    view["coverage"] = [_article_view(h, labels, lang) for h in story.coverage[:MAX_COVERAGE]]
    view["coverage_more"] = max(0, len(story.coverage) - MAX_COVERAGE)
    return view


def subject(digest: Digest, labels: Labels | None = None) -> str:
    """``[رقيب] <alert> — مواد جديدة: 5`` (or the breaking / rising subject), one line."""
    lang = digest.alert.language
    words = STRINGS[lang]
    name = one_line(digest.alert.name, 120)
    if digest.kind == "breaking" and digest.stories:
        return one_line(words["subject_breaking"].format(
            name=name, title=one_line(digest.stories[0].lead.get("title"), 120)))
    if digest.kind == "rising":
        keys = words["list_sep"].join(_rising_label(r, labels or Labels(), lang)
                                      for r in digest.rising[:3])
        return one_line(words["subject_rising"].format(name=name, keys=keys))
    key = "subject" if digest.articles else "subject_none"
    return one_line(words[key].format(name=name, n=digest.articles))


def _rising_label(item: dict, labels: Labels, lang: str) -> str:
    kinds = {"topic": "topics", "place": "places", "outlet": "outlets"}
    return one_line(labels.name(kinds[item["kind"]], item["key"], lang), 80)


def _rising_view(item: dict, labels: Labels, lang: str, base_url: str) -> dict:
    param = item["kind"] if item["kind"] in ("topic", "place", "outlet") else "topic"
    return {"label": _rising_label(item, labels, lang),
            "text": STRINGS[lang]["rising_item"].format(n=item["count"],
                                                        base=f"{item['baseline']:g}"),
            "url": link_url(f"{base_url.rstrip('/')}/?{urlencode([(param, item['key'])])}")}


def context(digest: Digest, settings: Settings, labels: Labels) -> dict:
    """Everything the templates need, already reduced to safe plain values."""
    lang = digest.alert.language
    words = STRINGS[lang]
    return {
        "lang": lang,
        "dir": "rtl" if lang in RTL_LANGUAGES else "ltr",
        "w": words,
        "subject": subject(digest, labels),
        "kind": digest.kind,
        "rising": [_rising_view(r, labels, lang, settings.web_base_url) for r in digest.rising],
        "name": one_line(digest.alert.name, 120),
        "query": one_line(digest.alert.query, 300),
        "filters": [labels.topic(t, lang) for t in digest.alert.topics]
        + [one_line(x, 80) for x in (*digest.alert.outlets, *digest.alert.places)],
        "count": words["new"].format(n=digest.articles),
        "stories_count": words["stories"].format(n=len(digest.stories)),
        "stories": [_story_view(s, labels, lang) for s in digest.stories],
        "more": words["more"].format(n=digest.more) if digest.more else "",
        "search_url": search_url(settings.web_base_url, digest.alert),
        "footer": words["footer"].format(name=one_line(digest.alert.name, 120)),
    }


def render(digest: Digest, settings: Settings,
           labels: Labels | None = None) -> tuple[str, str]:
    """``(plain_text, html)`` of a digest."""
    ctx = context(digest, settings, labels or Labels())
    return _ENV.get_template("digest.txt").render(ctx), _ENV.get_template("digest.html").render(ctx)


def sender_address(mail_from: str) -> Address:
    """``RAQIB_MAIL_FROM`` as one address (display name kept), never more than one header."""
    name, addr = parseaddr(one_line(mail_from, 300))
    try:
        if "@" in addr:
            return Address(display_name=name, addr_spec=addr)
    except (ValueError, IndexError):
        pass
    return Address(display_name="Raqib", addr_spec="raqib@localhost")


def build_message(digest: Digest, settings: Settings, when: datetime,
                  labels: Labels | None = None) -> EmailMessage:
    """The multipart/alternative e-mail (plain text first, then HTML) for one recipient."""
    text, page = render(digest, settings, labels)
    sender = sender_address(settings.mail_from)
    msg = EmailMessage()
    msg["Subject"] = subject(digest, labels)
    msg["From"] = sender
    msg["To"] = digest.recipient
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid("raqib", domain=sender.domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Raqib-Alert"] = one_line(digest.alert.name, 120)
    msg.set_content(text)
    msg.add_alternative(page, subtype="html")
    msg["Content-Language"] = digest.alert.language  # after: content headers move into parts
    return msg
