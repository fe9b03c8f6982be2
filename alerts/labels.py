"""Words of the digest: UI strings in Arabic and English, and topic labels for the chips.

Topic labels come from the taxonomy loader in ``processing.topics`` when it exists,
else from ``config/topics.yaml``; an unknown id is shown as itself, so a digest
never fails over a label.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

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


def _plain(item: Any) -> dict:
    if isinstance(item, dict):
        return item
    if hasattr(item, "model_dump"):
        return item.model_dump()
    return dict(vars(item))


def _entries(data: Any) -> list[dict]:
    if isinstance(data, dict) and "topics" in data:
        data = data["topics"]
    if isinstance(data, dict):
        return [{"id": k, **(v if isinstance(v, dict) else {})} for k, v in data.items()]
    return [_plain(e) for e in data or []]


def _from_loader() -> list[dict] | None:
    try:
        from processing.topics import load_taxonomy
    except ImportError:
        return None
    return [_plain(t) for t in load_taxonomy().topics]


def topic_labels(config_dir: Path = CONFIG_DIR) -> dict[str, dict[str, str]]:
    """Topic id → ``{"ar": label, "en": label}`` (empty if no taxonomy is available)."""
    try:
        entries = _from_loader()
        if entries is None:
            path = config_dir / "topics.yaml"
            entries = _entries(yaml.safe_load(path.read_text("utf-8"))) if path.exists() else []
    except Exception as exc:  # a label must never stop a digest
        log.warning("topic labels unavailable, showing ids: %s", exc)
        return {}
    labels = {}
    for entry in entries:
        tid = entry.get("id")
        if tid:
            labels[str(tid)] = {"ar": str(entry.get("label_ar") or tid),
                                "en": str(entry.get("label_en") or tid)}
    return labels
