"""Quality targets of topic and place tagging on our own labelled snippets."""

from __future__ import annotations

from pathlib import Path

import pytest

from raqib.evaluation import CORE_TOPICS, evaluate_snippets, load_items
from tests.helpers import place_tagger, topic_tagger

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def labelled() -> list[dict]:
    return load_items(DATA / "topics_eval.yaml") + load_items(DATA / "topics_holdout.yaml")


def test_evaluation_set_is_large_and_has_the_hard_cases(labelled: list[dict]) -> None:
    assert len(labelled) >= 60
    assert len({i["id"] for i in labelled}) == len(labelled)
    texts = " ".join(i["text"] for i in labelled if i.get("hard"))
    for hard in ("تقسيم الأرباح", "تقسيم المجموعات", "التحالف العربي", "الحرب تدمر الاقتصاد"):
        assert hard in texts
    for topic in CORE_TOPICS:
        assert sum(topic in i["topics"] for i in labelled) >= 5, topic


def test_core_topic_targets_hold(labelled: list[dict]) -> None:
    report = evaluate_snippets(labelled, topic_tagger(), place_tagger())
    for topic in CORE_TOPICS:
        s = report.topics[topic]
        assert s.precision >= 0.95, (topic, s, report.errors)
        assert s.recall >= 0.90, (topic, s, report.errors)


def test_places_are_precise(labelled: list[dict]) -> None:
    places = evaluate_snippets(labelled, topic_tagger(), place_tagger()).places
    assert places.precision >= 0.95 and places.recall >= 0.90, places


def test_never_tuned_set_meets_the_targets_overall() -> None:
    report = evaluate_snippets(load_items(DATA / "topics_fresh.yaml"), topic_tagger(),
                               place_tagger())
    core = report.micro(CORE_TOPICS)
    assert core.precision >= 0.95 and core.recall >= 0.90, (core, report.errors)
