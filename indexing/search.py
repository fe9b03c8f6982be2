"""The one search function behind the CLI, the JSON API, the web page and the alerts.

The query text is normalised with ``processing.normalize`` exactly as the
``*_norm`` fields were at index time, then handed to ``simple_query_string``:
words, "quoted phrases", -exclusions and OR (or ``|``) work. Anything else the
analyst types is treated as plain words, so a query never becomes an
Elasticsearch error. Snippets are cut from the *original* text; words whose
normalised form matches a query word are wrapped in ``<mark>``, everything else
is HTML-escaped, so a snippet is safe to insert into a page or an e-mail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from html import escape

from elasticsearch import BadRequestError, Elasticsearch

from indexing.templates import ALIAS
from processing.normalize import normalize_for_search, search_token, tokenize

SEARCH_FIELDS = ["title_norm^3", "lead_norm^2", "body_norm"]
SOURCE_FIELDS = ["id", "url", "title", "lead", "body", "outlet", "outlet_name", "published_at",
                 "topics.id", "places.id", "story_id", "duplicate_of", "language", "author"]
FACETS = {"topics": "topics.id", "outlets": "outlet", "places": "places.id"}
SNIPPET_CHARS = 240
_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_QUERY_TOKEN = re.compile(r'"[^"]*"|\(|\)|\S+')


class QueryError(ValueError):
    """A filter value that cannot be understood (e.g. ``--since yesterday``)."""


@dataclass
class SearchRequest:
    """What an analyst asks for. Empty ``text`` lists the filtered articles, newest first."""

    text: str = ""
    topics: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    language: str | None = None
    since: str | None = None          # "7d", "24h", "30m", "2w"
    date_from: datetime | None = None
    date_to: datetime | None = None
    indexed_since: datetime | None = None
    sort: str | None = None           # "relevance" | "date"; default: relevance with text
    limit: int = 20
    offset: int = 0
    facets: bool = True


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """``"7d"`` → the moment seven days ago (UTC). Units: m, h, d, w."""
    match = _DURATION.match(value or "")
    if not match:
        raise QueryError(f"--since expects a number and a unit m/h/d/w, e.g. 7d or 24h: {value!r}")
    amount, unit = int(match.group(1)), match.group(2)
    try:
        start = (now or datetime.now(UTC)) - timedelta(**{_UNITS[unit]: amount})
    except OverflowError:
        start = datetime.min.replace(tzinfo=UTC)
    if start.year < MIN_YEAR:
        raise QueryError(f"--since reaches back before {MIN_YEAR}: {value!r}")
    return start


MIN_YEAR = 1900  # no coverage is older; a period reaching further back is a typo
MAX_QUERY_CHARS = 2000
MAX_QUERY_TERMS = 64  # words and phrase words together: each is a clause in the cluster


def parse_date(value: str, name: str, end_of_day: bool = False) -> datetime:
    """``2015-05-21`` or ISO 8601 → aware datetime (UTC if no offset is given).

    A bare date used as an upper bound (``to``) means the end of that day.
    """
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), time.min, tzinfo=UTC)
            if end_of_day:
                moment += timedelta(days=1, microseconds=-1)
        else:
            moment = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        raise QueryError(f"{name}: expected a date like 2015-05-21 or 2015-05-21T09:30+03:00, "
                         f"got {value!r}") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if not MIN_YEAR <= moment.year <= 9998:
        raise QueryError(f"{name}: a year between {MIN_YEAR} and 9998, got {value!r}")
    return moment


def build_query_string(text: str) -> tuple[str, set[str]]:
    """Turn an analyst's query into ``simple_query_string`` syntax over normalised tokens.

    Returns the query string and the normalised positive terms (for snippets).
    Operators kept: "phrases", -exclusion, OR / |, parentheses when balanced. A query of
    more than ``MAX_QUERY_CHARS`` characters or ``MAX_QUERY_TERMS`` words raises
    :class:`QueryError` before anything reaches the cluster.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is too long: {len(text)} characters (at most "
                         f"{MAX_QUERY_CHARS})")
    parts: list[str] = []
    words = 0
    terms: set[str] = set()
    balanced = text.count("(") == text.count(")")
    for raw in _QUERY_TOKEN.findall(text):
        if raw in ("OR", "|"):
            if parts and parts[-1] != "|":
                parts.append("|")
            continue
        if raw in ("(", ")"):
            if balanced:
                parts.append(raw)
            continue
        negate = raw.startswith("-") and len(raw) > 1
        body = raw[1:] if negate else raw
        tokens = normalize_for_search(body.strip('"')).split()
        if not tokens:
            continue
        words += len(tokens)
        if words > MAX_QUERY_TERMS:
            raise QueryError(f"the query has too many words: more than {MAX_QUERY_TERMS} "
                             "(split it into several searches or alerts)")
        piece = tokens[0] if len(tokens) == 1 else '"' + " ".join(tokens) + '"'
        if not negate:
            terms.update(tokens)
        parts.append(("-" if negate else "") + piece)
    while parts and parts[-1] == "|":
        parts.pop()
    if parts and parts[0] == "|":
        parts.pop(0)
    return " ".join(parts), terms


def _filters(req: SearchRequest, now: datetime) -> list[dict]:
    filters: list[dict] = []
    for values, fld in ((req.topics, "topics.id"), (req.outlets, "outlet"),
                        (req.places, "places.id")):
        if values:
            filters.append({"terms": {fld: list(values)}})
    if req.language:
        filters.append({"term": {"language": req.language}})
    published: dict = {}
    start = parse_since(req.since, now) if req.since else req.date_from
    if start:
        published["gte"] = start.isoformat()
    if req.date_to:
        published["lte"] = req.date_to.isoformat()
    if published:
        filters.append({"range": {"published_at": published}})
    if req.indexed_since:
        filters.append({"range": {"indexed_at": {"gt": req.indexed_since.isoformat()}}})
    return filters


def _interval(req: SearchRequest, now: datetime) -> str:
    start = parse_since(req.since, now) if req.since else req.date_from
    if not start:
        return "month"
    span = (req.date_to or now) - start
    if span <= timedelta(days=2):
        return "hour"
    if span <= timedelta(days=92):
        return "day"
    return "week" if span <= timedelta(days=731) else "month"


def build_body(req: SearchRequest, now: datetime | None = None,
               query_string: str | None = None) -> dict:
    """The Elasticsearch request body for ``req`` (also used by the benchmark)."""
    now = now or datetime.now(UTC)
    if query_string is None:
        query_string, _ = build_query_string(req.text)
    must = []
    if query_string:
        must.append({"simple_query_string": {
            "query": query_string, "fields": SEARCH_FIELDS, "default_operator": "and",
            "flags": "AND|OR|NOT|PHRASE|PRECEDENCE|WHITESPACE", "lenient": True,
        }})
    by_date = req.sort == "date" or (req.sort is None and not query_string)
    body: dict = {
        "query": {"bool": {"must": must or [{"match_all": {}}], "filter": _filters(req, now)}},
        "from": max(0, req.offset),
        "size": max(0, min(req.limit, 200)),
        "track_total_hits": True,
        "_source": SOURCE_FIELDS,
        "sort": [{"published_at": "desc"}, "_score"] if by_date else ["_score",
                                                                       {"published_at": "desc"}],
    }
    if req.facets:
        body["aggs"] = {name: {"terms": {"field": fld, "size": 50}}
                        for name, fld in FACETS.items()}
        body["aggs"]["histogram"] = {"date_histogram": {
            "field": "published_at", "calendar_interval": _interval(req, now),
            "min_doc_count": 1}}
    return body


@lru_cache(maxsize=4096)
def _is_word_char(ch: str) -> bool:
    return bool(tokenize(ch))


@lru_cache(maxsize=131_072)
def _chunk_words(chunk: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """The words of one whitespace-free chunk, each with its search form(s)."""
    words = (chunk,) if chunk.isalnum() else tokenize(chunk)  # \w is isalnum() or "_"
    return tuple((word, frozenset(search_token(word).split())) for word in words)


def match_spans(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Sorted ``(start, end)`` of the words of ``text`` whose search form is in ``terms``.

    The same spans as filtering :func:`processing.normalize.tokens_with_spans`, several
    times faster (snippets are most of the search function's own time): each distinct
    chunk is tokenised and normalised once (cached), then only the matching words are
    located with ``str.find``, counting a hit when no word character touches it.
    """
    found = {word for chunk in set(text.split()) for word, forms in _chunk_words(chunk)
             if not terms.isdisjoint(forms)}
    spans: list[tuple[int, int]] = []
    for word in found:
        start = text.find(word)
        while start >= 0:
            end = start + len(word)
            if ((start == 0 or not _is_word_char(text[start - 1]))
                    and (end == len(text) or not _is_word_char(text[end]))):
                spans.append((start, end))
            start = text.find(word, end)
    spans.sort()
    return spans


def make_snippet(hit: dict, terms: set[str], size: int = SNIPPET_CHARS) -> str:
    """HTML-safe snippet of the original text around the best matches, matches in <mark>."""
    text = hit.get("body") or hit.get("lead") or ""
    if not text:
        return ""
    matches = match_spans(text, terms) if terms else []
    if matches:
        # the window of `size` characters that holds the most matches
        best, best_count, j = 0, 0, 0
        for i, (start, _) in enumerate(matches):
            while matches[j][0] < start - size // 3:
                j += 1
            count = i - j + 1
            if count > best_count:
                best, best_count = j, count
        begin = max(0, matches[best][0] - size // 3)
    else:
        begin = 0
    end = min(len(text), begin + size)
    if begin > 0:  # do not cut a word in half
        space = text.find(" ", begin)
        begin = space + 1 if 0 <= space < begin + 30 else begin
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > begin else end
    pieces, pos = [], begin
    for start, stop in matches:
        if start < begin or stop > end:
            continue
        pieces.append(escape(text[pos:start]))
        pieces.append(f"<mark>{escape(text[start:stop])}</mark>")
        pos = stop
    pieces.append(escape(text[pos:end]))
    snippet = "".join(pieces).replace("\n\n", " ¶ ").replace("\n", " ")
    return ("… " if begin > 0 else "") + snippet + (" …" if end < len(text) else "")


def _hit(source: dict, doc_id: str, terms: set[str]) -> dict:
    return {
        "id": doc_id,
        "url": source.get("url"),
        "title": source.get("title"),
        "outlet": source.get("outlet"),
        "outlet_name": source.get("outlet_name"),
        "published_at": source.get("published_at"),
        "topics": [t["id"] for t in source.get("topics") or []],
        "places": [p["id"] for p in source.get("places") or []],
        "snippet": make_snippet(source, terms),
        "story_id": source.get("story_id"),
        "duplicate_of": source.get("duplicate_of"),
        "language": source.get("language"),
        "author": source.get("author"),
    }


def search(client: Elasticsearch, req: SearchRequest, now: datetime | None = None) -> dict:
    """Run ``req``; return the contract JSON: total, hits, facets, histogram."""
    query_string, terms = build_query_string(req.text)
    try:
        resp = client.search(index=ALIAS, body=build_body(req, now, query_string),
                             ignore_unavailable=True, allow_no_indices=True)
    except BadRequestError:
        # Should not happen given build_query_string; degrade to plain terms all the same.
        plain = " ".join(sorted(terms))
        resp = client.search(index=ALIAS, body=build_body(req, now, plain),
                             ignore_unavailable=True, allow_no_indices=True)
    aggs = resp.get("aggregations") or {}
    return {
        "total": resp["hits"]["total"]["value"],
        "hits": [_hit(h["_source"], h["_id"], terms) for h in resp["hits"]["hits"]],
        "facets": {name: {b["key"]: b["doc_count"] for b in aggs.get(name, {}).get("buckets", [])}
                   for name in FACETS} if req.facets else {},
        "histogram": [{"date": b["key_as_string"][:10], "count": b["doc_count"]}
                      for b in aggs.get("histogram", {}).get("buckets", [])],
    }


def story_articles(client: Elasticsearch, story_ids: list[str], size: int = 500) -> list[dict]:
    """The articles of these stories as search hits (no snippet marks), oldest first."""
    if not story_ids:
        return []
    resp = client.search(index=ALIAS, query={"terms": {"story_id": story_ids}}, size=size,
                         sort=[{"published_at": {"order": "asc", "missing": "_last"}}],
                         source_excludes=["*_norm"], ignore_unavailable=True,
                         allow_no_indices=True)
    return [_hit(h["_source"], h["_id"], set()) for h in resp["hits"]["hits"]]


def get_article(client: Elasticsearch, article_id: str) -> dict | None:
    """The stored record of one article (without the ``*_norm`` fields), or None."""
    resp = client.options(ignore_status=404).search(
        index=ALIAS, query={"ids": {"values": [article_id]}}, size=1,
        _source_excludes=["title_norm", "lead_norm", "body_norm"],
        ignore_unavailable=True, allow_no_indices=True)
    hits = resp.get("hits", {}).get("hits", [])
    return hits[0]["_source"] if hits else None
