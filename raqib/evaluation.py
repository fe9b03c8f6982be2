"""Quality of the taggers, measured on labelled sets: the logic behind ``raqib eval``.

* :func:`evaluate_topics` — real articles against hand labels (``{"id", "topics",
  "borderline", "note"}`` per line): precision and recall per topic and micro, every false
  positive and negative with its evidence. A gold topic listed as ``borderline`` counts
  neither way. ``half="A"``/``"B"`` keeps the articles whose sha1(id) is even/odd, so
  rules can be fitted on one half and checked on the other.
* :func:`surface_forms` — per cue, the distinct word forms that matched it in a corpus:
  stemming collisions (الجولة → الجولاني) show at a glance.
* :func:`place_sample` — place tags with the sentence that named them, to read and judge.
* :func:`evaluate_stories` — story ids against hand-labelled article pairs: pair
  precision and recall, how many copies of one wire story were kept together, and the
  grouped pairs nobody labelled (to label next).
* :func:`evaluate_snippets` — our synthetic snippet sets (``tests/data/topics_*.yaml``).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from processing.boilerplate import sentence_keys
from processing.enrich import Enricher
from processing.normalize import normalize_token
from processing.phrases import Doc
from processing.places import PlaceTagger
from processing.topics import TopicTagger

__all__ = ["CORE_TOPICS", "Score", "StoryReport", "TopicReport", "evaluate_snippets",
           "evaluate_stories", "evaluate_topics", "half_of", "load_items", "place_sample",
           "read_jsonl", "surface_forms"]

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

    def __iadd__(self, other: Score) -> Score:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn
        return self

    def as_dict(self) -> dict:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


def read_jsonl(path: Path | str) -> Iterator[dict]:
    """JSON objects of a JSONL file; a bad line raises ValueError naming file and line."""
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}, line {number}: {exc.msg}") from None
            if not isinstance(item, dict):
                raise ValueError(f"{path}, line {number}: expected a JSON object")
            yield item


def half_of(article_id: str) -> str:
    """"A" or "B": a fixed split of any labelled set by the parity of sha1(id)."""
    return "AB"[int(hashlib.sha1(article_id.encode("utf-8")).hexdigest(), 16) % 2]


# ----------------------------------------------------------------- real articles
@dataclass
class TopicReport:
    articles: int = 0
    topics: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    errors: list[dict] = field(default_factory=list)  # one per false positive / negative

    def micro(self, topic_ids: Iterable[str] | None = None) -> Score:
        total = Score()
        for tid in topic_ids if topic_ids is not None else list(self.topics):
            total += self.topics.get(tid, Score())
        return total

    def as_dict(self) -> dict:
        return {"articles": self.articles, "micro": self.micro().as_dict(),
                "topics": {t: s.as_dict() for t, s in sorted(self.topics.items())},
                "errors": self.errors}


def evaluate_topics(gold: Iterable[dict], articles: Iterable[dict], tagger: TopicTagger, *,
                    half: str | None = None) -> TopicReport:
    """Tag every labelled article and compare with its hand labels."""
    labels = {g["id"]: g for g in gold if half is None or half_of(g["id"]) == half}
    report = TopicReport()
    for article in articles:
        label = labels.get(article.get("id"))
        if label is None:
            continue
        report.articles += 1
        doc = Doc.from_record(article)
        tags = {t["id"]: t for t in tagger.tag(doc)}
        borderline = set(label.get("borderline") or [])
        expected = set(label.get("topics") or []) - borderline
        got = set(tags) - borderline
        for tid in expected | got:
            report.topics[tid].add(expected, got, tid)
        for tid in sorted(got - expected):
            report.errors.append({"id": article["id"], "topic": tid, "error": "false positive",
                                  "title": article.get("title"), "note": label.get("note"),
                                  "tag": tags[tid]})
        for tid in sorted(expected - got):
            report.errors.append({"id": article["id"], "topic": tid, "error": "false negative",
                                  "title": article.get("title"), "note": label.get("note"),
                                  "cues": tagger.explain(doc).get(tid)})
    return report


# ----------------------------------------------------------------- surface forms
def surface_forms(articles: Iterable[dict], tagger: TopicTagger, *,
                  topics: Iterable[str] = ()) -> dict[tuple[str, str], Counter]:
    """Per (topic, cue) the normalised word forms that matched it, counted.

    Every match counts, before context rules: a collision is visible even where a rule
    happens to drop it today.
    """
    wanted = set(topics)
    forms: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for article in articles:
        doc = Doc.from_record(article)
        for topic_id, phrase, first, last in tagger.matches(doc):
            if not wanted or topic_id in wanted:
                form = " ".join(normalize_token(doc.raw(i)) for i in range(first, last + 1))
                forms[(topic_id, phrase)][form] += 1
    return dict(forms)


# ----------------------------------------------------------------- places
def place_sample(articles: Iterable[dict], places: PlaceTagger, *, limit: int = 100,
                 seed: int = 1) -> list[dict]:
    """``limit`` place tags drawn at random (reproducibly, by ``seed``) from every tag of
    every article, each with the first sentence that names the place; in file order."""
    rnd = random.Random(seed)
    kept: list[tuple[int, dict]] = []  # reservoir sampling: one pass, bounded memory
    seen = 0
    for article in articles:
        doc = Doc.from_record(article)
        for place, first in places.tag_with_positions(doc):
            seen += 1
            slot = len(kept) if len(kept) < limit else rnd.randrange(seen)
            if slot >= limit:
                continue
            k = doc.sentence_of(first)
            end = (doc.sentence_starts[k + 1] if k + 1 < len(doc.sentence_starts)
                   else len(doc.tokens))
            item = (seen, {"id": article.get("id"), "place": place["id"],
                           "name": place["name_ar"],
                           "sentence": doc.quote(doc.sentence_starts[k], end - 1)})
            if slot == len(kept):
                kept.append(item)
            else:
                kept[slot] = item
    return [item for _, item in sorted(kept, key=lambda x: x[0])]


# ----------------------------------------------------------------- stories
@dataclass
class StoryReport:
    """Pair precision / recall of the story ids on hand-labelled pairs of real articles."""

    articles: int = 0
    pairs: Score = field(default_factory=Score)  # a pair "found" = both in one story
    rewrites: int = 0
    rewrites_grouped: int = 0
    grouped_pairs: int = 0  # every pair of articles sharing a story id, labelled or not
    unlabelled: list[tuple[str, str]] = field(default_factory=list)
    missing: int = 0  # labelled pairs naming an article the file does not have
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"articles": self.articles, "pairs": self.pairs.as_dict(),
                "rewrite_recall": round(self.rewrites_grouped / self.rewrites, 4)
                if self.rewrites else None,
                "rewrites": self.rewrites, "grouped_pairs": self.grouped_pairs,
                "unlabelled_grouped_pairs": [list(p) for p in self.unlabelled],
                "missing": self.missing, "errors": self.errors}


def _time_order(article: dict) -> str:
    return str(article.get("published_at") or article.get("crawled_at") or "")


def evaluate_stories(pairs: Iterable[dict], articles: Iterable[dict],
                     enricher: Enricher) -> StoryReport:
    """Give every article a story id as ``raqib process`` would — in publication order,
    with each outlet's boilerplate learned from the whole file first (the archive) — and
    compare with labelled pairs ``{"a", "b", "same"}`` (``"kind": "rewrite"`` marks copies
    of one wire story)."""
    articles = sorted(articles, key=_time_order)
    for article in articles:
        doc = Doc.from_record(article)
        enricher.boilerplate.learn(article.get("outlet"), str(article.get("id")),
                                   sentence_keys(doc))
    story: dict[str, str] = {}
    by_id = {}
    for enriched in enricher.enrich(articles):
        story[enriched["id"]] = enriched["story_id"]
        by_id[enriched["id"]] = enriched
    report = StoryReport(articles=len(story))
    labelled = set()
    for pair in pairs:
        a, b = str(pair["a"]), str(pair["b"])
        if a not in story or b not in story:
            report.missing += 1
            continue
        labelled.add(frozenset((a, b)))
        same, found = bool(pair["same"]), story[a] == story[b]
        report.pairs.add({"pair"} if same else set(), {"pair"} if found else set(), "pair")
        if pair.get("kind") == "rewrite":
            report.rewrites += 1
            report.rewrites_grouped += found
        if same != found:
            report.errors.append({
                "error": "false positive" if found else "false negative",
                "a": a, "b": b, "kind": pair.get("kind"), "note": pair.get("note"),
                "titles": [by_id[a].get("title"), by_id[b].get("title")]})
    members: dict[str, list[str]] = defaultdict(list)
    for rid, sid in story.items():
        members[sid].append(rid)
    for group in members.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                report.grouped_pairs += 1
                if frozenset((a, b)) not in labelled:
                    report.unlabelled.append((a, b))
    return report


# ----------------------------------------------------------------- snippets
def load_items(path: Path | str) -> list[dict]:
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a list of snippets")
    return items


@dataclass
class SnippetReport:
    topics: dict[str, Score] = field(default_factory=dict)
    places: Score = field(default_factory=Score)
    errors: list[str] = field(default_factory=list)  # "id: missing … / extra …"

    def micro(self, topic_ids: Iterable[str]) -> Score:
        total = Score()
        for tid in topic_ids:
            total += self.topics[tid]
        return total


def evaluate_snippets(items: list[dict], tagger: TopicTagger,
                      places: PlaceTagger) -> SnippetReport:
    """Tag every snippet (``{id, text, topics, places}``) and count hits, false alarms, misses.

    Places are scored for every gazetteer entry except countries (snippets do not list them).
    """
    topic_ids = [t.id for t in tagger.taxonomy.topics]
    scored_places = {p.id for p in places.gazetteer.places if p.kind != "country"}
    report = SnippetReport(topics={tid: Score() for tid in topic_ids})
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
