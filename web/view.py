"""What the page shows, computed from the request and the search result.

Plain data for the template: links that add or remove a filter, the active
filters, histogram bars (inline SVG geometry), paging links, Arabic dates. Every
link is a GET address, so the page works without JavaScript.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from core.catalogue import Labels
from indexing.stories import timestamp

FACET_PARAMS = {"topics": "topic", "outlets": "outlet", "places": "place"}
FACET_TITLES = {"topics": "المواضيع", "outlets": "المصادر", "places": "الأماكن"}
MONTHS = ("كانون الثاني/يناير", "شباط/فبراير", "آذار/مارس", "نيسان/أبريل", "أيار/مايو",
          "حزيران/يونيو", "تموز/يوليو", "آب/أغسطس", "أيلول/سبتمبر", "تشرين الأول/أكتوبر",
          "تشرين الثاني/نوفمبر", "كانون الأول/ديسمبر")
SINCE_OPTIONS = [("", "كل الأوقات"), ("24h", "آخر 24 ساعة"), ("7d", "آخر 7 أيام"),
                 ("30d", "آخر 30 يوماً"), ("365d", "آخر سنة")]
CHART_W, CHART_H = 600, 120
MAX_BAR = 40  # a few buckets stay bars, not one wall

Params = list[tuple[str, str]]


def page_url(params: Params) -> str:
    """``/`` with ``params`` as its query string."""
    return "/?" + urlencode(params) if params else "/"


def without(params: Params, *pairs: tuple[str, str], names: tuple[str, ...] = ()) -> Params:
    """``params`` minus the given pairs and every parameter named in ``names``."""
    return [p for p in params if p not in pairs and p[0] not in names]


@dataclass
class FacetItem:
    label: str
    count: int
    url: str
    active: bool


@dataclass
class Chip:
    label: str
    remove_url: str


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


def format_date(value: str | None) -> str:
    """``2015-05-21T09:30:00+03:00`` → ``21 أيار/مايو 2015، 09:30`` (the outlet's own time)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}، {moment:%H:%M}"


def facets(result: dict, params: Params, labels: Labels) -> list[tuple[str, list[FacetItem]]]:
    """Per facet kind: its title and items; a click adds the filter, or removes it if active."""
    base = without(params, names=("offset",))
    groups = []
    for kind, counts in result.get("facets", {}).items():
        name = FACET_PARAMS[kind]
        items = []
        for value, count in counts.items():
            pair = (name, value)
            active = pair in params
            target = without(base, pair) if active else [*base, pair]
            items.append(FacetItem(labels.name(kind, value), count, page_url(target), active))
        groups.append((FACET_TITLES[kind], items))
    return groups


def chips(params: Params, labels: Labels) -> list[Chip]:
    """The active filters, each with the address of the page without it."""
    base = without(params, names=("offset",))
    kinds = {v: k for k, v in FACET_PARAMS.items()}
    captions = {"language": "اللغة", "since": "منذ", "from": "من", "to": "إلى"}
    periods = dict(SINCE_OPTIONS)
    out = []
    for pair in base:
        name, value = pair
        if name in kinds:
            label = labels.name(kinds[name], value)
        elif name == "since" and value in periods:
            label = periods[value]
        elif name == "sort" and value == "date":
            label = "الأحدث أولاً"
        elif name in captions:
            label = f"{captions[name]}: {value}"
        else:
            continue
        out.append(Chip(label, page_url(without(base, pair))))
    return out


def histogram_bars(histogram: list[dict]) -> list[Bar]:
    """SVG bars, newest on the left as the page reads right to left."""
    if not histogram:
        return []
    peak = max(b["count"] for b in histogram) or 1
    width = min(CHART_W / len(histogram), MAX_BAR)
    bars = []
    for i, bucket in enumerate(histogram):
        height = max(2.0, (CHART_H - 4) * bucket["count"] / peak)
        x = CHART_W - (i + 1) * width
        bars.append(Bar(round(x + width * 0.1, 2), round(CHART_H - height, 2),
                        round(max(1.0, width * 0.8), 2), round(height, 2),
                        f"{bucket['date']}: {bucket['count']}"))
    return bars


def paging(total: int, offset: int, limit: int, params: Params,
           max_window: int) -> dict[str, str | int | None]:
    """Previous/next addresses and 'page x of y' (capped at Elasticsearch's result window)."""
    base = without(params, names=("offset",))
    reachable = min(total, max_window)
    pages = max(1, -(-reachable // limit))

    def at(start: int) -> str:
        return page_url(base + ([("offset", str(start))] if start else []))

    return {
        "page": offset // limit + 1,
        "pages": pages,
        "prev": at(max(0, offset - limit)) if offset > 0 else None,
        "next": (at(offset + limit) if offset + limit < reachable
                 and offset + 2 * limit <= max_window else None),
    }


TIMELINE_W, TIMELINE_H = 300, 24


@dataclass
class Dot:
    x: float
    title: str
    first: bool


def timeline(story: dict) -> list[Dot]:
    """One dot per article of the story's timeline, placed by its time from the first
    report (right, as the page reads right to left) to the last update (left)."""
    items = [(t, a) for a in story.get("timeline") or []
             if math.isfinite(t := timestamp(a.get("at")))]
    if not items:
        return []
    start, end = min(t for t, _ in items), max(t for t, _ in items)
    span = end - start or 1.0
    first = (story.get("first_report") or {}).get("id")
    margin = 6
    return [Dot(round(TIMELINE_W - margin - (TIMELINE_W - 2 * margin) * (t - start) / span, 2),
                f"{a.get('outlet') or ''} — {format_date(a.get('at'))}", a["id"] == first)
            for t, a in sorted(items, key=lambda item: item[0])]


SPARK_W, SPARK_H = 220, 48


@dataclass
class SmallMultiple:
    key: str
    kind: str
    label: str
    total: int
    bars: list[Bar]
    rising: dict | None
    search_url: str
    stories_url: str


def small_multiples(result: dict, labels: Labels, since: str) -> list[SmallMultiple]:
    """One small chart per series, rising ones first (by score), then by coverage."""
    rising = {(r["kind"], r["key"]): r for r in result["rising"]}
    names = {"topic": "topics", "place": "places", "outlet": "outlets"}
    out = []
    for s in result["series"]:
        counts = [b["count"] for b in s["buckets"]]
        peak = max(counts, default=0) or 1
        width = SPARK_W / max(1, len(counts))
        # time runs right to left, as the page reads (like the search histogram)
        bars = [Bar(round(SPARK_W - (i + 1) * width, 2),
                    round(SPARK_H - max(1.0, SPARK_H * c / peak), 2),
                    round(max(1.0, width * 0.8), 2), round(max(1.0, SPARK_H * c / peak), 2),
                    f"{b['start'][:16].replace('T', ' ')}: {c}")
                for i, (b, c) in enumerate(zip(s["buckets"], counts, strict=True))]
        param = {"topic": "topic", "place": "place", "outlet": "outlet"}[s["kind"]]
        out.append(SmallMultiple(
            s["key"], s["kind"], labels.name(names[s["kind"]], s["key"]), sum(counts), bars,
            rising.get((s["kind"], s["key"])),
            page_url([(param, s["key"]), ("since", since), ("sort", "date")]),
            "/stories?" + urlencode([(param, s["key"]), ("since", since)])))
    out.sort(key=lambda m: (m.rising is None, -(m.rising or {}).get("score", 0), -m.total))
    return out
