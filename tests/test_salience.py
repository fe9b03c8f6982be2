"""Salience: a topic is tagged when it is a subject of the article, not a passing mention.

Every article below was written for these tests; each one isolates one rule.
"""

from __future__ import annotations

import pytest

from processing.phrases import Doc
from tests.helpers import topic_tagger

SPORT_BODY = [
    "فاز المنتخب السعودي على نظيره العراقي بهدفين دون رد في مباراة ودية أقيمت مساء أمس.",
    "وسجل المهاجم الهدف الأول في الدقيقة العشرين بعد تمريرة من الجناح الأيمن.",
    "وأضاف لاعب الوسط الهدف الثاني من ركلة جزاء في الشوط الثاني من المباراة.",
    "وقال المدرب إن الفريق يستعد جيدا للبطولة القارية المقبلة في الصيف.",
]


def record(title: str, *paragraphs: str, lead: str | None = None) -> dict:
    return {"id": "t", "title": title, "lead": lead, "body": "\n\n".join(paragraphs)}


def tags(rec: dict) -> dict[str, dict]:
    return {t["id"]: t for t in topic_tagger().tag(Doc.from_record(rec))}


def test_subject_in_headline_and_lead_is_tagged_with_why() -> None:
    rec = record(
        "داعش يتبنى تفجيرا انتحاريا في بغداد",
        "أعلن تنظيم داعش مسؤوليته عن تفجير انتحاري استهدف سوقا شعبية في بغداد.",
        "وقالت الشرطة إن الانفجار أسفر عن مقتل عشرة أشخاص وإصابة عشرين آخرين.",
        "وكان التنظيم قد تبنى هجمات مماثلة خلال الأشهر الماضية في العاصمة.",
    )
    isis = tags(rec)["isis"]
    assert isis["in_title"] and isis["in_lead"]
    assert isis["sentences"] == 2 and isis["mentions"] == 2 and isis["paragraphs"] == 2
    assert isis["score"] >= 3.5 and isis["evidence"] == ["داعش"]
    assert {"cues", "label_ar", "label_en"} <= set(isis)


def test_an_article_of_another_field_has_only_the_topics_of_its_headline() -> None:
    # a sport story that is much about Russia is not Russia's role in the region ...
    draw = record(
        "قرعة كأس العالم تضع السعودية في مجموعة واحدة مع المضيف",
        "حضر الرئيس الروسي فلاديمير بوتين قرعة كأس العالم في موسكو إلى جانب رئيس الفيفا.",
        "وقال بوتين إن روسيا مستعدة لاستقبال المنتخبات، وإن موسكو أنجزت الملاعب كلها.",
        "وأشاد بوتين بدور سوريا والعراق في تصفيات القارة، وقال إن روسيا ترحب بالجماهير.",
        "وأضاف أن الكرملين يتابع الاستعدادات، وأن روسيا ستقدم بطولة لا تنسى.",
    )
    why = topic_tagger().explain(Doc.from_record(draw))["russia"]
    assert why["score"] >= 3 and not why["passed"] and why["other_field"]
    assert "russia" not in tags(draw)
    # ... unless the topic is in the headline; and a sport word in the body changes nothing
    threat = record("داعش يهدد مباريات كأس العالم في روسيا",
                    "نشر تنظيم داعش ملصقا يهدد فيه جماهير كأس العالم في موسكو.",
                    "وقالت السلطات إنها شددت الإجراءات الأمنية حول الملاعب.")
    assert "isis" in tags(threat)
    attack = record("داعش يتبنى تفجيرا انتحاريا في بغداد",
                    "أعلن تنظيم داعش مسؤوليته عن تفجير انتحاري استهدف سوقا شعبية في بغداد.",
                    "وقالت الشرطة إن الانفجار وقع قرب ملعب لكرة القدم في حي شعبي.",
                    "وكان التنظيم قد تبنى هجمات مماثلة خلال الأشهر الماضية في العاصمة.")
    assert "isis" in tags(attack)


def test_the_p5_plus_1_and_atomic_name_the_nuclear_file() -> None:
    rec = record("طهران والدول الخمس «5 + 1» تستأنف المحادثات",
                 "استأنفت إيران ومجموعة 5+1 في فيينا المفاوضات حول الاتفاق الذري.",
                 "وقال دبلوماسيون إن الملف الذري الإيراني يقترب من تسوية قبل نهاية الشهر.")
    nuclear = tags(rec)["iran_nuclear"]
    assert nuclear["in_title"] and nuclear["sentences"] == 3


def test_a_name_in_a_list_of_countries_counts_nothing() -> None:
    def eu_meeting(*russia_sentences: str) -> dict:
        return record("الاتحاد الأوروبي يناقش عقوبات جديدة على طهران",
                      "ناقش وزراء الخارجية الأوروبيون فرض عقوبات جديدة على إيران.",
                      *russia_sentences,
                      "وأضاف أن الاجتماع المقبل سيعقد في بروكسل الشهر المقبل.")

    listed = eu_meeting(
        "وأكدت فرنسا وبريطانيا وألمانيا وروسيا والصين التزامها بالاتفاق مع إيران.",
        "وقال دبلوماسي إن الدول الثلاث وروسيا والصين تعارض ربط العقوبات بإيران.")
    why = topic_tagger().explain(Doc.from_record(listed))["russia"]
    assert why["mentions"] == 1 and not why["passed"]  # the pair of the second sentence
    acting = eu_meeting("وأكدت روسيا التزامها بالاتفاق مع إيران.",
                        "وقال دبلوماسي إن روسيا تعارض ربط العقوبات بإيران.")
    assert tags(acting)["russia"]["sentences"] == 2
    pair = eu_meeting("وأكدت روسيا والصين التزامهما بالاتفاق مع إيران.",
                      "وقال دبلوماسي إن روسيا تعارض ربط العقوبات بإيران.")
    assert tags(pair)["russia"]["mentions"] == 2  # two names are a pair, not a list


def test_turkish_shelling_and_russian_envoys_are_their_role() -> None:
    shelling = record("مقتل متطوعة بريطانية في عفرين",
                      "قتلت متطوعة بريطانية في القصف التركي على مدينة عفرين شمال سوريا.",
                      "وقالت عائلتها إن الغارات التركية استهدفت موقعا قرب المدينة.")
    assert tags(shelling)["turkey"]["cues"] == 2
    talks = record("هدنة في درعا",
                   "توصلت الفصائل مع الوفد الروسي إلى هدنة في درعا لمدة يوم.",
                   "وقال المبعوث الروسي إن المحادثات ستستأنف في دمشق غدا.")
    assert tags(talks)["russia"]["cues"] == 2


def test_one_background_clause_is_not_a_subject() -> None:
    rec = record(
        "العراق يحدد موعد الانتخابات البرلمانية",
        "أعلنت المفوضية العليا للانتخابات في العراق أن الاقتراع سيجري في الثاني عشر من أيار.",
        "وقالت المفوضية إن أكثر من عشرين مليون ناخب يحق لهم التصويت في المحافظات كلها.",
        "وأضافت أن نحو سبعة آلاف مرشح سجلوا أسماءهم في القوائم الانتخابية حتى الآن.",
        "وتجرى الانتخابات للمرة الأولى منذ هزيمة تنظيم داعش في البلاد.",
    )
    assert "isis" not in tags(rec)


def test_group_named_only_as_a_target_is_weak() -> None:
    doc = Doc.from_text("وقال الوزير إن الحرب على داعش مستمرة وإن بلاده تدعم محاربة داعش.")
    cues = topic_tagger().cues(doc)
    isis = next(c for ti, c in cues.items() if topic_tagger().taxonomy.topics[ti].id == "isis")
    assert all(c.weak for c in isis)
    assert topic_tagger().tag(doc) == []  # weak cues alone never tag a topic


def test_many_sentences_in_the_body_make_a_subject() -> None:
    rec = record(
        "تطورات ميدانية في شمال سوريا",
        "شهدت مناطق في ريف حلب الشمالي اشتباكات متقطعة خلال الليل بين فصائل مسلحة.",
        "وقالت مصادر محلية إن الاشتباكات تركزت قرب الطريق الدولي.",
        "وفي سياق متصل شن تنظيم داعش هجوما على مواقع للجيش في البادية.",
        "وأفادت المصادر بأن عناصر داعش استخدموا سيارات مفخخة في الهجوم.",
        "كما أعلن تنظيم الدولة الإسلامية في بيان أنه قتل عددا من الجنود.",
    )
    isis = tags(rec)["isis"]
    assert not isis["in_title"] and not isis["in_lead"]
    assert isis["sentences"] == 3 and isis["cues"] == 2


def test_teaser_tail_of_other_stories_counts_for_nothing() -> None:
    rec = record(
        "المنتخب السعودي يفوز وديا على العراق",
        *SPORT_BODY,
        "قال الرئيس الروسي فلاديمير بوتين إن قواته ستواصل عملياتها في سوريا ضد الإرهاب.",
        "أعلنت جماعة الحوثي إطلاق صاروخ باليستي باتجاه جازان والتحالف العربي يعترضه.",
    )
    assert tags(rec) == {}
    # the same lines as the article's own subject are tagged
    rec = record("الحوثيون يطلقون صاروخا باتجاه جازان",
                 "أعلنت جماعة الحوثي إطلاق صاروخ باليستي باتجاه جازان والتحالف العربي يعترضه.")
    assert "yemen_war" in tags(rec)


def test_read_also_marker_starts_the_tail() -> None:
    rec = record("المنتخب السعودي يفوز وديا على العراق", *SPORT_BODY,
                 "اقرأ أيضا: مقتل عناصر من داعش في غارة للتحالف الدولي قرب الرقة")
    assert tags(rec) == {}


def test_dateline_is_not_part_of_the_story() -> None:
    doc = Doc.from_record(record(
        "ارتفاع أسعار النفط",
        "أتلانتا، الولايات المتحدة الأمريكية (CNN)-- ارتفعت أسعار النفط الخام الثلاثاء.",
        "وقال محللون إن الطلب على الوقود يزداد مع اقتراب فصل الصيف."))
    assert doc.datelines == {1}
    assert doc.raw_tokens[doc.sentence_starts[2]] == "ارتفعت"
    assert topic_tagger().tag(doc) == []


@pytest.mark.parametrize("text", [
    "تأهل المنتخب إلى الجولة الثانية من التصفيات بعد فوزه في الجولة الأولى.",
    "بدأ المفتشون جولات ميدانية على المصانع في المنطقة الصناعية.",
    "أكد الوزير أن الجولان أرض سورية محتلة.",
])
def test_names_do_not_meet_other_words_of_the_same_stem(text: str) -> None:
    # الجولاني (Nusra's leader) stems like الجولة, جولات and الجولان: names match whole
    assert "nusra" not in {t["id"] for t in topic_tagger().tag(Doc.from_text(text))}
    assert "nusra" in {t["id"] for t in topic_tagger().tag(Doc.from_text(
        "ظهر أبو محمد الجولاني في تسجيل مصور وقال إن مقاتليه مستعدون.")) }


def test_a_name_written_with_the_article_needs_it() -> None:
    # نصرة (support) and قاعدة (base) are common nouns; النصرة and القاعدة are the groups
    common = ("نظم طلاب الجامعة وقفة نصرة لأهالي إدلب، ودعوا إلى نصرة المدنيين في سوريا."
              " وقال المنظمون إن قاعدة العمل الإغاثي هي نصرة المحتاجين في سوريا دون تمييز.")
    assert "nusra" not in {t["id"] for t in topic_tagger().tag(Doc.from_text(common))}
    group = ("هاجم مسلحو جبهة النصرة مواقع للجيش في ريف إدلب، وقالت مصادر إن عناصر النصرة"
             " انسحبوا بعد ساعات من القتال. وتصنف واشنطن النصرة منظمة إرهابية.")
    assert "nusra" in {t["id"] for t in topic_tagger().tag(Doc.from_text(group))}


def test_scope_the_us_outside_the_region_is_not_us_policy() -> None:
    economy = record(
        "الأسهم الأميركية تتراجع",
        "تراجعت الأسهم الأميركية بعد أن فرض الرئيس الأميركي دونالد ترامب رسوما على الواردات.",
        "وقالت وزارة التجارة الأميركية إن الرسوم تشمل الصلب والألمنيوم.",
        "وهبط مؤشر داو جونز الصناعي في بورصة وول ستريت بنسبة اثنين في المئة.",
    )
    assert "us_policy" not in tags(economy)
    syria = record(
        "واشنطن تعلن سحب قواتها من سوريا",
        "أعلن البيت الأبيض أن الولايات المتحدة ستسحب قواتها من سوريا خلال أشهر.",
        "وقال وزير الدفاع الأميركي إن القوات الأميركية أنجزت مهمتها في شرق سوريا.",
        "وأضاف أن واشنطن ستواصل دعم شركائها في المنطقة.",
    )
    assert "us_policy" in tags(syria)


def test_short_text_about_one_thing_is_tagged() -> None:
    [tag] = topic_tagger().tag(Doc.from_text("قالت الأمم المتحدة إن آلاف النازحين عادوا."))
    assert tag["id"] == "refugees" and tag["sentences"] == 1


@pytest.mark.parametrize("rec", [
    {"id": "e", "title": "", "lead": None, "body": ""},
    {"id": "t", "title": "داعش يهاجم مواقع للجيش العراقي", "lead": None, "body": ""},
    {"id": "n", "title": None, "lead": None, "body": None},
    {"id": "m", "title": "Syria: ISIS attack", "lead": None,
     "body": "L'État islamique a revendiqué l'attaque. وقال مسؤول إن داعش هاجم الموقع. "
             "The Islamic State claimed it."},
])
def test_odd_records_are_tagged_or_not_never_a_crash(rec: dict) -> None:
    result = topic_tagger().tag(Doc.from_record(rec))
    if rec["id"] in ("t", "m"):
        assert [t["id"] for t in result] == ["isis"]
    else:
        assert result == []


def test_a_one_megabyte_article_is_tagged() -> None:
    paragraph = "واصل تنظيم داعش هجماته على مواقع الجيش في محيط الرقة بحسب مصادر محلية. "
    body = "\n\n".join([paragraph * 4] * 4000)
    assert len(body.encode("utf-8")) > 1_000_000
    tag = tags(record("داعش يواصل هجماته", body))["isis"]
    assert tag["sentences"] > 1000 and len(tag["evidence"]) <= 10
