"""Log dropped items by reason and URL instead of dumping the whole article."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter


class ConciseLogFormatter(LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> dict:
        return {
            "level": logging.INFO,
            "msg": "Dropped: %(exception)s <%(url)s>",
            "args": {"exception": exception, "url": dict(item).get("url", "?")},
        }
