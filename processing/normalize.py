"""The one Arabic normaliser used everywhere: tagging, dedup and the ``*_norm`` search fields.

Three layers, each usable alone:

* :func:`normalize_token` – orthographic folding of one word: NFKC, tashkeel/tatweel and
  zero-width characters removed, alef forms (أ إ آ ٱ) → ا, ى/ی → ي, ة → ه, hamza seats
  (ؤ ئ) → ء, Arabic-Indic and Persian digits → ASCII, Latin lower-cased.
* :func:`stem` – a documented, conservative Arabic light stemmer (see below).
* :func:`normalize_for_search` / :func:`tokens_with_spans` – tokenise the *original* text
  (punctuation, Arabic or not, separates words) and apply both; spans point into the
  original string, so evidence and highlights quote the text exactly as published.

The displayed text is never changed: these functions only derive keys from it.

Light stemmer
-------------
PyStemmer's Arabic (Snowball) stemmer was measured against the project's requirements and
rejected: it leaves لداعش and باستكمال unstemmed (so لداعش ≠ داعش) and cuts proper nouns
wildly (بغداد → غداد, بيروت → يرو, فلسطين → لسط, الولايات → ولا, كوباني → كوب). The stemmer
here follows Larkey's *light10* (prefixes وال بال كال فال لل ال و; suffixes ها ان ات ون ين
يه ه ي) with conservative changes:

1. Prefixes: the article with its proclitics (و ف + ب ك ل + ال, e.g. وبال, فلل) is removed
   when at least 2 letters remain; a bare و ب ل (or وب, ول) only when at least 4 letters
   remain *after* suffix stripping and they are not a broken plural of a root starting with
   that letter (وسائل, بدائل), or when a listed three-letter stem remains
   (``_KNOWN_STEMS``: لحزب, بدعم). So short native words are kept (بلدية ≠ لديه, وزارة ≠ زار)
   while لداعش, بدمشق, لواشنطن, وداعش lose it. A bare ك or ف is kept: in words of this length
   they are far more often root letters (كهرباء, كانتونات, فصائل) than clitics. (Light10
   strips a bare و whenever 3 letters remain, which turns وزارة into زار "visited" and
   splits وكالة from الوكالة.)
2. Suffixes are stripped repeatedly (longest first) while at least 3 letters remain — the
   usual size of an Arabic root — but at most one per class (pronoun, number, ه, nisba):
   سياساتها → سياس and مستشفيات ≡ مستشفى, while كانتونات stops at كانتون (not كانت "was").
3. ``_PROTECTED`` proper nouns (places and names that suffix rules would turn into other
   words: لبنان → لبن "milk", الرمادي → رماد "ash", البحرين → بحر "sea") keep their form
   after clitic removal, ``_NO_DERIVE`` names are never produced by suffix stripping
   (الرياضة "sport" ≠ الرياض), and ``_ALIASES`` folds a few spelling variants of one name
   (الأميركية ≡ الأمريكية, سوريا ≡ سورية).

Changing any of these tables changes index tokens: re-process the archive and re-index
after edits. tests/test_normalize.py holds the equivalences and non-merges it must keep.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "MARKS",
    "TOKEN_RE",
    "known_search_form",
    "name_forms",
    "normalize",
    "normalize_for_search",
    "normalize_token",
    "search_token",
    "stem",
    "tokenize",
    "tokens_with_spans",
]

# Characters that belong inside a word besides \w: Arabic combining marks (tashkeel,
# Quranic annotation) and zero-width (non-)joiners. Tatweel (U+0640) is already \w.
MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed"
_MARKS = MARKS
TOKEN_RE = re.compile(rf"[\w{_MARKS}\u200c\u200d]+")
_TOKEN_RE = TOKEN_RE


class _Memo(dict):
    """A plain dict that computes missing keys: lookups of known words stay in C (faster
    than ``lru_cache`` on the hot path); emptied when it grows past ``limit`` words."""

    def __init__(self, fn, limit: int) -> None:
        super().__init__()
        self.fn, self.limit = fn, limit

    def __missing__(self, key: str) -> str:
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.fn(key)
        return value


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for start, end in ((0x0610, 0x061A), (0x064B, 0x065F), (0x06D6, 0x06DC),
                       (0x06DF, 0x06E8), (0x06EA, 0x06ED), (0x200B, 0x200F)):
        for cp in range(start, end + 1):
            table[cp] = None
    for ch in "\u0670\u0640\ufeff\u00ad":  # superscript alef, tatweel, BOM, soft hyphen
        table[ord(ch)] = None
    folds = {
        "أإآٱٲٳ": "ا",
        "ىیېۍ": "ي",
        "ةۀەھ": "ه",
        "ؤئ": "ء",
        "ک": "ك",
        "گ": "ك",
    }
    for sources, target in folds.items():
        for ch in sources:
            table[ord(ch)] = target
    for i in range(10):
        table[0x0660 + i] = str(i)  # Arabic-Indic digits
        table[0x06F0 + i] = str(i)  # Persian digits
    return table


_TABLE = _build_table()

# Prefix groups for the light stemmer (normalised spelling), longest first.
_ARTICLE_PREFIXES = tuple(sorted(
    {c + p + "ال" for c in ("", "و", "ف") for p in ("", "ب", "ك")}
    | {c + "لل" for c in ("", "و", "ف")},
    key=len, reverse=True,
))
_BARE_PREFIXES = ("وب", "ول", "و", "ب", "ل")  # bare ك and ف are mostly root letters
_ARTICLE_SET = frozenset(_ARTICLE_PREFIXES)
_BARE_SET = frozenset(_BARE_PREFIXES)
_PREFIX_SET = _ARTICLE_SET | _BARE_SET
# و/ب/ل + a broken plural (فعائل) of a root starting with that letter: وسائل, وثائق, بدائل.
# (فعلاء plurals such as وزراء are in _PROTECTED: the pattern also fits بغطاء, وبناء.)
_BROKEN_PLURAL_RE = re.compile(r"^.اء.$")
_SUFFIX_CLASS = {"ها": "pron", "ان": "num", "ات": "num", "ون": "num", "ين": "num",
                 "يه": "nisba", "ه": "h", "ي": "nisba"}

# Words kept whole once clitics are removed: proper nouns, and a few words the prefix and
# suffix rules would otherwise mangle (برنامج, كانتون, وزراء).
_PROTECTED = frozenset("""
لبنان ايران طهران بغداد بغدادي بيروت كردستان فلسطين بريطانيا فرنسا لندن ليبيا عمان
السودان سودان بحرين البحرين يونان اليونان كوباني رمادي قلمون عفرين باكستان افغانستان
اذربيجان لوزان فيينا جنيف واشنطن موسكو بكين حمص حلب غزه ادلب درعا دمشق قطر الله كيري
بوتين اوباما ترامب روحاني سليماني بارزاني طالباني اردوغان حزيران تشرين كانون نيسان ايلول
ابريل يونيو يوليو سلمان عثمان سفيان ياسين حسين حسن عين سنجار سوري كتاءب ربيعه تلعفر
ديالي خانقين زيباري يزيدي ايزيدي فيدرالي برنامج بترول بروتوكول كانتون
وزراء وكلاء وسطاء وجهاء تعز عدن
""".split())
# Names that suffix stripping must not produce from another word: الرياضة (sport) is not
# الرياض, قطرة (drop) is not قطر, حلبة (arena) is not حلب.
_NO_DERIVE = frozenset("رياض قطر حلب".split())
# Three-letter stems that may carry a bare ب ك ل و (لحزب, بدعم, بغارات): stems this short
# are otherwise kept whole, because most four-letter words starting with those letters are
# not clitic + stem (كتاب, بلد, لدي).
_KNOWN_STEMS = _PROTECTED | frozenset("حزب جيش دعم حرب قصف غار نفط ارض جبه".split())
_ALIASES = {
    "اميرك": "امريك",
    "اميركا": "امريك",
    "امريكا": "امريك",
    "سوريا": "سوري",
    "سوريه": "سوري",
    "لله": "الله",
}


@lru_cache(maxsize=262_144)
def normalize_token(raw: str) -> str:
    """Fold the spelling of one word (no stemming); may be ``""`` for mark-only input."""
    if not raw.isascii():
        raw = unicodedata.normalize("NFKC", raw).translate(_TABLE)
    return raw.lower()


def _is_arabic(word: str) -> bool:
    return "\u0621" <= word[0] <= "\u06ff"


@lru_cache(maxsize=262_144)
def stem(word: str) -> str:
    """Light-stem one *normalised* Arabic word; other words are returned unchanged."""
    if len(word) < 3 or not _is_arabic(word):
        return word
    if word in _ALIASES:
        return _ALIASES[word]
    if word in _PROTECTED:
        return word
    # the proclitic groups this word starts with, longest first (at most 4 letters)
    prefixes = [p for p in (word[:4], word[:3], word[:2], word[:1]) if p in _PREFIX_SET]
    for p in prefixes:  # a clitic on a protected name: للبنان, وبغداد
        rest = word[len(p):]
        if rest in _PROTECTED:
            return rest
        if rest in _ALIASES:
            return _ALIASES[rest]
    for p in prefixes:
        if p in _ARTICLE_SET and len(word) - len(p) >= 2:
            return _final(_strip_suffixes(word[len(p):]))
    whole = _strip_suffixes(word)
    if whole in _PROTECTED:  # اللبنانيين → لبنان, not ل + بنان
        return whole
    for p in prefixes:  # only if 4+ letters or a known stem remain: بلدية ≠ لديه
        if p in _BARE_SET:
            rest = _strip_suffixes(word[len(p):])
            if rest in _KNOWN_STEMS or (len(rest) >= 4 and not _BROKEN_PLURAL_RE.match(rest)):
                return _final(rest)
    return _final(whole)


def _final(w: str) -> str:
    return _ALIASES.get(w, w)


def _strip_suffixes_of(w: str) -> str:
    """Strip suffixes (longest first) while 3+ letters remain, one per class.

    A word carries at most one pronoun (ها), number (ان ات ون ين), ه and nisba (ي يه)
    suffix, so سياساتها → سياس and مستشفيات ≡ مستشفى, but كانتونات stops at كانتون
    (not كانت "was") and حيوانات at حيوان.
    """
    if w in _ALIASES:
        return _ALIASES[w]
    if w in _PROTECTED:
        return w
    used: set[str] = set()
    while len(w) > 3:
        for suffix in (w[-2:], w[-1:]):  # longest first; a word ends with one of each length
            cls = _SUFFIX_CLASS.get(suffix)
            if (cls is not None and cls not in used and len(w) - len(suffix) >= 3
                    and w[: -len(suffix)] not in _NO_DERIVE):
                w = w[: -len(suffix)]
                used.add(cls)
                if w in _PROTECTED:
                    return w
                break
        else:
            break
    return w


_strip_suffixes = _Memo(_strip_suffixes_of, 500_000).__getitem__


def _search_token(raw: str) -> str:
    norm = normalize_token(raw)
    if " " in norm:
        return " ".join(stem(part) for part in norm.split())
    return stem(norm)


_SEARCH_TOKENS = _Memo(_search_token, 1_000_000)
search_token = _SEARCH_TOKENS.__getitem__
"""Normalised, stemmed form of one raw token; space-separated if NFKC expanded it."""


def tokenize(text: str) -> list[str]:
    """Raw word tokens of ``text`` (punctuation of any script separates words)."""
    return _TOKEN_RE.findall(text)


def normalize(text: str) -> str:
    """Normalised, *unstemmed* words of ``text`` joined by single spaces."""
    return " ".join(filter(None, map(normalize_token, _TOKEN_RE.findall(text))))


def normalize_for_search(text: str) -> str:
    """Space-separated normalised, light-stemmed tokens: the ``*_norm`` fields and queries.

    A text whose tokens were noted with :func:`known_search_form` is answered from them.
    """
    if not text:
        return ""
    if (known := _KNOWN_FORMS.pop(text, None)) is not None:
        tokens, first, end = known
        return " ".join(tokens[first:end])
    return " ".join(filter(None, map(search_token, _TOKEN_RE.findall(text))))


# Texts already tokenised elsewhere → (tokens, first, end): enrichment tokenises title,
# lead and body as one text, and indexing asks for each one's *_norm form right after.
# Taken once; emptied when full (``raqib enrich`` notes forms that nobody asks for).
_KNOWN_FORMS: dict[str, tuple[list[str], int, int]] = {}
_KNOWN_FORMS_LIMIT = 15_000  # 5,000 articles: a day of an outlet; later ones are recomputed


def known_search_form(text: str, tokens: list[str], first: int, end: int) -> None:
    """Note that ``normalize_for_search(text)`` is ``" ".join(tokens[first:end])``."""
    if len(_KNOWN_FORMS) >= _KNOWN_FORMS_LIMIT:
        _KNOWN_FORMS.clear()
    _KNOWN_FORMS[text] = (tokens, first, end)


def tokens_with_spans(text: str, stemmed: bool = True) -> list[tuple[str, int, int]]:
    """``(token, start, end)`` per word; ``text[start:end]`` is the word as written.

    ``token`` is the :func:`normalize_for_search` form (or the unstemmed
    :func:`normalize_token` form with ``stemmed=False``), so the tokens, in order, are
    exactly those of ``normalize_for_search(text).split()``.
    """
    fn = search_token if stemmed else normalize_token
    out: list[tuple[str, int, int]] = []
    append = out.append
    for m in _TOKEN_RE.finditer(text):
        tok = fn(m.group())
        if not tok:
            continue
        start, end = m.span()
        if " " in tok:
            for part in tok.split():
                append((part, start, end))
        else:
            append((tok, start, end))
    return out


_PROCLITICS = ("", "و", "ف", "ب", "ك", "ل", "وب", "وك", "ول", "فب", "فك", "فل")


@lru_cache(maxsize=4096)
def name_forms(word: str) -> frozenset[str]:
    """Spellings of one *normalised* name word with proclitics and nothing else.

    A name is matched as a whole lexeme: و ف ب ك ل and the article may precede it, but no
    suffix is stripped, so الجولاني (→ للجولاني, والجولاني, جولاني) never meets الجولة,
    جولات or الجولان, which light stemming folds together. A name written with the
    article keeps it, unless it is a relative adjective in ي (حوثي, جولاني): without it,
    النصرة, القاعدة and الحشد are the common nouns نصرة (support), قاعدة (base), حشد.
    """
    definite = word.startswith("ال") and len(word) > 4
    core = word[2:] if definite else word
    forms = {c + "ال" + core for c in _PROCLITICS} | {c + "لل" + core for c in ("", "و", "ف")}
    if not definite or core.endswith("ي"):
        forms |= {c + core for c in _PROCLITICS}
    return frozenset(forms)
