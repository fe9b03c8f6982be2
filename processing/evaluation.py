"""Precision and recall of topic and place tagging on a labelled snippet set.

The set is YAML: a list of ``{id, text, topics: [...], places: [...]}`` (see
``tests/data/topics_eval.yaml``). Topics are scored for every topic of the taxonomy;
places for every gazetteer entry except countries (snippets do not list countries).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from processing.phrases import Doc
from processing.places import PlaceTagger, default_place_tagger
from processing.topics import TopicTagger, default_tagger

__all__ = ["CORE_TOPICS", "Score", "Report", "evaluate", "load_items"]

CORE_TOPICS = ("coalition", "isis", "partition", "kurds", "pmf", "iran_nuclear", "us_policy")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, expected: set[str], got: set[str], label: str) -> None:
        self.tp += label in expected and label in got
        self.fp += label not in expected and label in got
        self.fn += label in expected and label not in got


@dataclass
class Report:
    topics: dict[str, Score] = field(default_factory=dict)
    places: Score = field(default_factory=Score)
    errors: list[str] = field(default_factory=list)  # "id: missing … / extra …"

    def micro(self, topic_ids: Iterable[str]) -> Score:
        total = Score()
        for tid in topic_ids:
            s = self.topics[tid]
            total.tp, total.fp, total.fn = total.tp + s.tp, total.fp + s.fp, total.fn + s.fn
        return total


def load_items(path: Path | str) -> list[dict]:
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a list of snippets")
    return items


def evaluate(items: list[dict], tagger: TopicTagger | None = None,
             places: PlaceTagger | None = None) -> Report:
    """Tag every snippet and count hits, false alarms and misses."""
    tagger = tagger or default_tagger()
    places = places or default_place_tagger()
    topic_ids = [t.id for t in tagger.taxonomy.topics]
    scored_places = {p.id for p in places.gazetteer.places if p.kind != "country"}
    report = Report(topics={tid: Score() for tid in topic_ids})
    for item in items:
        doc = Doc.from_text(item["text"])
        expected, got = set(item.get("topics") or []), {t["id"] for t in tagger.tag(doc)}
        for tid in topic_ids:
            report.topics[tid].add(expected, got, tid)
        exp_p = set(item.get("places") or [])
        got_p = {p["id"] for p in places.tag(doc)} & scored_places
        for pid in exp_p | got_p:
            report.places.add(exp_p, got_p, pid)
        if expected != got or exp_p != got_p:
            diff = [f"{kind} {sorted(s)}" for kind, s in (
                ("missing topics", expected - got), ("extra topics", got - expected),
                ("missing places", exp_p - got_p), ("extra places", got_p - exp_p)) if s]
            report.errors.append(f"{item['id']}: " + "; ".join(diff))
    return report
