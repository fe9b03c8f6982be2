"""Extraction on pages that reproduce what goes wrong on real Arabic news pages.

Every page here is ours (``tests/pages``, written by ``tests/pages/build.py``) or
inline; each one is parsed the way the crawler parses a response (Scrapy's
``HtmlResponse``) and goes through the real extractor. The real pages of
``shared/realpages`` (not ours, never copied) are scored when they are found
(:func:`tests.conftest.shared_path`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from scrapy.http import HtmlResponse

from bench.extraction_quality import KINDS, Score, evaluate, page_outlet, score_page
from bench.extraction_quality import Extracted as Found
from core.catalogue.outlets import Outlet, OutletsConfigError, parse_outlets
from crawlers.extraction import extract_article
from crawlers.extraction.body import drop_boilerplate
from crawlers.pipelines import skip_reason
from tests.conftest import REPO_ROOT, shared_path

PAGES = REPO_ROOT / "tests" / "pages"
SPECS = {
    spec["file"]: spec
    for spec in map(json.loads, (PAGES / "expect.jsonl").read_text("utf-8").splitlines())
}
TEXT = [
    "أعلنت وزارة الموارد المائية أن منسوب نهر الفرات ارتفع خلال الأسبوع الماضي بعد أشهر من"
    " الجفاف، ما سمح بإعادة تشغيل محطات الضخ المتوقفة في ثلاث محافظات.",
    "وقال المتحدث باسم الوزارة في مؤتمر صحفي إن الفرق الفنية باشرت صيانة القنوات الرئيسية،"
    " وإن المزارعين سيحصلون على حصصهم من مياه الري قبل بدء الموسم الشتوي.",
    "وأضاف أن الحكومة خصصت مبالغ إضافية لتأهيل السدود الصغيرة، داعياً المواطنين إلى ترشيد"
    " الاستهلاك لأن موجات الجفاف قد تعود في أي وقت بحسب تقديرات الخبراء.",
]
HEADLINE = "ارتفاع منسوب الفرات يعيد تشغيل محطات الضخ"


def outlet(**changes: Any) -> Outlet:
    data = {
        "name": "test",
        "display_name": "منصة الاختبار",
        "domains": ["www.akhbarna.example"],
        "sections": ["https://www.akhbarna.example/"],
        "article_url_pattern": "/a/",
        "timezone": "Asia/Beirut",
    }
    return parse_outlets({"outlets": [data | changes]})[0]


def extract(
    html: str | bytes, url: str = "https://www.akhbarna.example/a/1", of: Outlet | None = None
) -> dict[str, Any]:
    """The record the crawler would write for this page (parsed as Scrapy parses it)."""
    body = html.encode() if isinstance(html, str) else html
    response = HtmlResponse(url=url, body=body)
    return extract_article(response.selector.root, url, of or outlet())


def page(head: str = "", top: str = "", text: list[str] = TEXT, h1: str | None = HEADLINE) -> str:
    """An article page: ``head`` in <head>, ``top`` between the headline and the text."""
    headline = f"<h1>{h1}</h1>" if h1 else ""
    return (
        f'<html lang="ar"><head><meta charset="utf-8">{head}</head><body>'
        '<header><nav><a href="/">الرئيسية</a> <a href="/s">سياسة</a></nav></header>'
        f"<article>{headline}{top}" + "".join(f"<p>{p}</p>" for p in text)
        + "</article><footer>جميع الحقوق محفوظة</footer></body></html>"
    )


def saved(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A page of tests/pages through the extractor, with its expectations."""
    spec = SPECS[name]
    record = extract((PAGES / name).read_bytes(), spec["url"], page_outlet(spec["url"], spec, []))
    return record, spec


# ------------------------------------------------------------------ tests/pages
@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_saved_page_passes_every_check(name: str) -> None:
    record, spec = saved(name)
    score = Score()
    score_page(
        spec,
        Found(record["title"], record["published_at"], record["author"], record["body"]),
        score,
    )
    assert score.failures == []


def test_bench_scores_saved_pages_ahead_of_trafilatura() -> None:
    ours, theirs = evaluate(PAGES, [])
    assert ours.failures == []
    for kind in KINDS:
        assert ours.passed[kind] >= theirs.passed[kind], kind
    assert sum(ours.passed.values()) > sum(theirs.passed.values())


# ------------------------------------------------------------------ titles
@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (f"<title>{HEADLINE} | صوت الشام</title><meta property='og:site_name' content='صوت الشام'>",
         HEADLINE),
        (f"<title>الرافدين :: {HEADLINE}</title><meta name='application-name' content='الرافدين'>",
         HEADLINE),
        (f"<title>{HEADLINE} – قناة النهار اليوم</title>"
         "<meta property='og:site_name' content='النهار اليوم'>", HEADLINE),
        (f"<meta property='og:title' content='موقع الخليج: {HEADLINE}'>"
         "<meta property='og:site_name' content='موقع الخليج'>", HEADLINE),
        (f"<meta property='og:title' content='{HEADLINE} - عين الجنوب'>"
         '<script type="application/ld+json">{"@context":"https://schema.org",'
         '"@type":"WebSite","name":"عين الجنوب"}</script>', HEADLINE),
        (f"<meta property='og:title' content='{HEADLINE} - منصة الاختبار'>", HEADLINE),
        (f"<title>{HEADLINE} - Akhbarna.com</title>", HEADLINE),
    ],
    ids=["suffix-pipe", "prefix-colons", "suffix-dash-more-words", "prefix-colon",
         "jsonld-website", "display-name", "host-name"],
)
def test_site_name_cut_from_title(head: str, expected: str) -> None:
    assert extract(page(head))["title"] == expected


def test_title_wrapped_by_a_name_the_page_only_implies() -> None:
    """<title> "Name - Headline" beside <h1> "Headline": the name is the site's."""
    record = extract(page(f"<title>المدينة اليوم - {HEADLINE}</title>"
                          "<meta name='author' content='المدينة اليوم'>"))
    assert record["title"] == HEADLINE
    assert record["author"] is None


def test_title_entities_unescaped() -> None:
    head = ('<script type="application/ld+json">{"@type":"NewsArticle",'
            '"headline":"&amp;quot;خطة&amp;quot; لإعادة تأهيل السدود"}</script>')
    assert extract(page(head))["title"] == '"خطة" لإعادة تأهيل السدود'
    assert extract(page("<title>&quot;خطة&quot; للسدود</title>", h1=None))["title"] == (
        '"خطة" للسدود'
    )


def test_colon_inside_a_headline_is_kept() -> None:
    title = "وزارة العمل: تفاصيل تسفير العمال إلى الخارج"
    assert extract(page(f"<title>{title}</title>", h1=title))["title"] == title


# ------------------------------------------------------------------ authors
@pytest.mark.parametrize(
    "author",
    [
        "منصة الاختبار",            # the outlet's display name
        "akhbarna",                 # the host's name
        "(بيروت - النهار)",         # a dateline
        "القاهرة - أ ش أ",
        "رويترز",
        "أ ف ب",
        "وكالات",
        "https://www.facebook.com/page",
        "www.akhbarna.example",
        "شعار الموقع",
        "site logo",
    ],
)
def test_not_an_author(author: str) -> None:
    assert extract(page(f"<meta name='author' content='{author}'>"))["author"] is None


def test_publisher_as_jsonld_author_is_no_author() -> None:
    head = ('<script type="application/ld+json">{"@type":"NewsArticle","headline":"خبر",'
            '"author":{"@type":"Organization","name":"LBC News"},'
            '"publisher":{"@type":"Organization","name":"LBC News"}}</script>')
    assert extract(page(head))["author"] is None


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("<span class='writeBy'>كتبت آية سمير</span>", "آية سمير"),
        ("<div>كتب: سمير العلي</div>", "سمير العلي"),
        ("<p>حوار: ليلى حسن</p>", "ليلى حسن"),
        ("<p>بقلم د. مازن فاضل</p>", "د. مازن فاضل"),
        ("<div>إعداد: نور الهدى - بيروت</div>", "نور الهدى"),
        ("<div class='author-box'><a href='/category/x'>سياسة</a>"
         "<a href='/writers/3'>رامي خليل</a></div>", "رامي خليل"),
        ("<div>كتب: <a href='/profile?id=7'>سامر نجم</a></div>", "سامر نجم"),
        ("<div><a href='/author/nada'>ندى فارس</a></div>", "ندى فارس"),
    ],
)
def test_byline_by_the_headline(byline: str, expected: str) -> None:
    record = extract(page("<meta name='author' content='واس'>", top=byline))
    assert record["author"] == expected
    assert expected not in record["body"]


def test_a_short_first_sentence_stays_in_the_body() -> None:
    text = ["كتب الرئيس رسالة إلى البرلمان يوم 3 أيار 2015.", *TEXT]
    assert extract(page(text=text))["body"].startswith("كتب الرئيس رسالة")


def test_byline_at_the_start_of_the_first_paragraph() -> None:
    text = ["كتب محمد الأحمد: " + TEXT[0], *TEXT[1:]]
    assert extract(page(text=text))["author"] == "محمد الأحمد"
    sentence = ["كتب الرئيس على حسابه في تويتر أن " + TEXT[0], *TEXT[1:]]
    assert extract(page(text=sentence))["author"] is None


def test_several_authors_joined() -> None:
    head = ('<script type="application/ld+json">{"@type":"NewsArticle","headline":"خبر",'
            '"author":[{"@type":"Person","name":"أحمد يوسف"},'
            '{"@type":"Person","name":"هدى سالم"}]}</script>')
    assert extract(page(head))["author"] == "أحمد يوسف، هدى سالم"
    assert extract(page(top="<p>كتب: أحمد يوسف و هدى سالم</p>"))["author"] == (
        "أحمد يوسف، هدى سالم"
    )


# ------------------------------------------------------------------ dates
def test_dateline_by_the_headline_beats_the_header_clock() -> None:
    html = page(top="<div class='meta'>الأحد 12 تموز 2020 - 10:15</div>").replace(
        "<header>", "<header><span class='date'>اليوم هو الخميس 26 تشرين الثاني 2026</span>"
    )
    assert extract(html)["published_at"] == "2020-07-12T10:15:00+03:00"
    table = ("<html><body><table><tr><td>اليوم: 26/11/2026</td></tr><tr><td>"
             + "".join(f"<p>{p}</p>" for p in TEXT) + "<p>نشر في 3/6/2023</p></td></tr>"
             "</table></body></html>")
    assert extract(table)["published_at"] == "2023-06-03T00:00:00+03:00"


@pytest.mark.parametrize(
    ("dateline", "expected"),
    [
        ("الخميس 4 آذار 2021 | 3:45 م", "2021-03-04T15:45:00+02:00"),
        ("الإثنين، 20 مايو 2024 07:00 ص", "2024-05-20T07:00:00+03:00"),
        ("تم نشره الجمعة 24 نيسان / أبريل 2020 09:22 مساءً", "2020-04-24T21:22:00+03:00"),
        ("٠٩:٣٠ صباحاً - ٣ حزيران ٢٠٢٣", "2023-06-03T09:30:00+03:00"),
        ("2023/06/03 - 21:05", "2023-06-03T21:05:00+03:00"),
        ("28 آب/اغسطس 2013، 14:00 (GMT+0400)", "2013-08-28T14:00:00+04:00"),
        ("28 آب/اغسطس 2013، آخر تحديث 14:00", "2013-08-28T00:00:00+03:00"),
    ],
)
def test_time_of_day_kept(dateline: str, expected: str) -> None:
    assert extract(page(top=f"<span>{dateline}</span>"))["published_at"] == expected


def test_bare_machine_date_takes_the_datelines_time() -> None:
    html = page("<meta property='article:published_time' content='2021-03-04'>",
                top="<span>4 آذار 2021 - 3:45 م</span>")
    assert extract(html)["published_at"] == "2021-03-04T15:45:00+02:00"


def test_local_time_labelled_utc_with_the_outlet_option() -> None:
    html = page("<meta property='article:published_time' content='2024-05-20T07:00:00Z'>")
    cairo = {"timezone": "Africa/Cairo"}
    assert extract(html, of=outlet(**cairo))["published_at"] == "2024-05-20T07:00:00+00:00"
    assert extract(html, of=outlet(**cairo, utc_is_local=True))["published_at"] == (
        "2024-05-20T07:00:00+03:00"
    )
    offset = html.replace("07:00:00Z", "07:00:00+02:00")  # a real offset is left alone
    assert extract(offset, of=outlet(**cairo, utc_is_local=True))["published_at"] == (
        "2024-05-20T07:00:00+02:00"
    )


def test_utc_is_local_is_validated_naming_outlet_and_field() -> None:
    with pytest.raises(OutletsConfigError, match=r"outlet 'test': utc_is_local: "):
        outlet(utc_is_local="sometimes")


# ------------------------------------------------------------------ body
def test_read_also_policy_and_teasers_stay_out() -> None:
    tail = [
        "اقرأ أيضاً: بلدية المدينة تطلق حملة لتشجير الشوارع",
        "يرحب الموقع بتعليقات القراء، والآراء الواردة في التعليقات لا تعبر عن رأي الموقع.",
        "بلدية المدينة تطلق حملة لتشجير الشوارع",
        "مهرجان للكتاب في الساحة العامة",
    ]
    assert drop_boilerplate([*TEXT, *tail], is_link=set(tail[2:]).__contains__) == TEXT
    assert drop_boilerplate([*TEXT, *tail]) == [*TEXT, *tail[2:]]  # not links: kept
    assert drop_boilerplate([*TEXT, tail[1], TEXT[0]]) == [*TEXT, TEXT[0]]
    promo = "تابعونا على قناتنا في تلغرام لمتابعة آخر الأخبار"
    assert drop_boilerplate([*TEXT, promo]) == TEXT
    listed = [*TEXT[:2], "إقرأ المزيد", "مهرجان للكتاب في الساحة العامة", TEXT[2]]
    assert drop_boilerplate(listed) == TEXT
    teasers = "".join(f"<p><a href='/n/{i}'>{t}</a></p>" for i, t in enumerate(tail[2:]))
    html = page(text=[*TEXT, *tail[:2]]).replace("</article>", teasers + "</article>")
    assert extract(html)["body"] == "\n\n".join(TEXT)


def test_a_short_item_in_a_windows_1256_table_is_not_dropped() -> None:
    record, spec = saved("10-short-table-windows-1256.html")
    assert skip_reason(record) is None
    assert record["body"].split("\n\n") == spec["body_snippets"]
    assert record["title"] == spec["title"]


def test_a_page_without_text_is_still_empty() -> None:
    html = page(text=[], h1="فيديو: جولة في شوارع المدينة القديمة").replace(
        "</article>", "<video src='/v.mp4'></video></article>")
    record = extract(html + "<!-- -->")
    assert record["body"] == ""
    assert skip_reason(record | {"published_at": "2015-01-01T00:00:00+02:00"}) == "empty_body"


# ------------------------------------------------------------------ bad input
def test_no_headline_two_h1_future_date_and_site_name_title() -> None:
    record, _ = saved("11-no-headline.html")
    assert record["title"] and skip_reason(record) is None
    record, _ = saved("12-two-h1.html")
    assert record["title"] == "أمسيات أدبية أسبوعية في المكتبة العامة"
    record, _ = saved("13-future-date.html")
    assert record["published_at"] == "2019-03-12T14:30:00+00:00"
    record, _ = saved("14-title-is-site-name.html")
    assert record["title"] is None and skip_reason(record) == "no_title"
    future = extract(page("<meta property='article:published_time' content='2099-01-01'>"))
    assert future["published_at"] is None and skip_reason(future) == "bad_date"


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<html></html>",
        "<html><body><h1></h1><h1> </h1></body></html>",
        "<title>منصة الاختبار</title><h1>منصة الاختبار</h1>",
        "<meta name='author' content='كتب'><p>كتب</p><p>كتبت: - </p>",
        "<title> | - :: </title><h1>|</h1><p>٣٢/١٣/٢٠٢٠ ٩٩:٩٩ م</p>",
        '<script type="application/ld+json">{"@type":"NewsArticle","author":[null,{"name":3}],'
        '"headline":{"x":1},"datePublished":["2015"]}</script>',
    ],
)
def test_garbage_never_crashes(html: str) -> None:
    record = extract(html or "<html/>")
    assert skip_reason(record) in ("no_title", "empty_body", "bad_date", None)


# ------------------------------------------------------------------ real pages
def test_real_pages_ahead_of_trafilatura() -> None:
    folder = shared_path("realpages", "expect.jsonl").parent
    ours, theirs = evaluate(folder, [])
    total = sum(ours.total.values())
    assert sum(ours.passed.values()) >= total - 2, ours.failures
    assert sum(ours.passed.values()) > sum(theirs.passed.values())
    for kind in KINDS:
        assert ours.passed[kind] >= theirs.passed[kind], (kind, ours.failures)
