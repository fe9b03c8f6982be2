"""Words of the digest: UI strings in Arabic and English, and topic labels for the chips.

Topic labels come from the validated taxonomy (``processing.topics``); an unknown
id is shown as itself, so a digest never fails over a label.
"""

from __future__ import annotations

import logging
from pathlib import Path

from raqib.settings import CONFIG_DIR

log = logging.getLogger(__name__)

STRINGS: dict[str, dict[str, str]] = {
    "ar": {
        "brand": "رقيب",
        "digest": "الموجز اليومي",
        "alert": "التنبيه",
        "query": "البحث",
        "new": "مواد جديدة: {n}",
        "stories": "قصص: {n}",
        "since": "منذ {date}",
        "original": "المقال الأصلي",
        "also": "تغطيات أخرى للقصة",
        "more": "مواد أخرى لم تُعرض هنا: {n}",
        "open_search": "افتح البحث الكامل",
        "nothing": "لا جديد منذ الموجز السابق.",
        "footer": "وصلتك هذه الرسالة لأنك مشترك في تنبيه «{name}».",
        "subject": "[رقيب] {name} — مواد جديدة: {n}",
        "subject_none": "[رقيب] {name} — لا جديد",
        "list_sep": "، ",
    },
    "en": {
        "brand": "Raqib",
        "digest": "Daily digest",
        "alert": "Alert",
        "query": "Search",
        "new": "New articles: {n}",
        "stories": "Stories: {n}",
        "since": "since {date}",
        "original": "Original article",
        "also": "Other coverage of this story",
        "more": "{n} more not shown here",
        "open_search": "Open the full search",
        "nothing": "Nothing new since the last digest.",
        "footer": "You receive this because you subscribe to the alert “{name}”.",
        "subject": "[Raqib] {name} — new articles: {n}",
        "subject_none": "[Raqib] {name} — nothing new",
        "list_sep": ", ",
    },
}


def topic_labels(config_dir: Path = CONFIG_DIR) -> dict[str, dict[str, str]]:
    """Topic id → ``{"ar": label, "en": label}`` (empty if the taxonomy cannot be read)."""
    from processing.topics import TaxonomyError, load_taxonomy

    try:
        topics = load_taxonomy(config_dir / "topics.yaml").topics
    except TaxonomyError as exc:  # a label must never stop a digest
        log.warning("topic labels unavailable, showing ids: %s", exc)
        return {}
    return {t.id: {"ar": t.label_ar, "en": t.label_en} for t in topics}
