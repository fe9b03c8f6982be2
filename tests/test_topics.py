"""Topic tagging: the real sample article, precision rules, evidence, broken taxonomies."""

from __future__ import annotations

import pytest
import yaml

from processing.evaluation import CORE_TOPICS
from processing.topics import (
    DEFAULT_PATH,
    TaxonomyError,
    TopicTagger,
    load_taxonomy,
    parse_taxonomy,
    tag_topics,
)


def ids(text: str) -> set[str]:
    return {t["id"] for t in tag_topics(text)}


def test_sample_article_gets_all_core_topics_with_evidence(sample_text: str) -> None:
    topics = {t["id"]: t for t in tag_topics(sample_text)}
    assert set(CORE_TOPICS) <= set(topics)
    for tid in CORE_TOPICS:
        topic = topics[tid]
        assert topic["evidence"], tid
        assert topic["score"] >= 1.0
        assert topic["label_ar"] and topic["label_en"]
        for quote in topic["evidence"]:
            assert quote in sample_text, (tid, quote)  # quoted as written, not normalised
    assert "الحشد الشعبي" in topics["pmf"]["evidence"]
    assert "الإتحاد الديمقراطي" in topics["kurds"]["evidence"]  # the outlet's own spelling


@pytest.mark.parametrize(
    "text",
    [
        "أقرت الشركة تقسيم الأرباح على المساهمين.",
        "جرت قرعة تقسيم المجموعات لكأس آسيا.",
        "شن التحالف العربي في اليمن غارات على مواقع الحوثيين.",
        "قالت مصادر التحالف إن الغارات استهدفت صنعاء، وإن التحالف مستمر في عملياته.",
        "أعلن التحالف الوطني العراقي مرشحه لرئاسة الوزراء.",
        "نظّم الاتحاد حشداً جماهيرياً في الملعب.",
        "حشد الجيش قواته على الحدود مع العراق.",
        "خفّض الاحتياطي الفيدرالي الأميركي أسعار الفائدة.",
        "تحدث الخبير عن أهمية الطاقة النووية في فرنسا.",
    ],
)
def test_ambiguous_phrases_do_not_fire_in_another_sense(text: str) -> None:
    assert not ids(text) & set(CORE_TOPICS)


def test_context_rules_let_the_real_sense_through() -> None:
    assert "coalition" in ids("قالت مصادر التحالف إن غاراته على داعش مستمرة.")
    assert "coalition" in ids("وبالتحالف الدولي ضد الإرهاب")  # clitics
    assert "pmf" in ids("انسحبت قوات من الحشد من أطراف الفلوجة.")
    assert "iran_nuclear" in ids("ناقش الوفد ملف طهران النووي.")
    assert "partition" in ids("حذّر من تقسيم سوريا")
    assert "yemen_war" in ids("شن التحالف العربي في اليمن غارات على مواقع الحوثيين.")


def test_score_is_sum_of_distinct_phrase_weights() -> None:
    once = tag_topics("داعش")
    twice = tag_topics("داعش ثم داعش وداعش")
    assert once[0]["score"] == twice[0]["score"] == 1.0
    assert twice[0]["evidence"] == ["داعش", "وداعش"]


def _raw() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda d: d["topics"].append(dict(d["topics"][0])), "topic 'coalition': duplicate"),
        (lambda d: d["topics"][1]["phrases"].append("ـــ"), "topic 'isis': phrase 'ـــ' is empty"),
        (lambda d: d["topics"][1]["phrases"].append(""), "topic 'isis': phrases.4.text"),
        (lambda d: d["topics"][2]["phrases"].append({"text": "x", "weight": -1}),
         "topic 'partition': phrases.5.weight"),
        (lambda d: d["topics"][3].update(threshold=0), "topic 'kurds': threshold"),
        (lambda d: d["topics"][4].update(phrases=[]), "topic 'pmf': phrases"),
        (lambda d: d["topics"][5].update(colour="red"), "topic 'iran_nuclear': colour"),
        (lambda d: d["topics"][6]["phrases"].append({"text": "x", "near_topics": ["nope"]}),
         "topic 'us_policy': near_topics refers to unknown topic 'nope'"),
        (lambda d: d["topics"][0]["exclude"].append("التحالف الدولي"),
         "topic 'coalition': 'التحالف الدولي' is both a phrase and an exclusion"),
    ],
)
def test_broken_taxonomy_names_the_topic(break_it, message: str) -> None:
    data = _raw()
    break_it(data)
    with pytest.raises(TaxonomyError, match=message):
        parse_taxonomy(data)


def test_taxonomy_file_loads_and_rejects_bad_yaml(tmp_path) -> None:
    taxonomy = load_taxonomy()
    assert set(CORE_TOPICS) <= {t.id for t in taxonomy.topics}
    bad = tmp_path / "topics.yaml"
    bad.write_text("topics: [\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="topics.yaml"):
        load_taxonomy(bad)


def test_custom_taxonomy_is_used(tmp_path) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text(yaml.safe_dump({"topics": [{
        "id": "oil", "label_ar": "النفط", "label_en": "Oil", "description": "oil",
        "threshold": 2, "phrases": ["النفط", {"text": "أوبك", "weight": 1.5}],
    }]}, allow_unicode=True), encoding="utf-8")
    tagger = TopicTagger(load_taxonomy(path))
    assert tag_topics("ارتفعت أسعار النفط", tagger) == []  # 1.0 < threshold 2
    [oil] = tag_topics("قررت أوبك خفض إنتاج النفط", tagger)
    assert oil["score"] == 2.5 and oil["evidence"] == ["أوبك", "النفط"]
