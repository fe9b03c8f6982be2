"""Publication dates: machine-readable values and Arabic visible text.

dateparser handles the parsing, but it does not know the Levantine month names
(أيار، تشرين الثاني …) nor, reliably, the Maghrebi ones, and it wants ASCII
digits. So visible text is first *localised*: Arabic-Indic and Persian digits
become ASCII and every Arabic month name becomes its English name; then a date
phrase is located with a regular expression and handed to dateparser with the
outlet's time zone (applied only when the text carries no offset).
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# Month names by region; longer names first so "تشرين الثاني" wins over a bare "تشرين".
_MONTHS: dict[str, tuple[str, ...]] = {
    "January": ("كانون الثاني", "يناير", "جانفي"),
    "February": ("شباط", "فبراير", "فيفري"),
    "March": ("آذار", "اذار", "مارس"),
    "April": ("نيسان", "أبريل", "إبريل", "ابريل", "أفريل", "افريل"),
    "May": ("أيار", "ايار", "مايو", "ماي"),
    "June": ("حزيران", "يونيو", "يونيه", "جوان"),
    "July": ("تموز", "يوليو", "يوليه", "جويلية", "جويلة"),
    "August": ("آب", "اب", "أغسطس", "اغسطس", "أوت", "اوت"),
    "September": ("أيلول", "ايلول", "سبتمبر"),
    "October": ("تشرين الأول", "تشرين الاول", "أكتوبر", "اكتوبر"),
    "November": ("تشرين الثاني", "نوفمبر"),
    "December": ("كانون الأول", "كانون الاول", "ديسمبر", "دجنبر"),
}
_NAME_TO_EN = {name: en for en, names in _MONTHS.items() for name in names}
# Whole words only: Arabic letters must not touch the name on either side.
_MONTH_RE = re.compile(
    r"(?<![\u0621-\u064A])("
    + "|".join(re.escape(n) for n in sorted(_NAME_TO_EN, key=len, reverse=True))
    + r")(?![\u0621-\u064A])"
)
_EN_MONTHS = "|".join(_MONTHS)
_TIME = r"(?:\D{0,25}?(\d{1,2}:\d{2}(?::\d{2})?)\s*(ص|م|AM|PM|am|pm)?)?"
_PATTERNS = (
    # 21 May 2015 [ - 10:30 ]
    re.compile(rf"\b(\d{{1,2}})\s*(?:[-/،,]\s*)?({_EN_MONTHS})\s*(?:[-/،,]\s*)?(\d{{4}})\b{_TIME}"),
    # 2015-05-21 [10:30]   or   2015/05/21
    re.compile(rf"\b(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}})\b{_TIME}"),
    # 21/05/2015 [10:30]   (day first, as Arab outlets write it)
    re.compile(rf"\b(\d{{1,2}})[-/.](\d{{1,2}})[-/.](\d{{4}})\b{_TIME}"),
)


def localise(text: str) -> str:
    """ASCII digits and English month names, so dateparser understands the text."""
    text = text.translate(_DIGITS).replace("\u200f", " ").replace("\u200e", " ")
    return _MONTH_RE.sub(lambda m: _NAME_TO_EN[m.group(1)], text)


@lru_cache(maxsize=64)
def _parser(tz_name: str, date_order: str = "DMY") -> DateDataParser:
    """One dateparser parser per time zone: building one per call costs ~10 ms."""
    return DateDataParser(
        languages=["en"],
        settings={
            "TIMEZONE": tz_name,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "DATE_ORDER": date_order,
            "PREFER_DAY_OF_MONTH": "first",
            "REQUIRE_PARTS": ["day", "month", "year"],
            # phrases reaching dateparser are already absolute dates: skip "2 days ago" parsing
            "PARSERS": ["timestamp", "absolute-time"],
        },
    )


def _dateparse(text: str, tz: ZoneInfo, date_order: str = "DMY") -> datetime | None:
    return _parser(tz.key, date_order).get_date_data(text).date_obj


def parse_machine_date(value: str | None, tz: ZoneInfo) -> datetime | None:
    """Parse an ISO-like value from JSON-LD, a meta tag or ``<time datetime>``.

    Naive values are taken as the outlet's local time.
    """
    if not value or not isinstance(value, str):
        return None
    value = value.strip().translate(_DIGITS)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = _rfc822(value) or _dateparse(value, tz, "YMD")
        if parsed is None:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def _rfc822(value: str) -> datetime | None:
    """``Thu, 21 May 2015 07:30:00 GMT`` (feeds, HTTP headers)."""
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def find_text_date(text: str | None, tz: ZoneInfo) -> datetime | None:
    """First date (with its time, if written next to it) found in visible text."""
    if not text:
        return None
    text = localise(text)
    best: tuple[int, str] | None = None
    for i, pattern in enumerate(_PATTERNS):
        m = pattern.search(text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), _phrase(i, m))
    if best is None:
        return None
    return _dateparse(best[1], tz)


def _phrase(kind: int, m: re.Match[str]) -> str:
    """Rebuild an unambiguous phrase (``21 May 2015 10:30 PM``) from a match."""
    g = m.groups()
    if kind == 0:
        day, month, year = g[0], g[1], g[2]
    elif kind == 1:
        year, month, day = g[0], g[1], g[2]
        month = list(_MONTHS)[int(month) - 1] if 1 <= int(month) <= 12 else month
    else:
        day, month, year = g[0], g[1], g[2]
        month = list(_MONTHS)[int(month) - 1] if 1 <= int(month) <= 12 else month
    phrase = f"{day} {month} {year}"
    clock, ampm = g[3], g[4]
    if clock:
        phrase += f" {clock}"
        if ampm:
            phrase += " PM" if ampm in ("م", "PM", "pm") else " AM"
    return phrase


def isoformat(value: datetime | None) -> str | None:
    """ISO 8601 with offset, to the second."""
    return value.replace(microsecond=0).isoformat() if value else None
