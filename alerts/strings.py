"""Words of the digest: its UI strings in Arabic and English.

Display names of topics come from the catalogue (:class:`core.catalogue.Labels`).
"""

from __future__ import annotations

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
        "also_more": "و{n} تغطيات أخرى",
        "more": "مواد أخرى لم تُعرض هنا: {n}",
        "open_search": "افتح البحث الكامل",
        "nothing": "لا جديد منذ الموجز السابق.",
        "footer": "وصلتك هذه الرسالة لأنك مشترك في تنبيه «{name}».",
        "subject": "[رقيب] {name} — مواد جديدة: {n}",
        "subject_none": "[رقيب] {name} — لا جديد",
        "subject_breaking": "[رقيب] عاجل — {name}: {title}",
        "subject_rising": "[رقيب] صاعد الآن — {name}: {keys}",
        "breaking": "قصة تتوسع",
        "rising": "صاعد الآن",
        "rising_item": "{n} مقالاً مقابل {base} في المعتاد",
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
        "also_more": "and {n} more",
        "more": "{n} more not shown here",
        "open_search": "Open the full search",
        "nothing": "Nothing new since the last digest.",
        "footer": "You receive this because you subscribe to the alert “{name}”.",
        "subject": "[Raqib] {name} — new articles: {n}",
        "subject_none": "[Raqib] {name} — nothing new",
        "subject_breaking": "[Raqib] Breaking — {name}: {title}",
        "subject_rising": "[Raqib] Rising now — {name}: {keys}",
        "breaking": "A story spreading",
        "rising": "Rising now",
        "rising_item": "{n} articles against {base} usually",
        "list_sep": ", ",
    },
}
