"""Writes the test pages of this folder and their expect.jsonl (run it after editing).

Every page is fictional, written for Raqib's tests: each one reproduces a failure
pattern seen on real Arabic news pages (see bench/extraction_quality.py for the
checks). ``python tests/pages/build.py`` rewrites the ``*.html`` files and ``expect.jsonl``.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

P = [
    "أعلنت وزارة الموارد المائية أن منسوب نهر الفرات ارتفع خلال الأسبوع الماضي بعد أشهر من"
    " الجفاف، ما سمح بإعادة تشغيل محطات الضخ المتوقفة في ثلاث محافظات.",
    "وقال المتحدث باسم الوزارة في مؤتمر صحفي إن الفرق الفنية باشرت صيانة القنوات الرئيسية،"
    " وإن المزارعين سيحصلون على حصصهم من مياه الري قبل بدء الموسم الشتوي.",
    "وأضاف أن الحكومة خصصت مبالغ إضافية لتأهيل السدود الصغيرة، داعياً المواطنين إلى ترشيد"
    " الاستهلاك لأن موجات الجفاف قد تعود في أي وقت بحسب تقديرات الخبراء.",
    "من جهتهم، رحّب ممثلو الجمعيات الزراعية بالقرار، لكنهم طالبوا بتعويض الخسائر التي لحقت"
    " بالمحاصيل خلال الصيف، حين تراجعت المساحات المزروعة إلى النصف تقريباً.",
    "ويرى مراقبون أن أزمة المياه ستبقى في صدارة الملفات الإقليمية، مع تزايد الحاجة إلى"
    " اتفاقات ملزمة لتقاسم مياه الأنهار المشتركة بين دول المنطقة.",
]
Q = [
    "افتتحت البلدية صباح اليوم المكتبة العامة بعد ترميم استمر عامين، بحضور عدد من الكتّاب"
    " والطلاب الذين تجمعوا أمام المبنى التاريخي في وسط المدينة القديمة.",
    "وتضم المكتبة أكثر من أربعين ألف كتاب ومخطوطة، إلى جانب قاعة رقمية مجهزة بالحواسيب"
    " تتيح للباحثين الاطلاع على الأرشيف المصوّر للصحف المحلية منذ مطلع القرن الماضي.",
    "وأوضح رئيس البلدية أن أعمال الترميم حافظت على الواجهات الحجرية والنوافذ الخشبية"
    " الأصلية، وأن كلفة المشروع جاءت من تبرعات الأهالي ومنحة من مؤسسة ثقافية.",
    "وأعلنت إدارة المكتبة عن برنامج أمسيات أدبية أسبوعية يبدأ الشهر المقبل، يستضيف شعراء"
    " وروائيين من مختلف المدن، إضافة إلى ورش للكتابة موجهة إلى اليافعين.",
]


def paras(items: list[str]) -> str:
    return "\n".join(f"<p>{p}</p>" for p in items)


def page(head: str, body: str, lang: str = "ar") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}" dir="rtl">\n<head>\n<meta charset="utf-8">\n'
        f"{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


CHROME_TOP = (
    '<header class="site-header"><a class="logo" href="/"><img src="/logo.png" alt="logo"></a>'
    '<nav><a href="/">الرئيسية</a> <a href="/politics">سياسة</a> <a href="/economy">اقتصاد</a>'
    ' <a href="/contact">اتصل بنا</a></nav></header>'
)
CHROME_BOTTOM = (
    '<aside class="most-read"><h3>الأكثر قراءة</h3><ul><li><a href="/n/7">ارتفاع أسعار الذهب'
    ' في الأسواق المحلية</a></li><li><a href="/n/8">افتتاح معرض الكتاب السنوي</a></li></ul>'
    '</aside><footer><p>جميع الحقوق محفوظة © 2024</p></footer>'
)

PAGES: list[tuple[str, str, dict]] = []


def add(name: str, html: str, expect: dict, encoding: str = "utf-8") -> None:
    PAGES.append((name, html, {"file": name, **expect}, encoding))


# 1. Site name as a title suffix after "|", the publisher given as the author (JSON-LD).
add("01-suffix-pipe-publisher-author.html", page(
    '<title>ارتفاع منسوب الفرات يعيد تشغيل محطات الضخ | صوت الشام</title>\n'
    '<meta property="og:site_name" content="صوت الشام">\n'
    '<meta property="og:title" content="ارتفاع منسوب الفرات يعيد تشغيل محطات الضخ - صوت الشام">\n'
    '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
    '"headline":"ارتفاع منسوب الفرات يعيد تشغيل محطات الضخ | صوت الشام",'
    '"datePublished":"2023-10-04T08:30:00+03:00",'
    '"author":{"@type":"Organization","name":"صوت الشام"},'
    '"publisher":{"@type":"Organization","name":"صوت الشام"}}</script>',
    CHROME_TOP + '<main><article><h1>ارتفاع منسوب الفرات يعيد تشغيل محطات الضخ</h1>'
    + paras(P) + "</article></main>" + CHROME_BOTTOM,
), {
    "url": "https://www.sawtalsham.example/news/2023/10/04/furat",
    "title": "ارتفاع منسوب الفرات يعيد تشغيل محطات الضخ",
    "published": "2023-10-04T08:30:00+03:00", "published_has_time": True,
    "author": None, "body_snippets": [P[0][:60], P[4][:60]],
    "not_in_body": ["الأكثر قراءة", "ارتفاع أسعار الذهب", "جميع الحقوق محفوظة"],
})

# 2. Site name as a title prefix after "::", known only from application-name; a byline
#    "كتب:" under the headline; the date only as visible text there, while the page header
#    shows today's clock ("اليوم هو …") first.
add("02-prefix-colons-byline-dateline-today.html", page(
    '<title>الرافدين :: افتتاح المكتبة العامة بعد ترميم استمر عامين</title>\n'
    '<meta name="application-name" content="الرافدين">',
    '<div class="top-bar"><span class="today">اليوم هو الخميس 26 تشرين الثاني 2026</span>'
    '<span class="date">الخميس 26 تشرين الثاني 2026</span></div>' + CHROME_TOP
    + '<div class="content"><h1>افتتاح المكتبة العامة بعد ترميم استمر عامين</h1>'
    '<div class="meta"><span>كتب: سمير العلي</span> <span>الأحد 12 تموز 2020 - 10:15</span></div>'
    + paras(Q) + "</div>" + CHROME_BOTTOM,
), {
    "url": "https://alrafidain.example/article.php?id=4411",
    "title": "افتتاح المكتبة العامة بعد ترميم استمر عامين",
    "published": "2020-07-12T10:15", "published_has_time": True,
    "author": "سمير العلي", "body_snippets": [Q[0][:60], Q[3][:60]],
    "not_in_body": ["اليوم هو", "كتب: سمير العلي"],
})

# 3. Entities in the title (even double-escaped in JSON-LD), the site's name after "–"
#    with a word more ("قناة …"), a dateline as the author, a bare machine date whose
#    time of day (12-hour, "م") is only in the visible dateline.
add("03-entities-dash-dateline-author-12h.html", page(
    '<title>&quot;خطة&quot; لإعادة تأهيل السدود الصغيرة – قناة النهار اليوم</title>\n'
    '<meta name="author" content="(بيروت - النهار اليوم)">\n'
    '<meta property="article:published_time" content="2021-03-04">\n'
    '<script type="application/ld+json">{"@context":"https://schema.org","@type":"WebSite",'
    '"name":"النهار اليوم","url":"https://annaharalyawm.example/"}</script>',
    CHROME_TOP + '<article><h1>&quot;خطة&quot; لإعادة تأهيل السدود الصغيرة</h1>'
    '<p class="time">الخميس 4 آذار 2021 | 3:45 م</p>' + paras(P[1:]) + "</article>"
    + CHROME_BOTTOM,
), {
    "url": "https://annaharalyawm.example/news/88231",
    "title": "\"خطة\" لإعادة تأهيل السدود الصغيرة",
    "published": "2021-03-04T15:45", "published_has_time": True,
    "author": None, "body_snippets": [P[1][:60], P[3][:60]],
    "not_in_body": ["جميع الحقوق محفوظة"],
})

# 4. An agency as the author (meta), the real writer under the headline ("حوار:"),
#    the site's name before ":" in og:title.
add("04-agency-author-hiwar-colon.html", page(
    '<title>موقع الخليج: وزير الثقافة يتحدث عن خطط المكتبات</title>\n'
    '<meta property="og:site_name" content="موقع الخليج">\n'
    '<meta property="og:title" content="موقع الخليج: وزير الثقافة يتحدث عن خطط المكتبات">\n'
    '<meta name="author" content="واس">\n'
    '<meta property="article:published_time" content="2022-01-15T19:05:00+04:00">',
    CHROME_TOP + '<article><h1>وزير الثقافة يتحدث عن خطط المكتبات</h1>'
    '<div class="info"><p>حوار: ليلى حسن</p></div>' + paras(Q) + "</article>" + CHROME_BOTTOM,
), {
    "url": "https://alkhaleej-site.example/culture/2022/01/15/interview",
    "title": "وزير الثقافة يتحدث عن خطط المكتبات",
    "published": "2022-01-15T19:05:00+04:00", "published_has_time": True,
    "author": "ليلى حسن", "body_snippets": [Q[1][:60], Q[2][:60]],
    "not_in_body": ["حوار: ليلى حسن"],
})

# 5. Bad input: the byline is a URL, the JSON-LD author a logo's text.
add("05-url-and-logo-author.html", page(
    '<title>البلدية تفتتح المكتبة العامة</title>\n'
    '<meta name="author" content="https://www.facebook.com/almarsad.page">\n'
    '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
    '"headline":"البلدية تفتتح المكتبة العامة","datePublished":"2019-09-01T09:00:00+03:00",'
    '"author":{"@type":"Person","name":"شعار المرصد"}}</script>',
    CHROME_TOP + '<article><h1>البلدية تفتتح المكتبة العامة</h1>'
    '<div class="byline"><a href="https://almarsad.example/">almarsad.example</a></div>'
    + paras(Q) + "</article>" + CHROME_BOTTOM,
), {
    "url": "https://almarsad.example/local/5521",
    "title": "البلدية تفتتح المكتبة العامة",
    "published": "2019-09-01T09:00:00+03:00", "published_has_time": True,
    "author": None, "body_snippets": [Q[0][:60]], "not_in_body": [],
})

# 6. Two authors in JSON-LD; a 24-hour time.
add("06-two-authors.html", page(
    '<title>أزمة المياه في صدارة الملفات الإقليمية - المرصد العربي</title>\n'
    '<meta property="og:site_name" content="المرصد العربي">\n'
    '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
    '"headline":"أزمة المياه في صدارة الملفات الإقليمية",'
    '"datePublished":"2024-02-11T21:40:00+02:00",'
    '"author":[{"@type":"Person","name":"أحمد يوسف"},{"@type":"Person","name":"هدى سالم"}]}'
    "</script>",
    CHROME_TOP + '<article><h1>أزمة المياه في صدارة الملفات الإقليمية</h1>' + paras(P)
    + "</article>" + CHROME_BOTTOM,
), {
    "url": "https://almarsad-alarabi.example/2024/02/11/water",
    "title": "أزمة المياه في صدارة الملفات الإقليمية",
    "published": "2024-02-11T21:40:00+02:00", "published_has_time": True,
    "author": "أحمد يوسف، هدى سالم", "body_snippets": [P[2][:60]], "not_in_body": [],
})

# 7. An author block beside the title (and a section link inside the author container),
#    the site's name known only from the JSON-LD WebSite; the publisher as meta author.
add("07-author-block-website-name.html", page(
    '<title>المكتبة العامة تستقبل زوارها بعد الترميم - عين الجنوب</title>\n'
    '<meta name="author" content="عين الجنوب">\n'
    '<meta property="article:published_time" content="2018-05-06T12:00:00+03:00">\n'
    '<script type="application/ld+json">{"@context":"https://schema.org","@type":"WebSite",'
    '"name":"عين الجنوب"}</script>',
    CHROME_TOP + '<div class="article-head"><h1>المكتبة العامة تستقبل زوارها بعد الترميم</h1>'
    '<div class="author-container"><a class="cat" href="/category/culture">ثقافة</a>'
    '<div class="writer-box"><a href="/writers/12">رامي خليل</a></div></div></div>'
    '<div class="article-body">' + paras(Q) + "</div>" + CHROME_BOTTOM,
), {
    "url": "https://ainaljanoub.example/story/9981",
    "title": "المكتبة العامة تستقبل زوارها بعد الترميم",
    "published": "2018-05-06T12:00:00+03:00", "published_has_time": True,
    "author": "رامي خليل", "body_snippets": [Q[2][:60]], "not_in_body": ["رامي خليل"],
})

# 8. Local time labelled as UTC ("07:00:00Z" for 07:00 in Cairo): the outlet option
#    utc_is_local reads it as local time; the visible dateline says "07:00 ص".
add("08-local-time-labelled-utc.html", page(
    '<title>وزارة الري: إعادة تشغيل محطات الضخ قريباً - صدى النيل</title>\n'
    '<meta property="og:site_name" content="صدى النيل">\n'
    '<meta property="og:title" content="وزارة الري: إعادة تشغيل محطات الضخ قريباً - صدى النيل">\n'
    '<meta property="article:published_time" content="2024-05-20T07:00:00Z">',
    CHROME_TOP + '<article><h1>وزارة الري: إعادة تشغيل محطات الضخ قريباً</h1>'
    '<span class="newsDate">الإثنين، 20 مايو 2024 07:00 ص</span>'
    '<span class="writeBy">كتبت منى عادل</span>' + paras(P) + "</article>" + CHROME_BOTTOM,
), {
    "url": "https://sadaalnil.example/story/2024/5/20/ray/6600",
    "timezone": "Africa/Cairo", "utc_is_local": True,
    "title": "وزارة الري: إعادة تشغيل محطات الضخ قريباً",
    "published": "2024-05-20T07:00:00+03:00", "published_has_time": True,
    "author": "منى عادل", "body_snippets": [P[0][:60], P[3][:60]],
    "not_in_body": ["كتبت منى عادل"],
})

# 9. A comment policy, a "read also" list and teasers at the end of the body.
add("09-comment-policy-read-also-teasers.html", page(
    '<title>افتتاح المكتبة العامة</title>\n'
    '<meta property="article:published_time" content="2017-11-02T16:20:00+02:00">',
    CHROME_TOP + '<article><h1>افتتاح المكتبة العامة</h1>' + paras(Q)
    + "<p>اقرأ أيضاً: بلدية المدينة تطلق حملة لتشجير الشوارع</p>"
    + "<h3>اقرأ أيضا</h3><ul><li><a href='/n/31'>مهرجان للكتاب في الساحة العامة</a></li>"
    + "<li><a href='/n/32'>طلاب المدارس يزورون المتحف الوطني</a></li></ul>"
    + "<p>يرحب الموقع بتعليقات القراء ونقاشهم، ونحتفظ بحق حذف التعليقات المسيئة. الآراء الواردة"
    " في التعليقات لا تعبر عن رأي الموقع، وتخضع لشروط الاستخدام وسياسة الخصوصية.</p>"
    + "<p><a href='/n/30'>بلدية المدينة تطلق حملة لتشجير الشوارع</a></p>"
    + "<p><a href='/n/31'>مهرجان للكتاب في الساحة العامة</a></p>"
    + "</article>" + CHROME_BOTTOM,
), {
    "url": "https://madinati.example/news/77",
    "title": "افتتاح المكتبة العامة",
    "published": "2017-11-02T16:20:00+02:00", "published_has_time": True,
    "author": None, "body_snippets": [Q[0][:60], Q[3][:60]],
    "not_in_body": ["اقرأ أيضا", "حملة لتشجير الشوارع", "مهرجان للكتاب",
                    "لا تعبر عن رأي الموقع", "طلاب المدارس يزورون"],
})

# 10. A short three-paragraph item in an old table layout, encoded windows-1256, no <h1>.
SHORT = [
    "أعلن محافظ المدينة إغلاق الطريق الدولي مؤقتاً بسبب الأمطار الغزيرة.",
    "وأوضح أن فرق الدفاع المدني تعمل على فتح المجاري المسدودة.",
    "ودعا السائقين إلى استخدام الطرق الفرعية حتى إشعار آخر.",
]
add("10-short-table-windows-1256.html", (
    '<html dir="rtl"><head><meta http-equiv="Content-Type" content="text/html;'
    ' charset=windows-1256"><title>المنبر الحر - إغلاق الطريق الدولي بسبب الأمطار</title>'
    "</head><body><table width='100%'><tr><td colspan='2'><img src='/logo.gif'"
    " alt='المنبر الحر'> المنبر الحر</td></tr><tr><td class='menu' valign='top'>"
    "<a href='/'>الرئيسية</a><br><a href='/local'>محليات</a><br><a href='/world'>دوليات</a>"
    "<br><a href='/contact'>اتصل بنا</a></td><td valign='top'><table>"
    "<tr><td><font size='4'><b>إغلاق الطريق الدولي بسبب الأمطار</b></font></td></tr>"
    "<tr><td><font size='1'>2015/05/21</font></td></tr><tr><td><font size='2'>"
    + "<br><br>".join(SHORT)
    + "</font></td></tr><tr><td><a href='/print?id=5'>طباعة</a> | <a href='/send?id=5'>"
    "أرسل لصديق</a></td></tr></table></td></tr><tr><td colspan='2' align='center'>"
    "جميع الحقوق محفوظة للمنبر الحر</td></tr></table></body></html>\n"
), {
    "url": "http://almenbar-alhurr.example/article.php?id=5",
    "title": "إغلاق الطريق الدولي بسبب الأمطار",
    "published": "2015-05-21", "published_has_time": False,
    "author": None, "body_snippets": SHORT,
    "not_in_body": ["طباعة", "أرسل لصديق", "جميع الحقوق محفوظة", "الرئيسية"],
}, encoding="windows-1256")

# 11. Bad input: no headline element at all (title only in <title>).
add("11-no-headline.html", page(
    '<title>تعويضات للمزارعين عن خسائر الصيف - صوت الشام</title>\n'
    '<meta property="og:site_name" content="صوت الشام">\n'
    '<meta property="article:published_time" content="2023-08-19T11:00:00+03:00">',
    CHROME_TOP + '<div class="story">' + paras(P[2:]) + "</div>" + CHROME_BOTTOM,
), {
    "url": "https://www.sawtalsham.example/news/2023/08/19/farmers",
    "title": "تعويضات للمزارعين عن خسائر الصيف",
    "published": "2023-08-19T11:00:00+03:00", "published_has_time": True,
    "author": None, "body_snippets": [P[3][:60]], "not_in_body": [],
})

# 12. Bad input: two <h1> (the logo's, then the headline's); the title suffix after "-".
add("12-two-h1.html", page(
    '<title>أمسيات أدبية أسبوعية في المكتبة العامة - صدى الوادي</title>',
    '<header><h1 class="logo"><a href="/">صدى الوادي</a></h1><nav><a href="/">الرئيسية</a>'
    '</nav></header><main><article><h1>أمسيات أدبية أسبوعية في المكتبة العامة</h1>'
    '<div class="date">السبت 3 حزيران 2023 - 19:30</div>' + paras(Q) + "</article></main>"
    + CHROME_BOTTOM,
), {
    "url": "https://sadaalwadi.example/news/4021",
    "title": "أمسيات أدبية أسبوعية في المكتبة العامة",
    "published": "2023-06-03T19:30", "published_has_time": True,
    "author": None, "body_snippets": [Q[3][:60]], "not_in_body": ["الأكثر قراءة"],
})

# 13. Bad input: a machine date in the future; the dateline by the headline is right.
add("13-future-date.html", page(
    '<title>ترشيد استهلاك المياه قبل الموسم الشتوي</title>\n'
    '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
    '"headline":"ترشيد استهلاك المياه قبل الموسم الشتوي","datePublished":"2099-01-01T00:00:00Z"}'
    "</script>",
    CHROME_TOP + '<article><h1>ترشيد استهلاك المياه قبل الموسم الشتوي</h1>'
    '<div>نشر في ١٢ مارس ٢٠١٩ الساعة ١٤:٣٠</div>' + paras(P) + "</article>" + CHROME_BOTTOM,
), {
    "url": "https://rafidain-news.example/a/301",
    "title": "ترشيد استهلاك المياه قبل الموسم الشتوي",
    "published": "2019-03-12T14:30", "published_has_time": True,
    "author": None, "body_snippets": [P[1][:60]], "not_in_body": [],
})

# 14. Bad input: the only title is the site's name (no headline): no title, skipped.
add("14-title-is-site-name.html", page(
    '<title>صدى الوادي</title>\n<meta property="og:site_name" content="صدى الوادي">\n'
    '<meta property="og:title" content="صدى الوادي">\n'
    '<meta property="article:published_time" content="2023-06-03T19:30:00+03:00">',
    CHROME_TOP + '<div class="story">' + paras(Q) + "</div>" + CHROME_BOTTOM,
), {
    "url": "https://sadaalwadi.example/news/4022",
    "title": None,
    "published": "2023-06-03T19:30:00+03:00", "published_has_time": True,
    "author": None, "body_snippets": [Q[1][:60]], "not_in_body": [],
})


def main() -> None:
    lines = []
    for name, html, expect, encoding in PAGES:
        (HERE / name).write_bytes(html.encode(encoding))
        expect.setdefault("title_alternatives", [])
        expect.setdefault("published_alternatives", [])
        lines.append(json.dumps(expect, ensure_ascii=False))
    (HERE / "expect.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
