"""Display names for ids: topics (the taxonomy), places and outlets (the config files).

The page shows ``التحالف الدولي`` rather than ``coalition``. Names come from the
project's own loaders when they exist, else from the YAML files in ``config/``;
an id without a known name is shown as itself, so the page never fails over a label.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from raqib.settings import CONFIG_DIR

log = logging.getLogger(__name__)


def _entries(data: Any, key: str) -> list[dict]:
    """Entries of a config file given as a list, ``{key: [...]}`` or ``{key: {id: {...}}}``."""
    if isinstance(data, dict) and key in data:
        data = data[key]
    if isinstance(data, dict):
        return [{"id": k, **(v if isinstance(v, dict) else {})} for k, v in data.items()]
    return [e for e in data or [] if isinstance(e, dict)]


def _plain(item: Any) -> dict:
    """A loader's item (dict, pydantic model or dataclass) as a dict."""
    if isinstance(item, dict):
        return item
    if hasattr(item, "model_dump"):
        return item.model_dump()
    return dict(vars(item))


def _read_yaml(path: Path, key: str) -> list[dict]:
    if not path.exists():
        return []
    return _entries(yaml.safe_load(path.read_text(encoding="utf-8")), key)


def load_topics(config_dir: Path = CONFIG_DIR) -> list[dict]:
    """The taxonomy as ``[{id, label_ar, label_en, description}]``, in the taxonomy's order.

    Read with the tagger's own loader (``processing.topics.load_taxonomy``, which
    validates it); without that module, straight from ``config/topics.yaml``.
    """
    path = config_dir / "topics.yaml"
    try:
        from processing.topics import load_taxonomy
    except ImportError:
        raw = _read_yaml(path, "topics")
    else:
        raw = [_plain(t) for t in load_taxonomy(path).topics] if path.exists() else []
    return [{"id": str(t["id"]), "label_ar": t.get("label_ar") or str(t["id"]),
             "label_en": t.get("label_en") or str(t["id"]),
             "description": t.get("description") or ""} for t in raw if t.get("id")]


def _places(config_dir: Path) -> dict[str, str]:
    return {str(p["id"]): p.get("name_ar") or str(p["id"])
            for p in _read_yaml(config_dir / "places.yaml", "places") if p.get("id")}


def _outlets(config_dir: Path) -> dict[str, str]:
    from crawlers.config import load_outlets

    path = config_dir / "outlets.yaml"
    if not path.exists():
        return {}
    return {o.name: o.display_name or o.name for o in load_outlets(path)}


@dataclass
class Labels:
    """Id → Arabic display name for each facet kind; unknown ids are shown as they are."""

    topics: dict[str, str] = field(default_factory=dict)
    outlets: dict[str, str] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)

    def name(self, kind: str, value: str) -> str:
        return getattr(self, kind).get(value, value)

    def learn_outlets(self, hits: list[dict]) -> None:
        """Outlets' display names also come with every hit (``outlet_name``)."""
        for hit in hits:
            if hit.get("outlet") and hit.get("outlet_name"):
                self.outlets.setdefault(hit["outlet"], hit["outlet_name"])


def load_labels(config_dir: Path = CONFIG_DIR) -> Labels:
    """Read every source it can; a broken or missing file costs only its labels."""
    labels = Labels()
    sources = (("topics", lambda: {t["id"]: t["label_ar"] for t in load_topics(config_dir)}),
               ("outlets", lambda: _outlets(config_dir)), ("places", lambda: _places(config_dir)))
    for kind, read in sources:
        try:
            setattr(labels, kind, read())
        except Exception as exc:  # noqa: BLE001 - a label file must never take the page down
            log.warning("labels for %s not loaded: %s", kind, exc)
    return labels
