"""Index design: monthly ``raqib-articles-YYYY.MM`` indices behind the ``raqib-articles`` alias.

Arabic analysis happens in Python (``processing.normalize``), identically at
index and query time, so the template needs no analysis plugin: ``title``,
``lead`` and ``body`` keep the original text (standard analyzer, for display and
highlighting) and the ``*_norm`` fields hold the normalised tokens, split on
whitespace only so Elasticsearch sees exactly the tokens Python produced.
"""

from __future__ import annotations

from datetime import UTC, datetime

from elasticsearch import Elasticsearch

ALIAS = "raqib-articles"
INDEX_PREFIX = "raqib-articles-"
TEMPLATE_NAME = "raqib-articles"

_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date"}
_TEXT = {"type": "text", "analyzer": "standard"}
_NORM = {"type": "text", "analyzer": "whitespace"}
_STORED_ONLY = {"type": "keyword", "index": False, "doc_values": False}

MAPPINGS: dict = {
    "dynamic": False,  # unknown fields are kept in _source but not indexed
    "properties": {
        "id": _KEYWORD,
        "url": _KEYWORD,
        "canonical_url": _KEYWORD,
        "outlet": _KEYWORD,
        "outlet_name": _KEYWORD,
        "title": _TEXT,
        "lead": _TEXT,
        "body": _TEXT,
        "title_norm": _NORM,
        "lead_norm": _NORM,
        "body_norm": _NORM,
        "author": _KEYWORD,
        "section": _KEYWORD,
        "image": _STORED_ONLY,
        "keywords": _KEYWORD,
        "published_at": _DATE,
        "modified_at": _DATE,
        "crawled_at": _DATE,
        "indexed_at": _DATE,
        "language": _KEYWORD,
        "topics": {
            "properties": {
                "id": _KEYWORD,
                "label_ar": _KEYWORD,
                "label_en": _KEYWORD,
                "score": {"type": "float"},
                "evidence": _STORED_ONLY,
            }
        },
        "places": {
            "properties": {
                "id": _KEYWORD,
                "name_ar": _KEYWORD,
                "name_en": _KEYWORD,
                "country": _KEYWORD,
                "lat": {"type": "float", "index": False},
                "lon": {"type": "float", "index": False},
                "location": {"type": "geo_point"},
            }
        },
        "fingerprint": _KEYWORD,
        "duplicate_of": _KEYWORD,
        "story_id": _KEYWORD,
    },
}

TEMPLATE: dict = {
    "index_patterns": [f"{INDEX_PREFIX}*"],
    "priority": 200,
    "template": {
        "settings": {
            "number_of_shards": 1,
            "auto_expand_replicas": "0-1",
            "refresh_interval": "1s",
        },
        "mappings": MAPPINGS,
        "aliases": {ALIAS: {}},
    },
    "_meta": {"managed_by": "raqib", "version": 1},
}


def install_template(client: Elasticsearch) -> bool:
    """Install or update the index template; True if it changed. Safe to call every run."""
    existing = client.options(ignore_status=404).indices.get_index_template(name=TEMPLATE_NAME)
    for item in existing.get("index_templates", []):
        if item["index_template"].get("_meta") == TEMPLATE["_meta"]:
            return False
    client.indices.put_index_template(name=TEMPLATE_NAME, **TEMPLATE)
    return True


def index_for(published_at: str) -> str:
    """Monthly index of an ISO 8601 date: ``2015-05-21T10:00+03:00`` → ``raqib-articles-2015.05``.

    The month is taken in UTC. Raises ValueError on an unparseable or naive date.
    """
    moment = datetime.fromisoformat(published_at)
    if moment.tzinfo is None:
        raise ValueError(f"published_at has no UTC offset: {published_at!r}")
    return f"{INDEX_PREFIX}{moment.astimezone(UTC):%Y.%m}"
