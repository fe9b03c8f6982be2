"""Precision and recall of topic and place tagging on the labelled evaluation sets.

    python bench/tagging_quality.py [SNIPPETS.yaml ...]

Defaults to the three sets in tests/data: topics_eval.yaml (written first; the rules were
tuned on it), topics_holdout.yaml (written after that tuning; its first run is recorded in
its header, then four general fixes followed) and topics_fresh.yaml (never tuned on).
Targets on the core topics: precision >= 0.95 and recall >= 0.90.
"""

from __future__ import annotations

import sys
from pathlib import Path

from raqib.evaluation import CORE_TOPICS, evaluate_snippets, load_items
from tests.helpers import place_tagger, topic_tagger

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
DEFAULT_SETS = [DATA / "topics_eval.yaml", DATA / "topics_holdout.yaml", DATA / "topics_fresh.yaml"]


def show(path: Path) -> bool:
    items = load_items(path)
    report = evaluate_snippets(items, topic_tagger(), place_tagger())
    print(f"\n{path.name}: {len(items)} snippets "
          f"({sum(1 for i in items if i.get('hard'))} hard negatives)")
    print(f"  {'topic':<14}{'P':>7}{'R':>7}{'tp':>5}{'fp':>5}{'fn':>5}")
    for tid, s in report.topics.items():
        mark = "*" if tid in CORE_TOPICS else " "
        print(f" {mark}{tid:<14}{s.precision:>7.3f}{s.recall:>7.3f}{s.tp:>5}{s.fp:>5}{s.fn:>5}")
    core = report.micro(CORE_TOPICS)
    print(f"  core (micro)  {core.precision:>7.3f}{core.recall:>7.3f}{core.tp:>5}{core.fp:>5}"
          f"{core.fn:>5}")
    p = report.places
    print(f"  places        {p.precision:>7.3f}{p.recall:>7.3f}{p.tp:>5}{p.fp:>5}{p.fn:>5}")
    for line in report.errors:
        print(f"    {line}")
    ok = all(report.topics[t].precision >= 0.95 and report.topics[t].recall >= 0.90
             for t in CORE_TOPICS)
    print(f"  targets on every core topic (P >= 0.95, R >= 0.90): {'met' if ok else 'NOT met'}")
    return ok


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [p for p in DEFAULT_SETS if p.exists()]
    print("* = core topic")
    results = [show(p) for p in paths]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
