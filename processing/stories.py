"""Event identity: when two articles report the same story.

Text overlap alone groups the wrong things on real news: one template reports many events
(Saudi relief plane no. 3, 4, 5 to Aden; a missile intercepted over another city), an
outlet's dateline and footers repeat in all its articles, and a roundup's secondary
paragraph is another story. So an article is reduced to an :class:`Event`:

* ``terms`` — the content words of its **main content**: the headline and the first
  ``LEAD_SENTENCES`` sentences of the body, without datelines, function words and the
  outlet's learned boilerplate (:mod:`processing.boilerplate`), up to where a roundup's
  next item opens ("إلى ذلك"، "من جهة أخرى"…);
* its **particulars**: the ordinal that numbers it in a series (الطائرة الخامسة, الـ(6)),
  the cardinal numbers of its headline (casualty counts excepted: they rise as a story
  develops), the cities and provinces its headline names, and its publication time.

:func:`same_event` says two events are one story when their main content is close
(Jaccard of ``terms`` ≥ ``SAME_TERMS``, or ≥ ``SAME_TERMS_WITH_TITLE`` when the headlines
share at least ``SAME_TITLE`` of their words) **and** no particular disagrees: both
numbered with different ordinals, headline numbers or headline places with nothing in
common, or published more than ``WINDOW`` apart (72 hours: a story's follow-ups — the
death toll updated, the reaction next day — come within three days; the next plane of a
series rarely does). An article republished from the same text (``duplicate_of``) always
joins the story of its original.

:func:`choose_story` picks, among earlier articles, the story an article joins: the most
similar same-event article whose story's first report also agrees (no chaining from one
event to another through an article in between).

The thresholds come from ``raqib eval stories`` on hand-labelled pairs of real articles
(``tests/data/realnews_story_pairs.jsonl``); docs/architecture.md shows the figures.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np

from processing.boilerplate import Boilerplate, sentence_key
from processing.normalize import _Memo, search_token
from processing.phrases import Doc
from processing.salience import STOPWORDS

__all__ = ["LEAD_SENTENCES", "WINDOW", "Event", "choose_story", "event_bands", "event_of",
           "same_event", "similarity"]

LEAD_SENTENCES = 4
WINDOW = timedelta(hours=72)
SAME_TERMS = 0.36
SAME_TERMS_WITH_TITLE = 0.2
SAME_TITLE = 0.35
HEAD_TERMS = 0.1
# Candidates are found by MinHash LSH on the main-content words: 25 bands of 2 rows put two
# events of word Jaccard 0.2 in a common band with probability 0.64, of 0.36 (what
# same_event asks without a headline in common) with 0.96. 50 bands found no more
# same-event pairs on the labelled real pairs and cost twice as much to look up.
EVENT_BANDS, EVENT_ROWS = 25, 2
TITLE_BANDS = 6
_MULTIPLIERS, _TITLE_MULTIPLIERS = np.split(
    np.random.default_rng(5).integers(1, 2**63, EVENT_BANDS * EVENT_ROWS + TITLE_BANDS,
                                      dtype=np.uint64) * np.uint64(2) + np.uint64(1),
    [EVENT_BANDS * EVENT_ROWS])
_LOCAL_PLACE_KINDS = frozenset({"city", "province"})

# Normalised, stemmed forms (processing.normalize) of the ordinals and small cardinals.
_ORDINALS = {"ثان": 2, "ثالث": 3, "رابع": 4, "خامس": 5, "سادس": 6, "سابع": 7, "ثامن": 8,
             "تاسع": 9, "عاشر": 10}
_CARDINALS = {"اثن": 2, "ثلاث": 3, "اربع": 4, "خمس": 5, "سته": 6, "ست": 6, "سبع": 7,
              "ثمان": 8, "تسع": 9, "عشر": 10}
_MONTHS = frozenset("""يناير فبراير مارس ابريل مايو يونيو يوليو اغسطس سبتمبر اكتوبر نوفمبر
ديسمبر كانون تشرين شباط اذار نيسان ايار حزيران تموز اب ايلول محرم صفر ربيع جمادي رجب شعبان
رمضان شوال القعده الحجه""".split())
# Words around a number that make it a count that changes as a story develops (a toll),
# not what tells one event of a series from the next.
_TOLL_WORDS = frozenset("""قتيل قتيلا قتلي جريح جرحي مصاب مصابا مصابين شهيد شهيدا ضحيه
ضحايا اصابه شخص شخصا مدني مدنيا""".split())
_TOLL_BEFORE = frozenset("مقتل قتل اصاب مصرع استشهاد حصيل".split())
_NOT_SERIES = frozenset({"ساع", "ناءب"})  # the hour, "second deputy" (a title)
# Who an incident struck, as a headline names them: a citizen and a resident, a farmer and
# a child are different incidents of one template (a projectile from across the border).
_PEOPLE_WORDS = """مواطن مواطنين مواطنة مقيم مقيمين مقيمة طفل طفلين أطفال طفلة فتاة فتيات امرأة
نساء عامل عمال مزارع مزارعين جندي جنديين جنود شرطي شرطيين ضابط ضباط رهينة رهائن لاجئ لاجئين
حاج حجاج""".split()
_PEOPLE = {search_token(w) for w in _PEOPLE_WORDS} - {""}
# Openings of a roundup's next item ("إلى ذلك، وصلت الطائرة السادسة…"): the main content
# ends where another story starts.
_OTHER_ITEM = tuple(tuple(search_token(w) for w in phrase.split()) for phrase in (
    "إلى ذلك", "من جهة أخرى", "من جهة ثانية", "في سياق آخر", "في سياق منفصل",
    "من ناحية أخرى", "في شأن آخر", "على صعيد آخر", "في تطور آخر", "من جانب آخر"))
_NUMBER_RE = re.compile(r"(?:ال|[وبلف])?(\d+)")
_YEAR_RE = re.compile(r"(?:19|20|14)\d\d")


@dataclass(frozen=True)
class Event:
    """What identifies the event an article reports (see the module docstring)."""

    terms: frozenset[str]
    title_terms: frozenset[str]
    ordinal: int | None = None
    numbers: frozenset[int] = frozenset()
    places: frozenset[str] = frozenset()
    lead_places: frozenset[str] = frozenset()
    people: frozenset[str] = frozenset()
    published: datetime | None = None

    def to_json(self) -> dict:
        """A compact JSON form (word sets as space-separated strings: quick to decode)."""
        return {"terms": " ".join(sorted(self.terms)),
                "title_terms": " ".join(sorted(self.title_terms)),
                "ordinal": self.ordinal, "numbers": sorted(self.numbers),
                "places": sorted(self.places), "lead_places": sorted(self.lead_places),
                "people": " ".join(sorted(self.people)),
                "published": self.published.isoformat() if self.published else None}

    @classmethod
    def from_json(cls, data: dict) -> Event:
        return cls(_words(data.get("terms")), _words(data.get("title_terms")),
                   data.get("ordinal"), frozenset(data.get("numbers") or ()),
                   frozenset(data.get("places") or ()), frozenset(data.get("lead_places") or ()),
                   _words(data.get("people")), parse_time(data.get("published")))


def _words(value: str | list | None) -> frozenset[str]:
    return frozenset(value.split() if isinstance(value, str) else value or ())


def parse_time(value: object) -> datetime | None:
    """An ISO time as an aware datetime (naive ones are UTC); ``None`` if absent or bad."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _opens_other_item(tokens: Sequence[str]) -> bool:
    head = [tokens[0].removeprefix("و"), *tokens[1:3]] if tokens else []
    return any(tuple(head[:len(marker)]) == marker for marker in _OTHER_ITEM)


def _content(tokens: Iterable[str]) -> list[str]:
    return [t for t in tokens if len(t) > 2 and t not in STOPWORDS and not t.isdigit()]


def _numbers(tokens: Sequence[str]) -> tuple[list[int], set[int]]:
    """Ordinals (in order) and identifying cardinals of a token run."""
    ordinals: list[int] = []
    cardinals: set[int] = set()
    for i, token in enumerate(tokens):
        if (ordinal := _ORDINALS.get(token)) is not None:
            if not (i and tokens[i - 1] in _NOT_SERIES):  # الساعة العاشرة: a time
                ordinals.append(ordinal)
            continue
        value = _CARDINALS.get(token)
        if value is None and (found := _NUMBER_RE.fullmatch(token)):
            digits = found.group(1)
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if _YEAR_RE.fullmatch(digits) or nxt in _MONTHS:
                continue  # a date, not a particular of the event
            if token.startswith("ال") or (i and tokens[i - 1] == "ال"):  # الـ(6)
                ordinals.append(int(digits))
                continue
            value = int(digits)
        if value is not None and not (_TOLL_WORDS.intersection(tokens[i + 1:i + 3])
                                      or i and tokens[i - 1] in _TOLL_BEFORE):
            cardinals.add(value)
    return ordinals, cardinals


def event_of(doc: Doc, outlet: str | None, published: object,
             places: Iterable[tuple[dict, int]] = (),
             boilerplate: Boilerplate | None = None,
             kinds: dict[str, str] | None = None) -> Event:
    """The :class:`Event` of an article.

    ``doc``: its :class:`Doc` (headline first); ``places``: the places it names with the
    first token of their first mention (:meth:`processing.places.PlaceTagger.tag_with_positions`);
    ``kinds``: place id → kind, to keep cities and provinces.
    """
    starts = [*doc.sentence_starts, len(doc.tokens)]
    title: list[str] = []
    main: list[str] = []
    lead_ordinals: list[int] = []
    title_end = main_end = 0
    taken = 0
    for k in range(len(doc.sentence_starts)):
        tokens = doc.tokens[starts[k]:starts[k + 1]]
        if doc.has_title and doc.sentence_paragraphs[k] == 0:
            title += tokens
            title_end = starts[k + 1]
            continue
        if taken >= LEAD_SENTENCES or _opens_other_item(tokens):
            break
        key = sentence_key(tokens)
        if k in doc.datelines or (boilerplate is not None
                                  and boilerplate.is_boilerplate(outlet, key)):
            continue
        main += tokens
        main_end = starts[k + 1]

        if not taken:
            lead_ordinals = _numbers(tokens)[0]
        taken += 1
    title_ordinals, title_numbers = _numbers(title)
    ordinals = title_ordinals or lead_ordinals
    local = [(p["id"], first) for p, first in places
             if kinds is None or kinds.get(p["id"]) in _LOCAL_PLACE_KINDS]
    title_places = frozenset(pid for pid, first in local if first < title_end)
    lead_places = frozenset(pid for pid, first in local if first < main_end)
    title_terms = frozenset(_content(title))
    return Event(terms=title_terms | frozenset(_content(main)), title_terms=title_terms,
                 ordinal=ordinals[0] if ordinals else None, numbers=frozenset(title_numbers),
                 places=title_places, lead_places=lead_places | title_places,
                 people=frozenset(_PEOPLE.intersection(title)),
                 published=parse_time(published))


@lru_cache(maxsize=65_536)
def event_bands(event: Event) -> tuple[str, ...]:
    """LSH band keys of the main-content words: events that may be the same share one.

    MinHash with multiply-shift hashing: for each of ``EVENT_BANDS * EVENT_ROWS`` random
    odd multipliers, the smallest high half of (word hash × multiplier) over the words.
    """
    if not event.terms:
        return ()
    mins = _minhash(event.terms, _MULTIPLIERS).reshape(EVENT_BANDS, EVENT_ROWS)
    keys = (mins[:, 0] << np.uint64(32) | mins[:, 1]).tolist()
    bands = [f"e{b}:{v:x}" for b, v in enumerate(keys)]
    if event.title_terms:  # one-row bands of the headline words: close headlines meet too
        bands += [f"t{b}:{v:x}" for b, v in
                  enumerate(_minhash(event.title_terms, _TITLE_MULTIPLIERS).tolist())]
    return tuple(bands)


def _minhash(words: frozenset[str], multipliers: np.ndarray) -> np.ndarray:
    hashes = np.fromiter(map(_term_hash, words), dtype=np.uint64, count=len(words))
    return ((hashes[:, None] * multipliers[None, :]) >> np.uint64(32)).min(axis=0)


def _crc32(term: str) -> int:
    return zlib.crc32(term.encode("utf-8"))


_term_hash = _Memo(_crc32, 1_000_000).__getitem__


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    shared = len(a & b)
    union = len(a) + len(b) - shared
    return shared / union if union else 0.0


def similarity(a: Event, b: Event) -> float:
    """Jaccard of the main-content terms."""
    return _jaccard(a.terms, b.terms)


def _agree(x: int, y: int) -> bool:
    """Equal, or one is the other rounded down to its last non-zero digit: a headline's
    "400 ألف" for the 439,491 of the statement (but 363 is not "400")."""
    if x == y:
        return True
    return _floors(x, y) or _floors(y, x)


def _floors(rounded: int, exact: int) -> bool:
    unit = 1
    while rounded % (unit * 10) == 0 and unit < rounded:
        unit *= 10
    return unit >= 100 and exact - exact % unit == rounded


def conflict(a: Event, b: Event) -> str | None:
    """Why two events cannot be one story (a particular disagrees), or ``None``."""
    if a.published and b.published and abs(a.published - b.published) > WINDOW:
        return "published too far apart"
    if a.ordinal is not None and b.ordinal is not None and a.ordinal != b.ordinal:
        return "different ordinals"
    if a.numbers and b.numbers and not any(_agree(x, y) for x in a.numbers for y in b.numbers):
        return "different headline numbers"
    if (a.places and b.lead_places and not a.places & b.lead_places
            or b.places and a.lead_places and not b.places & a.lead_places):
        return "different places"
    if a.people and b.people and not a.people & b.people:
        return "different people struck"
    return None


def same_event(a: Event, b: Event, sim: float | None = None) -> bool:
    """Close main content and no disagreeing particular (see the module docstring);
    ``sim``: their :func:`similarity`, if already known."""
    sim = similarity(a, b) if sim is None else sim
    if sim < SAME_TERMS_WITH_TITLE:
        return False
    if sim < SAME_TERMS and _jaccard(a.title_terms, b.title_terms) < SAME_TITLE:
        return False
    return conflict(a, b) is None


def choose_story(event: Event, candidates: Iterable[tuple[str, Event]],
                 heads: dict[str, Event]) -> str | None:
    """The story ``event`` joins: of the ``(story_id, event)`` candidates that are the same
    event, the most similar one whose story's first report (``heads[story_id]``, when
    known) does not conflict; ``None`` for a new story."""
    best, best_sim = None, 0.0
    for story_id, other in candidates:
        sim = similarity(event, other)
        if sim <= best_sim or not same_event(event, other, sim):
            continue
        head = heads.get(story_id)
        if head is not None and head is not other and (
                conflict(event, head) is not None or similarity(event, head) < HEAD_TERMS):
            continue
        best, best_sim = story_id, sim
    return best
