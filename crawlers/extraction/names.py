"""The site's own name, as the page gives it, and titles without it.

A page names its site in several places: ``og:site_name``, ``application-name``,
the JSON-LD publisher / WebSite / Organization, ``twitter:site``, the outlet's
display name in ``outlets.yaml``, its host name, and the prefix or suffix that
its ``<title>`` adds to the headline (``Headline - Site`` where the ``<h1>`` says
``Headline``). Those names are cut from titles and are never taken as authors.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from urllib.parse import urlsplit

from core.catalogue.outlets import Outlet
from crawlers.extraction.structured import PageMeta

SITE_META = (
    "og:site_name",
    "application-name",
    "apple-mobile-web-app-title",
    "al:android:app_name",
    "al:ios:app_name",
    "twitter:site",
    "publisher",
    "copyright",
    "dc.publisher",
)
# "Headline | Site", "Site - Headline", "Site :: Headline", "Headline – Site", "Site: Headline".
_SEPARATOR = re.compile(r"\s*(?:\||｜|•|·|»|«)\s*|\s+(?:-{1,2}|–|—|::?|/)\s+|:\s+")
_LEADING_SEP = re.compile(rf"^(?:{_SEPARATOR.pattern})")
_TRAILING_SEP = re.compile(rf"(?:{_SEPARATOR.pattern})$")
_KEY_DROP = re.compile(r"[\W_]+")
_TLD = re.compile(r"(?:com|net|org|tv|info|news|co|ae|sa|eg|lb|jo|iq|sy|ps|ma|dz|tn|qa|kw)$")
_WORD = re.compile(r"[^\W_]+")
_GENERIC_HOST = {"www", "m", "ar", "arabic", "amp", "news", "com", "net", "org", "co"}


def unescape(text: str) -> str:
    """HTML entities left in metadata (``&quot;``, even ``&amp;quot;``) as characters."""
    for _ in range(2):
        if "&" not in text:
            break
        text = html.unescape(text)
    return text


def fold(text: str | None) -> str:
    """Entities unescaped, whitespace runs (and direction marks) as one space, trimmed."""
    if not text:
        return ""
    text = unescape(text)
    return re.sub(r"\s+", " ", text.replace("\u200f", " ").replace("\u200e", " ")).strip()


@lru_cache(maxsize=8192)
def key(text: str) -> str:
    """Letters and digits only, case-folded: ``CNNArabic.com`` and ``cnnarabic`` meet."""
    return _KEY_DROP.sub("", unicodedata.normalize("NFKC", fold(text)).casefold())


@lru_cache(maxsize=8192)
def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(unicodedata.normalize("NFKC", fold(text)).casefold()))


@dataclass(frozen=True)
class SiteNames:
    """Every name the page or its outlet uses for the site."""

    names: tuple[str, ...]

    @cached_property
    def _keys(self) -> tuple[str, ...]:
        out: list[str] = []
        for name in self.names:
            k = key(name)
            if len(k) >= 2:
                out.append(k)
                trimmed = _TLD.sub("", k)
                if trimmed != k and len(trimmed) >= 3:
                    out.append(trimmed)
        return tuple(out)

    def keys(self) -> Iterable[str]:
        return self._keys

    def matches(self, text: str | None, loose: bool = True) -> bool:
        """True when ``text`` is (a form of) one of the names.

        Equal keys always match; with ``loose``, a short text also matches when one
        key holds the other and the shorter is most of the longer (``LBCI`` in
        ``LBCIV7``, ``صدى البلد`` in ``قناة صدى البلد``) or all of its words are
        words of the other (``البيان`` in ``جريدة البيان``, two words at least).
        """
        k = key(text or "")
        if len(k) < 2:
            return False
        words = _words(text or "")
        for name_key in self.keys():
            if k == name_key or _TLD.sub("", k) == name_key:
                return True
            if not loose or len(words) > 6:
                continue
            short, long_ = sorted((k, name_key), key=len)
            if len(short) >= 3 and short in long_ and len(short) >= 0.6 * len(long_):
                return True
        if loose and 2 <= len(words) <= 6:
            for name in self.names:
                other = _words(name)
                if len(other) >= 2 and (_within(words, other) or _within(other, words)):
                    return True
        return False


def _within(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    """``part`` appears in ``whole`` as consecutive words."""
    n = len(part)
    return any(whole[i : i + n] == part for i in range(len(whole) - n + 1))


def split_title(title: str) -> list[str]:
    """A title cut at its separators (``-``, ``|``, ``:`` …), segments trimmed."""
    return [p.strip() for p in _SEPARATOR.split(title) if p and p.strip()]


def affixes(titles: Iterable[str | None]) -> list[str]:
    """Segments that one of the page's titles adds around another one.

    ``"Headline - Site"`` beside ``"Headline"`` (the ``<h1>``, ``twitter:title``, …)
    gives ``Site``: what a page wraps around its headline is its name. The
    headline must be the longer part, so an ``<h1>`` holding a section label
    does not turn the real headline into a "site name".
    """
    folded = list(dict.fromkeys(t for t in (fold(t) for t in titles) if t))
    found: list[str] = []
    for core in folded:
        for other in folded:
            if other == core or len(other) <= len(core):
                continue
            if other.startswith(core):
                rest = other[len(core) :]
                edge = _LEADING_SEP.match(rest)
            elif other.endswith(core):
                rest = other[: -len(core)]
                edge = _TRAILING_SEP.search(rest)
            else:
                continue
            segment = _strip_separator(rest)
            if edge and segment and len(segment) < len(core) and len(segment.split()) <= 6:
                found.append(segment)
    return list(dict.fromkeys(found))


def _edge_separated(title: str, segment: str) -> bool:
    """True when ``segment`` stands at the start or the end of ``title``, cut off by a separator."""
    if title.startswith(segment):
        return bool(_LEADING_SEP.match(title[len(segment) :]))
    return title.endswith(segment) and bool(_TRAILING_SEP.search(title[: -len(segment)]))


def host_names(url: str) -> list[str]:
    """The distinctive labels of the page's host: ``www.youm7.com`` gives ``youm7``."""
    host = (urlsplit(url).hostname or "").lower()
    labels = host.split(".")[:-1] if "." in host else [host]
    return [label for label in labels if label and label not in _GENERIC_HOST]


def site_names(
    meta: PageMeta, outlet: Outlet, url: str, titles: Iterable[str | None] = ()
) -> SiteNames:
    """Everything the page and its outlet call the site (see the module docstring)."""
    names: list[str] = [outlet.display_name]
    names += [meta.og1(k) or meta.meta.get(k) or "" for k in SITE_META]
    names += meta.publishers
    names += host_names(url)
    names += affixes(titles)
    return SiteNames(tuple(dict.fromkeys(fold(n).lstrip("@") for n in names if fold(n))))


def clean_title(title: str | None, sites: SiteNames) -> str | None:
    """The title without the site's name before or after it; ``None`` if only the name is left."""
    title = fold(title)
    if not title:
        return None
    parts = split_title(title)
    if len(parts) > 1 and sites.matches(parts[-1]) and _edge_separated(title, parts[-1]):
        title = _strip_separator(title[: -len(parts[-1])])
    parts = split_title(title)
    if len(parts) > 1 and sites.matches(parts[0]) and _edge_separated(title, parts[0]):
        title = _strip_separator(title[len(parts[0]) :])
    if not title or sites.matches(title, loose=False):
        return None
    return title


def _strip_separator(text: str) -> str:
    """Separators and spaces left at either end of a cut title."""
    return re.sub(r"^(?:\s|[|｜•·»«\-–—:/])+|(?:\s|[|｜•·»«\-–—:/])+$", "", text)
