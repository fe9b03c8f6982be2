"""Topic tagging: the real sample article, precision rules, evidence, broken taxonomies."""

from __future__ import annotations

import pytest
import yaml

from core.catalogue.topics import TaxonomyError, load_taxonomy, parse_taxonomy
from core.settings import CONFIG_DIR
from processing.topics import TopicTagger
from processing.topics import tag_topics as _tag_topics
from raqib.evaluation import CORE_TOPICS
from tests.helpers import topic_tagger

DEFAULT_PATH = CONFIG_DIR / "topics.yaml"


def tag_topics(text: str, tagger: TopicTagger | None = None) -> list[dict]:
    return _tag_topics(text, tagger or topic_tagger())


def ids(text: str) -> set[str]:
    return {t["id"] for t in tag_topics(text)}


# The sample article's subjects; Iran's nuclear file appears only in a background clause
# ("since the framework agreement was signed"), the PMF in one sentence.
SAMPLE_SUBJECTS = {"coalition", "isis", "partition", "kurds", "us_policy"}


def test_sample_article_subjects_are_tagged_with_evidence(sample_text: str) -> None:
    topics = {t["id"]: t for t in tag_topics(sample_text)}
    assert set(topics) >= SAMPLE_SUBJECTS
    assert "iran_nuclear" not in topics
    for tid in SAMPLE_SUBJECTS:
        topic = topics[tid]
        assert topic["evidence"], tid
        assert topic["score"] >= 2.0 and topic["sentences"] >= 2
        assert topic["label_ar"] and topic["label_en"]
        for quote in topic["evidence"]:
            assert quote in sample_text, (tid, quote)  # quoted as written, not normalised
    assert any("الإتحاد الديمقراطي" in q for q in topics["kurds"]["evidence"])  # as spelt


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


def test_evidence_quotes_each_spelling_once_and_score_is_salience() -> None:
    once = tag_topics("داعش")
    twice = tag_topics("داعش ثم داعش وداعش")
    assert twice[0]["evidence"] == ["داعش", "وداعش"]
    assert twice[0]["mentions"] == 3 and twice[0]["sentences"] == 1
    assert twice[0]["score"] > once[0]["score"]  # a sentence with several cues counts more


def _raw() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda d: d["topics"].append(dict(d["topics"][0])), "topic 'coalition': duplicate"),
        (lambda d: d["topics"][1]["phrases"].append("ـــ"),
         "topic 'isis': phrases.4.text: 'ـــ' is empty"),
        (lambda d: d["topics"][1]["phrases"].append(""), "topic 'isis': phrases.4.text"),
        (lambda d: d["topics"][2]["phrases"].append({"text": "x", "strength": "huge"}),
         "topic 'partition': phrases.5.strength"),
        (lambda d: d["topics"][2]["phrases"].append({"text": "x", "weak_after": ["،"]}),
         "topic 'partition': phrases.5.weak_after: '،' is empty"),
        (lambda d: d.setdefault("defaults", {}).update(salience={"weak": 2}),
         "defaults.salience.weak"),
        (lambda d: d["topics"][3].update(threshold=0), "topic 'kurds': threshold"),
        (lambda d: d["topics"][4].update(phrases=[]), "topic 'pmf': phrases"),
        (lambda d: d["topics"][5].update(colour="red"), "topic 'iran_nuclear': colour"),
        (lambda d: d["topics"][6]["phrases"].append({"text": "x", "near_topics": ["nope"]}),
         "topic 'us_policy': phrases.4.near_topics refers to unknown topic 'nope'"),
        (lambda d: d.setdefault("defaults", {}).update(other_fields=["..."]),
         "defaults.other_fields: '...' is empty after normalisation"),
        (lambda d: d.setdefault("defaults", {}).update(list_peers=["؟"]),
         "defaults.list_peers: '؟' is empty after normalisation"),
        (lambda d: d.setdefault("defaults", {}).update(list_length=1),
         "defaults.list_length"),
        (lambda d: d["topics"][0]["exclude"].append("التحالف الدولي"),
         "topic 'coalition': exclude: 'التحالف الدولي' is both a phrase and an exclusion"),
    ],
)
def test_broken_taxonomy_names_the_topic(break_it, message: str) -> None:
    data = _raw()
    break_it(data)
    with pytest.raises(TaxonomyError, match=message):
        parse_taxonomy(data)


def test_taxonomy_file_loads_and_rejects_bad_yaml(tmp_path) -> None:
    taxonomy = load_taxonomy(DEFAULT_PATH)
    assert set(CORE_TOPICS) <= {t.id for t in taxonomy.topics}
    bad = tmp_path / "topics.yaml"
    bad.write_text("topics: [\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="topics.yaml"):
        load_taxonomy(bad)


def test_custom_taxonomy_is_used(tmp_path) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text(yaml.safe_dump({"topics": [{
        "id": "oil", "label_ar": "النفط", "label_en": "Oil", "description": "oil",
        "threshold": 4, "phrases": ["أوبك", {"text": "النفط", "strength": "weak"}],
    }]}, allow_unicode=True), encoding="utf-8")
    tagger = TopicTagger(load_taxonomy(path))
    body = ["ارتفعت أسعار النفط في الأسواق.", "وقال تجار إن النفط يتأثر بالطقس.",
            "وتراجع الطلب على النفط في آسيا.", "وسجلت أسعار الذهب ارتفاعا طفيفا."]
    assert tag_topics("\n".join(body), tagger) == []  # weak cues alone never tag
    body.insert(1, "وقررت أوبك خفض الإنتاج.")
    [oil] = tag_topics("\n".join(body), tagger)  # 1.5 (lead) + 1.5×0.5 + 2 × 0.5 < 4 …
    assert oil["evidence"] == ["النفط", "أوبك"]  # … but 4 of 5 sentences: its subject
