"""Place tagging: gazetteer, ambiguous names, validation."""

from __future__ import annotations

import pytest
import yaml

from core.catalogue.places import GazetteerError, load_gazetteer, parse_gazetteer, slugify
from core.settings import CONFIG_DIR
from processing.places import tag_places as _tag_places
from tests.helpers import place_tagger

DEFAULT_PATH = CONFIG_DIR / "places.yaml"


def tag_places(text: str) -> list[dict]:
    return _tag_places(text, place_tagger())

SAMPLE_PLACES = {"palmyra", "ramadi", "kobani", "mosul", "deir-ez-zor", "anbar", "homs"}


def ids(text: str) -> list[str]:
    return [p["id"] for p in tag_places(text)]


def test_sample_article_places(sample_text: str) -> None:
    places = {p["id"]: p for p in tag_places(sample_text)}
    assert set(places) >= SAMPLE_PLACES
    palmyra = places["palmyra"]
    assert palmyra == {"id": "palmyra", "name_ar": "تدمر", "name_en": "Palmyra",
                       "country": "SY", "lat": pytest.approx(34.56, abs=0.05),
                       "lon": pytest.approx(38.27, abs=0.05)}
    assert places["kobani"]["name_en"] == "Kobani"  # the text says عين عرب / كوباني


@pytest.mark.parametrize(
    "text",
    [
        "الحرب تدمر الاقتصاد",
        "قد تدمر العاصفة المحاصيل",
        "قال المدرب إن الإصابات تدمر خطط الفريق",
        "الجفاف يدمر المحاصيل والحرائق تدمر الغابات",
        "أسلحة حديثة",
        "نشرت الفرقة صور الحفل",
        "أشاد الحكم بالروح الرياضية",
        "نشرت صحيفة واشنطن بوست تحقيقاً",
    ],
)
def test_common_words_are_not_places(text: str) -> None:
    assert ids(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "سيطر التنظيم على مدينة تدمر",
        "وصلت القوات إلى تدمر",
        "آثار تدمر الأثرية",
        "اشتباكات عنيفة بتدمر",
        "سقط الرمادي في العراق وتدمر في سوريا",
        "بالنسبة إلى تدمر، تشير المصادر",
    ],
)
def test_palmyra_in_context(text: str) -> None:
    assert "palmyra" in ids(text)


def test_variants_clitics_and_order() -> None:
    assert ids("من عين العرب إلى كوباني ثم Kobane") == ["kobani"]
    assert ids("وصل من بغداد إلى الموصل ثم للرمادي") == ["baghdad", "mosul", "ramadi"]
    assert ids("Deir ez-Zor and Raqqa") == ["deir-ez-zor", "raqqa"]


def test_ids_are_slugs_of_english_names() -> None:
    gazetteer = load_gazetteer(DEFAULT_PATH)
    for place in gazetteer.places:
        assert place.id == slugify(place.name_en)
    assert slugify("Deir ez-Zor") == "deir-ez-zor"
    assert {"palmyra", "kobani", "ramadi", "mosul", "raqqa", "deir-ez-zor", "anbar", "homs",
            "baghdad", "damascus"} <= {p.id for p in gazetteer.places}


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda d: d["places"][0].update(id="Palmyra"), "place 'Palmyra': id"),
        (lambda d: d["places"][0].update(id="tadmur"), "place 'tadmur': .*slug of name_en"),
        (lambda d: d["places"][1].update(lat=95), "place 'kobani': lat"),
        (lambda d: d["places"][2].update(country="Syria"), "place 'raqqa': country"),
        (lambda d: d["places"].append(dict(d["places"][0])), "place 'palmyra': duplicate"),
        (lambda d: d["places"][3]["variants"].append("،"),
         "place 'deir-ez-zor': variants: '،' is empty"),
    ],
)
def test_broken_gazetteer_names_the_place(break_it, message: str) -> None:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    break_it(data)
    with pytest.raises(GazetteerError, match=message):
        parse_gazetteer(data)


def test_eval_sample_is_random_reproducible_and_spans_the_corpus() -> None:
    from raqib.evaluation import place_sample

    towns = ["الرمادي", "الموصل", "كوباني", "حمص"]
    articles = [{"id": f"a{i}", "title": f"معارك في {towns[i % 4]}", "body": "نص قصير."}
                for i in range(200)]
    first = place_sample(articles, place_tagger(), limit=20, seed=3)
    assert len(first) == 20 and first == place_sample(articles, place_tagger(), limit=20, seed=3)
    assert first != place_sample(articles, place_tagger(), limit=20, seed=4)
    numbers = [int(item["id"][1:]) for item in first]
    assert numbers == sorted(numbers) and max(numbers) >= 100  # not just the first articles
    assert all(item["name"] in item["sentence"] for item in first)


@pytest.mark.parametrize(("text", "expected"), [
    ("قال اللواء سليمان الصقير إن القوات جاهزة", []),      # سليمان is not السليمانية
    ("استقبل الأمير سعود بن عبدالله الوفد", []),           # سعود is not السعودية
    ("سنضرب بيد من حديد كل الفاسدين", []),                # حديد is not الحديدة
    ("قاسم سليماني يزور بغداد", ["baghdad"]),
    ("تعاون البلدين على مختلف الصعد", []),                 # الصعد is not صعدة
    ("انقر على السهم", []),                                # انقر is not أنقرة
    ("وصل الوفد إلى السليمانية ثم إلى الحديدة", ["sulaymaniyah", "hodeidah"]),
    ("أكد المسؤول السعودي أن الجيش السوري", ["saudi-arabia", "syria"]),  # adjectives
    ("غارات على صعدة وبالحديدة", ["saada", "hodeidah"]),
])
def test_a_word_that_is_only_the_beginning_of_a_name_is_not_the_place(
        text: str, expected: list[str]) -> None:
    assert ids(text) == expected
