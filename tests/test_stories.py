"""Event identity and story records: pure logic, on texts written for these tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.catalogue import Catalogue
from indexing.stories import merge_story, story_article
from processing.boilerplate import Boilerplate, sentence_keys
from processing.dedup import STORY_CANDIDATES, Deduper, InMemory, entry, sketch
from processing.enrich import Enricher
from processing.phrases import Doc
from processing.places import PlaceTagger
from processing.stories import Event, choose_story, conflict, event_of, same_event

# Two reports of one event, written independently (other words, other order, a toll that
# rose between them), and events of the same templates that are not that event.
PLANE_5 = ("وصول الطائرة الإغاثية السعودية الخامسة إلى مطار عدن",
           "وصلت إلى مطار عدن الدولي اليوم الطائرة الإغاثية السعودية الخامسة محملة بعشرة أطنان "
           "من المواد الطبية والغذائية ضمن الجسر الجوي لمركز الملك سلمان للإغاثة. "
           "وتسلم الحمولة فريق من الهلال الأحمر اليمني لتوزيعها على المستشفيات في المدينة.")
PLANE_5_OTHER = ("الطائرة السعودية الخامسة تهبط في عدن محملة بالمواد الطبية",
                 "هبطت في مطار عدن الطائرة الإغاثية السعودية الخامسة وعلى متنها مواد طبية "
                 "وغذائية يوزعها الهلال الأحمر اليمني على مستشفيات المدينة ضمن الجسر الجوي "
                 "لمركز الملك سلمان للإغاثة.")
PLANE_6 = ("وصول الطائرة الإغاثية السعودية السادسة إلى مطار عدن",
           "وصلت إلى مطار عدن الدولي اليوم الطائرة الإغاثية السعودية السادسة محملة بأحد عشر "
           "طناً من المواد الطبية والغذائية ضمن الجسر الجوي لمركز الملك سلمان للإغاثة. "
           "وتسلم الحمولة فريق من الهلال الأحمر اليمني لتوزيعها على المستشفيات في المدينة.")
PROJECTILE_NAJRAN = ("إصابة مواطن إثر سقوط مقذوف عسكري في نجران",
                     "أعلن الدفاع المدني في منطقة نجران إصابة مواطن بجروح طفيفة إثر سقوط مقذوف "
                     "عسكري أطلق من داخل الأراضي اليمنية على حي سكني، ونقل المصاب إلى المستشفى.")
PROJECTILE_JAZAN = ("إصابة مواطن إثر سقوط مقذوف عسكري في جازان",
                    "أعلن الدفاع المدني في منطقة جازان إصابة مواطن بجروح طفيفة إثر سقوط مقذوف "
                    "عسكري أطلق من داخل الأراضي اليمنية على حي سكني، ونقل المصاب إلى المستشفى.")
PROJECTILE_NAJRAN_CHILD = ("إصابة طفلة إثر سقوط مقذوف عسكري في نجران",
                           "أعلن الدفاع المدني في منطقة نجران إصابة طفلة بجروح طفيفة إثر سقوط "
                           "مقذوف عسكري أطلق من داخل الأراضي اليمنية على حي سكني، ونقلت إلى "
                           "المستشفى.")
BLAST = ("مقتل 10 أشخاص في انفجار سيارة مفخخة وسط بغداد",
         "قتل عشرة أشخاص وأصيب عشرون آخرون بجروح في انفجار سيارة مفخخة استهدف سوقاً شعبياً "
         "في حي الكرادة وسط العاصمة العراقية بغداد صباح اليوم، بحسب مصادر أمنية.")
BLAST_TOLL = ("ارتفاع حصيلة انفجار الكرادة في بغداد إلى 14 قتيلاً",
              "ارتفعت حصيلة انفجار السيارة المفخخة الذي استهدف سوقاً شعبياً في حي الكرادة وسط "
              "بغداد إلى أربعة عشر قتيلاً وثلاثين جريحاً، بحسب مصادر أمنية وطبية.")


def record(rid: str, text: tuple[str, str], outlet: str = "outlet-a",
           published: str | None = "2015-08-05T09:00:00+00:00") -> dict:
    return {"id": rid, "outlet": outlet, "title": text[0], "body": text[1],
            "published_at": published}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue()


@pytest.fixture(scope="module")
def places(catalogue: Catalogue) -> PlaceTagger:
    return PlaceTagger(catalogue.gazetteer())


@pytest.fixture(scope="module")
def kinds(catalogue: Catalogue) -> dict[str, str]:
    return {p.id: p.kind for p in catalogue.gazetteer().places}


def event(rec: dict, places: PlaceTagger, kinds: dict[str, str],
          boilerplate: Boilerplate | None = None) -> Event:
    doc = Doc.from_record(rec)
    return event_of(doc, rec["outlet"], rec["published_at"], places.tag_with_positions(doc),
                    boilerplate, kinds)


def test_particulars_of_an_event(places, kinds) -> None:
    plane = event(record("p5", PLANE_5), places, kinds)
    assert plane.ordinal == 5 and "aden" in plane.places
    blast = event(record("b", BLAST), places, kinds)
    assert blast.numbers == frozenset()  # "مقتل 10": a toll, it rises as the story goes on
    assert blast.places == {"baghdad"}
    child = event(record("c", PROJECTILE_NAJRAN_CHILD), places, kinds)
    assert child.people and child.places == {"najran"}
    dated = event(record("d", ("اجتماع في 12 أغسطس 2015 لبحث الأزمة", "نص")), places, kinds)
    assert dated.numbers == frozenset()  # a date is not a particular


def test_one_event_told_twice_is_one_story(places, kinds) -> None:
    a = event(record("a", PLANE_5), places, kinds)
    b = event(record("b", PLANE_5_OTHER, outlet="outlet-b",
                     published="2015-08-05T13:00:00+00:00"), places, kinds)
    assert same_event(a, b)
    toll = event(record("t", BLAST_TOLL, published="2015-08-06T08:00:00+00:00"), places, kinds)
    assert same_event(event(record("b", BLAST), places, kinds), toll)


@pytest.mark.parametrize("other, why", [
    (PLANE_6, "different ordinals"),
    (PROJECTILE_JAZAN, "different places"),
    (PROJECTILE_NAJRAN_CHILD, "different people struck"),
])
def test_one_template_many_events(places, kinds, other, why) -> None:
    base = PROJECTILE_NAJRAN if other is not PLANE_6 else PLANE_5
    a, b = event(record("a", base), places, kinds), event(record("b", other), places, kinds)
    assert not same_event(a, b)
    assert conflict(a, b) == why


def test_too_far_apart_in_time(places, kinds) -> None:
    a = event(record("a", PLANE_5), places, kinds)
    later = event(record("b", PLANE_5_OTHER, published="2015-08-09T09:00:00+00:00"), places,
                  kinds)
    assert conflict(a, later) == "published too far apart" and not same_event(a, later)


def test_story_candidates_are_those_inside_the_window_however_long_the_run(places, kinds
                                                                          ) -> None:
    """The memory indexes event bands per week: the weeks around an article are searched,
    the exact 72-hour window decides, undated articles are inside every window."""
    noon = datetime(2015, 8, 5, 12, tzinfo=UTC)
    memory = InMemory()

    def remember(rid: str, hours: float | None) -> None:
        at = None if hours is None else (noon + timedelta(hours=hours)).isoformat()
        rec = record(rid, BLAST, published=at)
        memory.remember([entry(rid, sketch(rec), None, rid, event(rec, places, kinds))])

    for hours in (-200, -73, -71, 0, 71.5, 73, 200):
        remember(f"h{hours}", hours)
    remember("undated", None)

    def candidates(hours: float | None) -> set[str]:
        at = None if hours is None else (noon + timedelta(hours=hours)).isoformat()
        probe = event(record("probe", BLAST_TOLL, published=at), places, kinds)
        return {e.id for e in memory.same_event_candidates(probe)}

    assert candidates(0) == {"h-71", "h0", "h71.5", "undated"}
    assert candidates(-250) == {"h-200", "undated"}
    assert len(candidates(None)) == STORY_CANDIDATES  # an undated article: every day counts
    remember("h0", 300)  # processed again, with another date: it moves
    assert candidates(0) == {"h-71", "h71.5", "undated"}
    assert "h0" in candidates(250)


def test_learned_boilerplate_is_ignored_for_matching_not_removed(catalogue) -> None:
    """An outlet's dateline and footer, repeated in every article, do not make two of its
    unrelated articles one story; the body shown keeps them."""
    dateline = "دبي، الإمارات العربية المتحدة (الوكالة)"
    footer = ("ويشار إلى أن الموقع لا يمكنه التأكد بشكل مستقل من الأنباء والمعلومات التي يتم "
              "تناقلها عبر وسائل التواصل الاجتماعي.")
    topics = ["اجتماع وزراء الخارجية العرب في القاهرة لبحث الأزمة اليمنية",
              "افتتاح معرض الكتاب الدولي في الشارقة بمشاركة مئات دور النشر",
              "ارتفاع أسعار النفط في الأسواق العالمية بعد قرار أوبك",
              "فريق الهلال يفوز على النصر في الدوري السعودي",
              "منظمة الصحة العالمية تحذر من انتشار الكوليرا في اليمن",
              "وزير الخارجية الأمريكي يزور أنقرة لبحث الملف السوري"]
    enricher = Enricher(catalogue.taxonomy(), catalogue.gazetteer())
    out = list(enricher.enrich(
        {"id": f"n{i}", "outlet": "wire", "title": t, "published_at": "2018-03-01T10:00:00Z",
         "body": f"{dateline}\n{footer}\n{t}، بحسب ما أعلن مسؤولون اليوم."}
        for i, t in enumerate(topics)))
    assert len({r["story_id"] for r in out}) == len(topics)
    assert all(r["body"].startswith(dateline) and footer in r["body"] for r in out)
    keys = sentence_keys(Doc.from_record(out[0]))
    assert any(enricher.boilerplate.is_boilerplate("wire", k) for k in keys)
    assert not any(enricher.boilerplate.is_boilerplate("other-outlet", k) for k in keys)


def test_no_chaining_from_one_event_to_another(places, kinds) -> None:
    """A candidate that matches does not pull an article into a story whose first report
    it conflicts with."""
    head = event(record("p5", PLANE_5), places, kinds)
    six = event(record("p6", PLANE_6), places, kinds)
    middle = Event(terms=head.terms | six.terms, title_terms=head.title_terms)
    assert choose_story(six, [("p5", middle)], {"p5": head}) is None
    assert choose_story(six, [("p5", middle)], {}) == "p5"


def test_stories_across_outlets_with_duplicates(catalogue) -> None:
    enricher = Enricher(catalogue.taxonomy(), catalogue.gazetteer())
    recs = [record("a", PLANE_5), record("copy", PLANE_5, outlet="outlet-c"),
            record("b", PLANE_5_OTHER, outlet="outlet-b", published="2015-08-05T15:00:00Z"),
            record("six", PLANE_6, published="2015-08-06T09:00:00Z"),
            record("blast", BLAST), record("toll", BLAST_TOLL, outlet="outlet-b")]
    out = {r["id"]: r for r in enricher.enrich(recs)}
    assert out["copy"]["duplicate_of"] == "a" and out["copy"]["story_id"] == "a"
    assert out["b"]["story_id"] == "a" and out["b"]["duplicate_of"] is None
    assert out["six"]["story_id"] == "six"
    assert out["toll"]["story_id"] == "blast"
    assert Deduper().check(recs[0]).story_id == "a"


def test_story_record_merge_is_idempotent_and_knows_who_was_first() -> None:
    def art(rid, outlet, at):
        return story_article({"id": rid, "outlet": outlet, "title": f"t-{rid}",
                              "url": f"http://x/{rid}", "published_at": at,
                              "topics": [{"id": "yemen_war"}], "places": [{"id": "aden"}]})

    first = merge_story("s", None, [art("b", "alriyadh", "2015-08-05T10:00:00+03:00")])
    merged = merge_story("s", first, [art("a", "sabq", "2015-08-05T06:00:00Z"),
                                      art("c", "alriyadh", "2015-08-06T08:00:00Z")])
    assert merged["first_report"]["id"] == "a" and merged["headline"] == "t-a"
    assert merged["first_seen"] == "2015-08-05T06:00:00+00:00"
    assert merged["last_update"] == "2015-08-06T08:00:00+00:00"
    assert merged["article_count"] == 3 and merged["outlet_count"] == 2
    assert [(o["outlet"], o["count"]) for o in merged["outlets"]] == [("sabq", 1),
                                                                      ("alriyadh", 2)]
    assert merged["topics"] == ["yemen_war"] and merged["places"] == ["aden"]
    assert merge_story("s", merged, [art("a", "sabq", "2015-08-05T06:00:00Z")]) == merged


@pytest.mark.parametrize(("published", "stored"), [
    ("2015-11-19+00:00", "2015-11-19T00:00:00+00:00"),  # a date with an offset
    ("2015-11-19 10:00", "2015-11-19T10:00:00+00:00"),   # naive: UTC
    ("2015-11-19T10:00:00+03:00", "2015-11-19T10:00:00+03:00"),
    ("yesterday", None), (None, None)])
def test_story_times_are_strict_iso_whatever_the_record_says(published, stored) -> None:
    """Story records hold dates Elasticsearch takes: one odd date must not block a batch."""
    assert story_article({"id": "a", "published_at": published})["at"] == stored
