"""Article extraction: structured metadata, dates, body text and page checks.

Plain functions over an lxml tree, usable without Scrapy::

    from parsel import Selector
    from crawlers.extraction import extract_article
    record = extract_article(Selector(text=html).root, url, outlet)
"""

from crawlers.extraction.article import extract_article
from crawlers.extraction.checks import is_binary, looks_malformed
from crawlers.extraction.dates import find_text_date, localise, parse_machine_date

__all__ = [
    "extract_article",
    "find_text_date",
    "is_binary",
    "localise",
    "looks_malformed",
    "parse_machine_date",
]
