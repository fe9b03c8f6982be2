"""Boilerplate learned per outlet: the sentences an outlet repeats across many articles.

Datelines ("دبي، الإمارات العربية المتحدة (CNN)"), agency tags, author lines, footers
("يشار إلى أن موقع CNN بالعربية لا يمكنه التأكد…"), teaser headings and the background
paragraph a wire pastes under every report of a campaign say nothing about which event an
article reports. A body sentence is known by a short key (a hash of its normalised
tokens); a key an outlet has used in at least ``MIN_ARTICLES`` of its articles is that
outlet's boilerplate, and story matching (:mod:`processing.stories`) ignores it. The body
shown to analysts is never changed.

Learning is counting: :meth:`Boilerplate.learn` adds one article's keys (``raqib enrich``
learns as it reads, ``raqib eval stories`` from the whole file first), and
:meth:`Boilerplate.seed` loads counts taken from the archive (``raqib process`` asks the
articles index, :func:`state.boilerplate.learned_counts`). ``MIN_ARTICLES = 5``: on the
real development set every line repeated that often is boilerplate, while the same lead
reused by one outlet for a few reports of one event (up to 4 times) is not.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from processing.phrases import Doc

__all__ = ["MIN_ARTICLES", "Boilerplate", "sentence_key", "sentence_keys"]

MIN_ARTICLES = 5
_MAX_SENTENCE_TOKENS = 80  # longer "sentences" are unsplit paragraphs, not boilerplate


def sentence_key(tokens: Iterable[str]) -> str:
    """Key of one sentence: the CRC-32 of its normalised tokens, in hex (a collision only
    matters if it meets one of an outlet's few boilerplate keys)."""
    return f"{zlib.crc32(' '.join(tokens).encode('utf-8')):08x}"


def sentence_keys(doc: Doc) -> list[str]:
    """Keys of the body sentences of ``doc`` (not the headline), each once, in order."""
    starts = [*doc.sentence_starts, len(doc.tokens)]
    keys: dict[str, None] = {}
    for k in range(len(doc.sentence_starts)):
        if doc.has_title and doc.sentence_paragraphs[k] == 0:
            continue
        if 0 < starts[k + 1] - starts[k] <= _MAX_SENTENCE_TOKENS:
            keys[sentence_key(doc.tokens[starts[k]:starts[k + 1]])] = None
    return list(keys)


class Boilerplate:
    """How many articles of each outlet carried each sentence key; what counts as boilerplate."""

    def __init__(self, min_articles: int = MIN_ARTICLES) -> None:
        self.min_articles = min_articles
        self._counts: dict[str, Counter[str]] = defaultdict(Counter)
        self._seen: set[tuple[str, str]] = set()

    def learn(self, outlet: str | None, article_id: str, keys: Iterable[str]) -> None:
        """Count one article's sentence keys (an article counted twice counts once)."""
        if not outlet or (outlet, article_id) in self._seen:
            return
        self._seen.add((outlet, article_id))
        self._counts[outlet].update(keys)

    def seed(self, counts: Mapping[str, Mapping[str, int]]) -> None:
        """Add counts taken elsewhere (``{outlet: {key: articles}}``), e.g. from the archive."""
        for outlet, keys in counts.items():
            self._counts[outlet].update(keys)

    def is_boilerplate(self, outlet: str | None, key: str) -> bool:
        return bool(outlet) and self._counts[outlet][key] >= self.min_articles

    def sentences(self, outlet: str | None) -> set[str]:
        """The keys that are ``outlet``'s boilerplate now."""
        return {k for k, n in self._counts.get(outlet or "", Counter()).items()
                if n >= self.min_articles}
