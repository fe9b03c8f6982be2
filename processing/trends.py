"""When is a key (a topic, a place, an outlet) rising? Pure arithmetic on article counts.

Each key is tested against its own baseline: ``baseline`` is the mean number of articles
per interval over the ``BASELINE_INTERVALS`` intervals before the current one (28 days for
daily trends, 7 days of hours for hourly ones), and the current interval is the last one
ending now (a rolling 24 h or hour). Counts are Poisson-like, so the score is

    score = (count − baseline) / √(baseline + 1)

(a z-score whose +1 keeps a key new from nothing from scoring without limit). A key is
**rising** when all of these hold — quiet when quiet:

* ``count ≥ MIN_COUNT`` (5): a few articles are never a trend;
* ``score ≥ MIN_SCORE`` (3) and ``count ≥ MIN_RATIO × baseline`` (2×): well above its
  usual level, not noise around a large one;
* the current articles come from at least ``MIN_OUTLETS`` (2) outlets: one outlet
  repeating itself is not a trend (an outlet key is judged by its stories instead: at
  least ``MIN_OUTLETS`` different stories).

A flat series scores about 0 and is never rising.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["BASELINE_INTERVALS", "MIN_COUNT", "MIN_OUTLETS", "MIN_RATIO", "MIN_SCORE",
           "Rise", "rise"]

BASELINE_INTERVALS = {"day": 28, "hour": 7 * 24}
MIN_COUNT = 5
MIN_SCORE = 3.0
MIN_RATIO = 2.0
MIN_OUTLETS = 2


@dataclass(frozen=True)
class Rise:
    count: int
    baseline: float
    score: float
    rising: bool


def rise(count: int, baseline_total: int, intervals: int, sources: int,
         min_score: float = MIN_SCORE) -> Rise:
    """Score the current ``count`` against ``baseline_total`` articles over ``intervals``
    earlier intervals; ``sources``: distinct outlets (or, for an outlet, stories) behind
    the current count."""
    baseline = baseline_total / intervals if intervals else 0.0
    score = (count - baseline) / math.sqrt(baseline + 1)
    rising = (count >= MIN_COUNT and score >= min_score and count >= MIN_RATIO * baseline
              and sources >= MIN_OUTLETS)
    return Rise(count, round(baseline, 3), round(score, 2), rising)
