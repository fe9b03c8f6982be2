"""Story ids on real Arabic news, against hand-labelled article pairs (needs shared/realnews).

``tests/data/realnews_story_pairs.jsonl`` holds our labels of 1,057 pairs of articles of
``shared/realnews/articles.jsonl``, each read in full as an analyst would: 843 candidate
pairs from several methods (tf-idf neighbours, headline overlap, the previous grouping, a
random similarity band: ``"set": "dev"``, the ones the rules were fitted on) and 214 more
labelled afterwards (``"set": "check"``: near misses of the event rules, tf-idf
neighbours, same topic within three days). Together they cover every pair of articles
the stories put together.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from processing.enrich import Enricher
from raqib.evaluation import evaluate_stories, read_jsonl
from tests.conftest import shared_path
from tests.helpers import catalogue

PAIRS = Path(__file__).parent / "data" / "realnews_story_pairs.jsonl"


@pytest.fixture(scope="module")
def report():
    articles = list(read_jsonl(shared_path("realnews", "articles.jsonl")))
    enricher = Enricher(catalogue().taxonomy(), catalogue().gazetteer())
    return evaluate_stories(list(read_jsonl(PAIRS)), articles, enricher)


def test_pairs_put_together_are_the_same_event(report) -> None:
    assert report.missing == 0
    assert report.pairs.precision >= 0.90, report.pairs
    assert not report.unlabelled  # every grouped pair was read by a person


def test_copies_of_one_wire_story_stay_together(report) -> None:
    assert report.rewrites >= 20
    assert report.rewrites_grouped / report.rewrites >= 0.95


def test_recall_not_below_the_text_overlap_grouping(report) -> None:
    # MinHash Jaccard >= 0.2 (the grouping these rules replaced) found 31 of 134 same pairs
    assert report.pairs.recall >= 0.28, report.pairs
