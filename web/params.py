"""Query parameters of ``/api/search`` and the page → a ``SearchRequest``.

The same names as the CLI: ``q``, ``topic``/``outlet``/``place`` (repeatable),
``language``, ``since`` (``7d``), ``from``/``to`` (``2015-05-21`` or ISO 8601),
``sort`` (``relevance``/``date``), ``limit``, ``offset``; for stories ``topic``,
``place``, ``outlet``, ``since``, ``min_articles``, ``limit``; for trends ``topic``, ``place``,
``outlet``, ``since``, ``interval``. Anything that cannot be
understood raises :class:`ParamError`, which the app answers with 400.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from indexing.search import QueryError, SearchRequest, parse_since
from indexing.search import parse_date as search_date
from indexing.trends import TrendRequest

MAX_LIMIT = 100
MAX_WINDOW = 10_000  # Elasticsearch's index.max_result_window
SORTS = ("relevance", "date")


class ParamError(ValueError):
    """A query parameter the search cannot use; the message says which and why."""


def _one(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = [v.strip() for v in params.get(name, ()) if v.strip()]
    return values[-1] if values else None


def _many(params: Mapping[str, Sequence[str]], name: str) -> list[str]:
    seen: list[str] = []
    for value in params.get(name, ()):
        value = value.strip()
        if value and value not in seen:
            seen.append(value)
    return seen


def parse_date(value: str, name: str, end_of_day: bool = False) -> datetime:
    """:func:`indexing.search.parse_date`, its error as a ParamError (400)."""
    try:
        return search_date(value, name, end_of_day)
    except QueryError as exc:
        raise ParamError(str(exc)) from None


def _integer(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ParamError(f"{name}: expected a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise ParamError(f"{name}: must be between {low} and {high}, got {number}")
    return number


def to_request(params: Mapping[str, Sequence[str]], default_limit: int = 20) -> SearchRequest:
    """Build the search request from multi-valued query parameters; ParamError if invalid."""
    since = _one(params, "since")
    if since:
        try:
            parse_since(since)
        except QueryError:
            raise ParamError(f"since: expected a number and a unit m/h/d/w, e.g. 7d or 24h, "
                             f"got {since!r}") from None
    start, end = _one(params, "from"), _one(params, "to")
    date_from = parse_date(start, "from") if start else None
    date_to = parse_date(end, "to", end_of_day=True) if end else None
    if since and date_from:
        raise ParamError("since and from cannot be combined: give one start")
    if date_from and date_to and date_from > date_to:
        raise ParamError("from is after to")
    sort = _one(params, "sort")
    if sort is not None and sort not in SORTS:
        raise ParamError(f"sort: expected relevance or date, got {sort!r}")
    limit = _integer(_one(params, "limit"), "limit", default_limit, 1, MAX_LIMIT)
    offset = _integer(_one(params, "offset"), "offset", 0, 0, MAX_WINDOW - limit)
    return SearchRequest(
        text=_one(params, "q") or "",
        topics=_many(params, "topic"),
        outlets=_many(params, "outlet"),
        places=_many(params, "place"),
        language=_one(params, "language"),
        since=since,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        limit=limit,
        offset=offset,
    )


@dataclass(frozen=True)
class StoryQuery:
    """Parameters of ``/api/stories`` and ``/stories``: the names of ``raqib stories``."""

    topic: str | None = None
    place: str | None = None
    outlet: str | None = None
    since: datetime | None = None
    min_articles: int = 1
    limit: int = 20


def to_story_query(params: Mapping[str, Sequence[str]]) -> StoryQuery:
    """``topic``, ``place``, ``outlet``, ``since``, ``min_articles``, ``limit``; ParamError
    if one cannot be understood."""
    since = _one(params, "since")
    start = None
    if since:
        try:
            start = parse_since(since)
        except QueryError:
            raise ParamError(f"since: expected a number and a unit m/h/d/w, e.g. 7d or 24h, "
                             f"got {since!r}") from None
    return StoryQuery(topic=_one(params, "topic"), place=_one(params, "place"),
                      outlet=_one(params, "outlet"), since=start,
                      min_articles=_integer(_one(params, "min_articles"), "min_articles",
                                            1, 1, 10_000),
                      limit=_integer(_one(params, "limit"), "limit", 20, 1, MAX_LIMIT))


def to_trend_request(params: Mapping[str, Sequence[str]]) -> TrendRequest:
    """``topic``/``place``/``outlet`` (repeatable), ``since`` (default 30d), ``interval``
    (day|hour): the names of ``raqib trends``. Windows are checked when the request runs."""
    interval = _one(params, "interval") or "day"
    if interval not in ("day", "hour"):
        raise ParamError(f"interval: expected day or hour, got {interval!r}")
    return TrendRequest(topics=_many(params, "topic"), places=_many(params, "place"),
                        outlets=_many(params, "outlet"), since=_one(params, "since") or "30d",
                        interval=interval)
