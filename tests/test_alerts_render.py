"""Rendering a digest: untrusted text stays text, headers stay one line, links stay http(s)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from alerts.build import Digest, Story, group_stories
from alerts.render import (
    build_message,
    one_line,
    render,
    search_url,
    snippet_segments,
    subject,
)
from core.catalogue.alerts import Alert
from core.settings import load_settings
from core.urls import link_url

NOW = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)


def hit(n: int, story: str, title: str, **fields) -> dict:
    base = {"id": f"id{n}", "url": f"https://news.example/{n}", "title": title,
            "outlet": "elnashra", "outlet_name": "النشرة",
            "published_at": f"2015-05-2{n}T09:00:00+03:00", "topics": ["coalition"],
            "places": [], "snippet": "غارات <mark>التحالف</mark> على الرقة", "story_id": story,
            "duplicate_of": None, "language": "ar"}
    base.update(fields)
    return base


def alert(**fields) -> Alert:
    values = {"name": "coalition-watch", "query": "التحالف الدولي", "topics": ["coalition"],
              "recipients": ["analyst@example.org"]}
    values.update(fields)
    return Alert(**values)


def parse(msg) -> email.message.EmailMessage:
    return email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)


def test_one_line_and_link_url() -> None:
    assert one_line("a\r\nBcc: x\u2028y\x00z\tw") == "a Bcc: x y z w"
    assert one_line("ا" * 300, 10) == "ا" * 9 + "…"
    assert link_url("https://x.example/a?b=1&c=2") == "https://x.example/a?b=1&c=2"
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "//x.example",
                "https://x.example/\r\nX: y", None, 5):
        assert link_url(bad) is None


def test_snippet_segments_keep_marks_and_drop_markup() -> None:
    segments = snippet_segments("أ &lt;b&gt; <mark>التحالف</mark> ب <script>x</script>")
    assert segments == [("أ <b> ", False), ("التحالف", True), (" ب x", False)]
    assert snippet_segments("") == [] and snippet_segments(None) == []


def test_search_url_carries_the_alert() -> None:
    url = search_url("http://127.0.0.1:8000/", alert(outlets=["elnashra"], places=["raqqa"]))
    assert url.startswith("http://127.0.0.1:8000/?q=%D8%A7%D9%84")
    assert url.endswith("&topic=coalition&outlet=elnashra&place=raqqa")
    assert search_url("http://h", alert(query="", topics=[])) == "http://h/"


def test_grouping_keeps_newest_first_and_prefers_an_original_as_lead() -> None:
    hits = [hit(3, "s1", "نسخة", duplicate_of="id2"), hit(2, "s1", "أصل"), hit(1, "s2", "أخرى"),
            hit(0, None, "بلا قصة")]
    stories = group_stories(hits)
    assert [s.key for s in stories] == ["s1", "s2", "id0"]
    assert stories[0].lead["id"] == "id2" and [h["id"] for h in stories[0].coverage] == ["id3"]


def test_untrusted_text_is_escaped_in_both_parts() -> None:
    evil = hit(1, "s1", "<script>alert('t')</script> عنوان\r\nBcc: victim@example.org",
               url="javascript:alert(1)", outlet_name="<img src=x onerror=alert(2)>",
               snippet="&lt;script&gt;alert(3)&lt;/script&gt; <mark>التحالف</mark>")
    digest = Digest(alert(), "analyst@example.org", NOW, [Story("s1", evil)])
    text, page = render(digest, load_settings({"RAQIB_HOME": "/tmp/x"}))
    assert "<script>" not in page and "<img" not in page and "javascript:" not in page
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; عنوان Bcc: victim@example.org" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "&lt;script&gt;alert(3)&lt;/script&gt; <mark" in page
    assert "<script>alert('t')</script> عنوان Bcc: victim@example.org" in text  # plain text
    assert "javascript:" not in text


def test_header_injection_through_name_sender_and_title_is_impossible() -> None:
    sneaky = Alert.model_construct(  # bypasses validation, as a buggy caller could
        name="watch\r\nBcc: victim@example.org\nX-Evil: 1", query="", topics=[], outlets=[],
        places=[], recipients=["analyst@example.org"], language="ar", max_stories=20,
        send_empty=False)
    settings = load_settings({"RAQIB_HOME": "/tmp/x",
                              "RAQIB_MAIL_FROM": "Raqib <raqib@example.org>\r\nBcc: v@example.org"})
    story = Story("s1", hit(1, "s1", "عنوان\r\nBcc: victim@example.org"))
    msg = parse(build_message(Digest(sneaky, "analyst@example.org", NOW, [story]), settings, NOW))
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert set(msg.keys()) == {"Subject", "From", "To", "Date", "Message-ID", "Content-Language",
                               "Auto-Submitted", "X-Raqib-Alert", "MIME-Version", "Content-Type"}
    assert msg["Subject"] == "[رقيب] watch Bcc: victim@example.org X-Evil: 1 — مواد جديدة: 1"
    assert msg["To"] == "analyst@example.org"


def test_subject_counts_all_new_articles_and_speaks_english() -> None:
    stories = [Story("s1", hit(1, "s1", "أ"), [hit(2, "s1", "ب")])]
    assert subject(Digest(alert(), "a@example.org", NOW, stories, more=7)) == \
        "[رقيب] coalition-watch — مواد جديدة: 9"
    assert subject(Digest(alert(language="en"), "a@example.org", NOW, [], 0)) == \
        "[Raqib] coalition-watch — nothing new"


def test_message_is_multipart_alternative_with_rtl_html() -> None:
    stories = [Story("s1", hit(1, "s1", "عنوان"))]
    msg = parse(build_message(Digest(alert(), "a@example.org", NOW, stories, more=3),
                              load_settings({"RAQIB_HOME": "/tmp/x"}), NOW))
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    page = msg.get_body(("html",)).get_content()
    assert '<html lang="ar" dir="rtl">' in page
    assert "مواد أخرى لم تُعرض هنا: 3" in page
    assert msg["Date"] == "Tue, 24 Nov 2026 05:00:00 +0000"
