"""Daily digests end to end: a real Elasticsearch node and a real SMTP server on loopback.

The SMTP server is aiosmtpd on 127.0.0.1 (a free port); its handler keeps every
message it accepted and can be told to answer ``451`` after N messages, which is
how a server failing in the middle of a run is played. Messages are parsed back
with the ``email`` package. The articles are written for these tests.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import logging
import os
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from alerts.digest import DigestDeliveryError, run_digests
from alerts.render import search_url
from core.catalogue.alerts import Alert, parse_alerts
from core.settings import load_settings
from indexing.bulk import index_records, to_document
from state.leases import Lease, LeaseBusy
from tests.conftest import make_record, wipe_state
from tests.helpers import catalogue


# ------------------------------------------------------------------ SMTP server
class Collector:
    """aiosmtpd handler: keeps accepted messages; ``fail_after`` N → answers 451."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.fail_after: int | None = None
        self.refused = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        if self.fail_after is not None and len(self.messages) >= self.fail_after:
            self.refused += 1
            return "451 4.3.0 Temporary failure, please try again later"
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 OK"

    def parsed(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(raw, policy=email.policy.default)
                for _, _, raw in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(**options) -> Iterator[tuple[Collector, int]]:
    collector, port = Collector(), free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield collector, port
    finally:
        controller.stop()


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, int]]:
    with smtp_server() as server:
        yield server


# ------------------------------------------------------------------ articles
def _topic(tid: str) -> dict:
    return {"id": tid, "label_ar": tid, "label_en": tid, "score": 1.0, "evidence": []}


def article(url: str, title: str, body: str, outlet: str, outlet_name: str, published: str,
            story: str, topics: tuple[str, ...] = ("coalition",), **fields) -> dict:
    return make_record(url, title, body, outlet=outlet, outlet_name=outlet_name,
                       published_at=published, story_id=story, language="ar",
                       topics=[_topic(t) for t in topics], places=[], **fields)


# Written for these tests (not taken from any outlet).
RAQQA_1 = article(
    "https://nashra.example/news/1", "التحالف الدولي يكثف غاراته على مواقع داعش في محيط الرقة",
    "كثّف التحالف الدولي خلال الليلة الماضية غاراته الجوية على مواقع لتنظيم داعش في محيط مدينة "
    "الرقة، وفق ما أفاد به ناشطون من المدينة.\n\nوأضاف الناشطون أن الغارات طالت مستودعات للذخيرة "
    "ومقرات قيادية، فيما لم تصدر حصيلة رسمية للخسائر.",
    "elnashra", "النشرة", "2015-05-21T08:00:00+03:00", "story-raqqa", ("coalition", "isis"))
RAQQA_2 = article(
    "https://jazeera.example/news/2", "غارات جديدة للتحالف قرب الرقة",
    "أعلن التحالف الدولي أنه نفذ سلسلة غارات جديدة قرب الرقة استهدفت آليات ومواقع محصنة للتنظيم.",
    "aljazeera", "الجزيرة", "2015-05-21T10:15:00+03:00", "story-raqqa")
RAQQA_3 = article(
    "https://arabiya.example/news/3", "مصادر: قتلى من داعش بغارات التحالف في ريف الرقة",
    "نقلت مصادر محلية أن غارات التحالف الدولي على ريف الرقة الشمالي أوقعت قتلى في صفوف عناصر "
    "التنظيم، وأن سيارات الإسعاف شوهدت تنقل الجرحى.",
    "alarabiya", "العربية", "2015-05-21T09:40:00+03:00", "story-raqqa")
MOSUL = article(
    "https://annahar.example/news/4", "مستشارو التحالف الدولي يصلون إلى قاعدة قرب الموصل",
    "وصلت دفعة جديدة من مستشاري التحالف الدولي إلى قاعدة عسكرية قرب الموصل لدعم القوات العراقية "
    "في التحضير لمعركة استعادة المدينة.",
    "annahar", "النهار", "2015-05-22T12:00:00+03:00", "story-mosul")
VIENNA = article(
    "https://aawsat.example/news/5", "جولة جديدة من المفاوضات النووية في فيينا",
    "استؤنفت في فيينا المفاوضات حول الملف النووي الإيراني وسط تفاؤل حذر من الوفود المشاركة.",
    "aawsat", "الشرق الأوسط", "2015-05-23T15:00:00+03:00", "story-vienna", ("iran_nuclear",))
EVIL = article(
    'https://evil.example/news?id=6&x="><script>alert(1)</script>',
    "<script>alert('title')</script> التحالف الدولي\r\nBcc: victim@example.org",
    "نص فيه <img src=x onerror=alert(2)> وكلام عن التحالف الدولي و<a href=\"javascript:alert(3)\">"
    "رابط</a>.",
    "evil", "<b onmouseover=alert(4)>منفذ</b>", "2015-05-20T09:00:00+03:00", "story-evil")
JS_LINK = article(
    "javascript:alert(document.cookie)", "رابط مريب عن التحالف الدولي",
    "خبر قصير عن التحالف الدولي بلا رابط صالح.",
    "evil", "منفذ", "2015-05-19T09:00:00+03:00", "story-js")
BASE = [RAQQA_1, RAQQA_2, RAQQA_3, MOSUL, VIENNA, EVIL, JS_LINK]
MATCHING = [RAQQA_1, RAQQA_2, RAQQA_3, MOSUL, EVIL, JS_LINK]  # for the coalition alert

COALITION = {"name": "coalition-watch", "query": "التحالف الدولي", "topics": ["coalition"],
             "recipients": ["analyst@example.org"]}


def alerts_of(*specs: dict) -> list[Alert]:
    return parse_alerts({"alerts": list(specs)})


@pytest.fixture
def articles(es_client):
    """A fresh index holding BASE (indexed now, so inside every look-back); no ledger yet."""
    wipe_state(es_client)
    es_client.options(ignore_status=404).indices.delete(index="raqib-articles-*")
    index_records(BASE, es_client, refresh=True)
    return es_client


def settings_for(home: Path, port: int | None = None, **extra: str):
    env = {"RAQIB_HOME": str(home), "RAQIB_ES_URL": os.environ["RAQIB_ES_URL"],
           "RAQIB_WEB_BASE_URL": "https://raqib.example/", **extra}
    if port:
        env.update(RAQIB_SMTP_HOST="127.0.0.1", RAQIB_SMTP_PORT=str(port))
    return load_settings(env)


def html_of(msg) -> str:
    return msg.get_body(("html",)).get_content()


def text_of(msg) -> str:
    return msg.get_body(("plain",)).get_content()


# ------------------------------------------------------------------ content
def test_digest_arrives_with_rtl_html_text_part_chips_marks_and_links(
        articles, smtp, tmp_path: Path) -> None:
    collector, port = smtp
    settings = settings_for(tmp_path, port)
    summary = run_digests(settings, alerts=alerts_of(COALITION), client=articles)
    assert summary.mode == "smtp" and summary.sent == 1 and summary.ok
    (result,) = summary.results
    assert (result.articles, result.stories) == (6, 4)

    (mail_from, rcpts, _), = collector.messages
    assert rcpts == ["analyst@example.org"] and mail_from == "raqib@localhost"
    (msg,) = collector.parsed()
    assert msg["Subject"] == "[رقيب] coalition-watch — مواد جديدة: 6"
    assert msg["To"] == "analyst@example.org"
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]

    page = html_of(msg)
    assert '<html lang="ar" dir="rtl">' in page and '<body dir="rtl"' in page
    assert "رقيب · الموجز اليومي" in page and "المقال الأصلي" in page
    label = catalogue().labels().topic("coalition", "ar")
    assert f'font-size:12px;">{label}</span>' in page  # the theme as a chip, in Arabic
    assert ">التحالف</mark> <mark" in page and ">الدولي</mark>" in page
    assert '<a class="original" href="https://annahar.example/news/4">' in page
    link = search_url("https://raqib.example", alerts_of(COALITION)[0])
    assert link.startswith("https://raqib.example/?q=%D8%A7%D9%84") and "topic=coalition" in link
    assert f'href="{link.replace("&", "&amp;")}"' in page

    # newest story first; one entry per story, the other outlets' coverage under it
    titles = [MOSUL["title"], RAQQA_2["title"]]
    assert page.index(titles[0]) < page.index(titles[1])
    assert page.count('<article class="story"') == 4
    raqqa = page[page.index(RAQQA_2["title"]):]
    raqqa = raqqa[:raqqa.index("</article>")]
    assert "تغطيات أخرى للقصة" in raqqa
    assert raqqa.index(RAQQA_3["title"]) < raqqa.index(RAQQA_1["title"])
    assert '<bdi>العربية</bdi>: <a href="https://arabiya.example/news/3">' in raqqa
    assert VIENNA["title"] not in page

    text = text_of(msg)
    assert "1. " + MOSUL["title"] in text and "2. " + RAQQA_2["title"] in text
    assert "المقال الأصلي: https://annahar.example/news/4" in text
    assert "- النشرة: " + RAQQA_1["title"] + " <https://nashra.example/news/1>" in text
    assert "افتح البحث الكامل: " + link in text
    assert "<mark>" not in text


def test_untrusted_titles_and_snippets_stay_text_and_add_no_headers(
        articles, smtp, tmp_path: Path) -> None:
    collector, port = smtp
    run_digests(settings_for(tmp_path, port), alerts=alerts_of(COALITION), client=articles)
    (msg,) = collector.parsed()
    assert msg["Bcc"] is None and collector.messages[0][1] == ["analyst@example.org"]
    page = html_of(msg)
    assert "<script" not in page and "<img" not in page and "<b " not in page
    assert 'href="javascript:' not in page and "&lt;a href=&#34;javascript:alert(3)" in page
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; التحالف الدولي Bcc:" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "&lt;b onmouseover=alert(4)&gt;منفذ&lt;/b&gt;" in page
    # the odd but http(s) URL is kept, attribute-escaped; the javascript: one is not a link
    assert 'href="https://evil.example/news?id=6&amp;x=&#34;&gt;&lt;script&gt;' in page
    assert ">رابط مريب عن التحالف الدولي<" not in page.replace("\n", "")
    assert "رابط مريب عن التحالف الدولي" in page


# ------------------------------------------------------------------ idempotency
def test_each_article_goes_once_and_only_new_ones_follow(articles, smtp, tmp_path: Path) -> None:
    collector, port = smtp
    settings = settings_for(tmp_path, port)
    alerts = alerts_of(COALITION)
    assert run_digests(settings, alerts=alerts, client=articles).sent == 1
    again = run_digests(settings, alerts=alerts, client=articles)
    assert again.sent == 0 and again.skipped == 1 and len(collector.messages) == 1

    later = [
        article("https://nashra.example/news/7", "التحالف الدولي يعلن حصيلة غاراته في الرقة",
                "أصدر التحالف الدولي بياناً بحصيلة غاراته على الرقة خلال أسبوع.", "elnashra",
                "النشرة", "2015-05-24T08:00:00+03:00", "story-raqqa"),
        article("https://jazeera.example/news/8", "التحالف الدولي يدرّب قوات محلية شرق سوريا",
                "بدأ التحالف الدولي برنامجاً لتدريب قوات محلية في شرق سوريا.", "aljazeera",
                "الجزيرة", "2015-05-24T09:00:00+03:00", "story-training"),
    ]
    index_records(later, articles, refresh=True)
    third = run_digests(settings, alerts=alerts, client=articles)
    assert third.sent == 1 and third.results[0].articles == 2
    msg = collector.parsed()[-1]
    page = html_of(msg)
    assert later[0]["title"] in page and later[1]["title"] in page
    for old in MATCHING:  # the first digest's articles are not repeated (same story or not)
        assert old["url"] not in page
    assert msg["Subject"].endswith("مواد جديدة: 2")
    assert run_digests(settings, alerts=alerts, client=articles).sent == 0


def test_new_recipient_gets_the_look_back_and_others_nothing_again(
        articles, smtp, tmp_path: Path) -> None:
    collector, port = smtp
    settings = settings_for(tmp_path, port)
    run_digests(settings, alerts=alerts_of(COALITION), client=articles)
    two = dict(COALITION, recipients=["analyst@example.org", "desk@example.org"])
    summary = run_digests(settings, alerts=alerts_of(two), client=articles)
    assert [(r.recipient, r.status) for r in summary.results] == [
        ("analyst@example.org", "skipped"), ("desk@example.org", "sent")]
    assert collector.messages[-1][1] == ["desk@example.org"]


def test_server_failing_mid_run_resumes_without_repeats(articles, smtp, tmp_path: Path) -> None:
    collector, port = smtp
    settings = settings_for(tmp_path, port)
    people = ["a@example.org", "b@example.org"]
    alerts = alerts_of(dict(COALITION, recipients=people),
                       {"name": "raqqa-isis", "query": "الرقة", "topics": ["isis"],
                        "recipients": people})
    collector.fail_after = 3
    first = run_digests(settings, alerts=alerts, client=articles)
    assert (first.sent, first.failed) == (3, 1) and not first.ok
    failed = [(r.alert, r.recipient) for r in first.results if r.status == "failed"]
    assert failed == [("raqqa-isis", "b@example.org")]
    assert "451" in first.errors[0]
    with pytest.raises(DigestDeliveryError, match="1 digest"):
        first.raise_for_failures()
    assert len(collector.messages) == 3 and collector.refused == 1

    collector.fail_after = None
    second = run_digests(settings, alerts=alerts, client=articles)
    assert [(r.alert, r.recipient, r.status) for r in second.results] == [
        ("coalition-watch", "a@example.org", "skipped"),
        ("coalition-watch", "b@example.org", "skipped"),
        ("raqqa-isis", "a@example.org", "skipped"),
        ("raqqa-isis", "b@example.org", "sent")]
    resumed = collector.parsed()[-1]
    assert resumed["To"] == "b@example.org" and RAQQA_1["title"] in html_of(resumed)
    sent_to = [(m["X-Raqib-Alert"], m["To"]) for m in collector.parsed()]
    assert len(sent_to) == len(set(sent_to)) == 4  # every digest exactly once
    assert run_digests(settings, alerts=alerts, client=articles).sent == 0


def test_unreachable_server_fails_everything_and_records_nothing(
        articles, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, free_port())  # nobody listens there
    summary = run_digests(settings, alerts=alerts_of(COALITION), client=articles)
    assert summary.failed == 1 and "cannot use SMTP server" in summary.errors[0]
    with smtp_server() as (collector, port):
        retry = run_digests(settings_for(tmp_path, port), alerts=alerts_of(COALITION),
                            client=articles)
    assert retry.sent == 1 and retry.results[0].articles == 6


# ------------------------------------------------------------------ outbox, cap, options
def test_outbox_is_the_default_without_smtp_host(articles, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    summary = run_digests(settings, alerts=alerts_of(COALITION), client=articles)
    assert summary.mode == "outbox" and summary.written == 1
    (path,) = summary.paths
    assert path.parent == tmp_path / "outbox" and path.suffix == ".eml"
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert msg["To"] == "analyst@example.org" and MOSUL["title"] in html_of(msg)
    assert list((tmp_path / "outbox").iterdir()) == [path]  # no temp files left
    again = run_digests(settings, alerts=alerts_of(COALITION), client=articles)
    assert again.written == 0 and len(list((tmp_path / "outbox").iterdir())) == 1
    other = tmp_path / "elsewhere"
    worker2 = settings_for(tmp_path / "other-home")  # another worker, its own empty disk
    assert run_digests(worker2, alerts=alerts_of(COALITION), client=articles,
                       outbox=other).written == 0  # the ledger is shared: nothing twice
    assert run_digests(worker2, alerts=alerts_of(dict(COALITION, name="other")),
                       client=articles, outbox=other).paths[0].parent == other


def test_cap_adds_n_more_with_search_link_and_they_do_not_come_back(
        articles, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    alerts = alerts_of(dict(COALITION, max_stories=2))
    summary = run_digests(settings, alerts=alerts, client=articles)
    (result,) = summary.results
    assert (result.articles, result.stories) == (6, 2)
    msg = email.message_from_bytes(summary.paths[0].read_bytes(), policy=email.policy.default)
    page = html_of(msg)
    assert page.count('<article class="story"') == 2
    assert "مواد أخرى لم تُعرض هنا: 2" in page  # 6 new: mosul (1) + raqqa (3) shown
    assert '<p class="more"' in page and "https://raqib.example/?q=" in page
    assert msg["Subject"].endswith("مواد جديدة: 6")
    assert run_digests(settings, alerts=alerts, client=articles).written == 0


def test_nothing_new_sends_nothing_unless_configured(articles, smtp, tmp_path: Path) -> None:
    collector, port = smtp
    quiet = {"name": "quiet", "query": "كلمة لا ترد في أي خبر", "recipients": ["a@example.org"]}
    summary = run_digests(settings_for(tmp_path, port), alerts=alerts_of(quiet), client=articles)
    assert summary.skipped == 1 and not collector.messages
    chatty = dict(quiet, name="chatty", send_empty=True, language="en")
    summary = run_digests(settings_for(tmp_path, port), alerts=alerts_of(chatty), client=articles)
    assert summary.sent == 1
    (msg,) = collector.parsed()
    assert msg["Subject"] == "[Raqib] chatty — nothing new"
    assert "Nothing new since the last digest." in html_of(msg)


def test_english_labels_keep_arabic_articles_right_to_left(articles, tmp_path: Path) -> None:
    summary = run_digests(settings_for(tmp_path), client=articles,
                          alerts=alerts_of(dict(COALITION, language="en")))
    msg = email.message_from_bytes(summary.paths[0].read_bytes(), policy=email.policy.default)
    page = html_of(msg)
    assert '<html lang="en" dir="ltr">' in page and "Original article" in page
    assert '<article class="story" lang="ar" dir="rtl"' in page
    label = catalogue().labels().topic("coalition", "en")
    assert f">{label}</span>" in page
    assert msg["Subject"] == "[Raqib] coalition-watch — new articles: 6"


def test_dry_run_delivers_and_records_nothing(articles, smtp, tmp_path: Path) -> None:
    collector, port = smtp
    settings = settings_for(tmp_path, port)
    dry = run_digests(settings, alerts=alerts_of(COALITION), client=articles, dry_run=True)
    assert dry.mode == "dry-run" and dry.results[0].status == "dry-run"
    assert dry.results[0].subject == "[رقيب] coalition-watch — مواد جديدة: 6"
    assert not collector.messages
    assert run_digests(settings, alerts=alerts_of(COALITION), client=articles).sent == 1


def test_first_digest_looks_back_since(articles, tmp_path: Path) -> None:
    old = article("https://x.example/9", "التحالف الدولي في خبر قديم", "عن التحالف الدولي.",
                  "elnashra", "النشرة", "2015-05-25T08:00:00+03:00", "story-old")
    three_hours_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    index, doc_id, source = to_document(old, now=three_hours_ago)
    articles.index(index=index, id=doc_id, document=source, refresh=True)
    recent = run_digests(settings_for(tmp_path), since="2h", client=articles,
                         alerts=alerts_of(COALITION))
    assert recent.results[0].articles == 6
    longer = run_digests(settings_for(tmp_path), since="4h", client=articles,
                         alerts=alerts_of(dict(COALITION, name="first-time")))
    assert longer.results[0].articles == 7


def test_two_runs_at_once_are_refused(articles, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    with Lease(articles, "digest", holder="another-worker"), \
            pytest.raises(LeaseBusy, match="already running on another-worker"):
        run_digests(settings, alerts=alerts_of(COALITION), client=articles, wait=0)
    assert run_digests(settings, alerts=alerts_of(COALITION), client=articles).written == 1


# ------------------------------------------------------------------ STARTTLS and auth
def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_starttls_and_login_and_the_password_never_shows(
        articles, tmp_path: Path, monkeypatch, caplog, capfd) -> None:
    cert, key = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts our test CA
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bool]] = []

    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"digest-bot" \
            and auth_data.password == b"s3cret-pass"
        logins.append((auth_data.login, ok))
        return AuthResult(success=ok, handled=False)

    password = "s3cret-pass"
    caplog.set_level(logging.DEBUG)
    with smtp_server(tls_context=server_tls, require_starttls=True, auth_required=True,
                     authenticator=authenticator) as (collector, port):
        settings = settings_for(tmp_path, port, RAQIB_SMTP_STARTTLS="true",
                                RAQIB_SMTP_USER="digest-bot", RAQIB_SMTP_PASSWORD=password)
        summary = run_digests(settings, alerts=alerts_of(COALITION), client=articles)
        assert summary.sent == 1 and logins == [(b"digest-bot", True)]
        assert len(collector.messages) == 1

        wrong = settings_for(tmp_path / "h2", port, RAQIB_SMTP_STARTTLS="1",
                             RAQIB_SMTP_USER="digest-bot", RAQIB_SMTP_PASSWORD="wrong-pass-xyz")
        failed = run_digests(wrong, alerts=alerts_of(dict(COALITION, name="again")),
                             client=articles)
        assert failed.failed == 1 and "refused the login of 'digest-bot'" in failed.errors[0]
    out, err = capfd.readouterr()
    for secret in (password, "wrong-pass-xyz"):
        assert secret not in caplog.text and secret not in out + err
        assert secret not in repr(summary) + repr(failed) + repr(settings) + repr(wrong)


# ------------------------------------------------------------------ the command line
def _raqib(args: list[str], home: Path, port: int | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, RAQIB_HOME=str(home), COLUMNS="200")
    env.pop("RAQIB_SMTP_HOST", None)
    if port:
        env.update(RAQIB_SMTP_HOST="127.0.0.1", RAQIB_SMTP_PORT=str(port))
    return subprocess.run([sys.executable, "-m", "raqib.cli", "digest", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_bad_alerts_file_smtp_failure_and_success(articles, smtp, tmp_path: Path) -> None:
    collector, port = smtp
    bad = tmp_path / "bad.yaml"
    bad.write_text("alerts:\n  - name: watch\n    recipients: [nobody]\n", encoding="utf-8")
    run = _raqib(["--alerts", str(bad)], tmp_path / "home")
    assert run.returncode == 2
    assert "alert 'watch': recipients.0: " in run.stderr
    assert "not a valid e-mail address" in run.stderr

    good = tmp_path / "alerts.yaml"
    good.write_text("alerts:\n  - name: coalition-watch\n    query: التحالف الدولي\n"
                    "    topics: [coalition]\n    recipients: [analyst@example.org]\n",
                    encoding="utf-8")
    collector.fail_after = 0
    run = _raqib(["--alerts", str(good), "--send"], tmp_path / "home", port)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 digest(s) not delivered" in run.stderr and "451" in run.stderr

    collector.fail_after = None
    run = _raqib(["--alerts", str(good), "--send", "--since", "2h"], tmp_path / "home", port)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 sent, 0 written" in run.stdout and len(collector.messages) == 1

    other = tmp_path / "other.yaml"  # the ledger is shared: another alert has news to write
    other.write_text(good.read_text(encoding="utf-8").replace("coalition-watch", "other"),
                     encoding="utf-8")
    run = _raqib(["--alerts", str(other), "--outbox", str(tmp_path / "box"), "--since", "2h"],
                 tmp_path / "home2")
    assert run.returncode == 0 and len(list((tmp_path / "box").glob("*.eml"))) == 1
    assert _raqib(["--alerts", str(good), "--since", "soon"], tmp_path / "h3").returncode == 2
    run = _raqib(["--alerts", str(good), "--send"], tmp_path / "h4")
    assert run.returncode == 2 and "RAQIB_SMTP_HOST" in run.stderr
