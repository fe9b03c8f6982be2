"""Display names for ids: topics (the taxonomy), places and outlets (the config files).

The page shows ``التحالف الدولي`` rather than ``coalition``. Names come from the
validated config files through the project's own loaders; an id without a known
name is shown as itself, so the page never fails over a label.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from raqib.settings import CONFIG_DIR

log = logging.getLogger(__name__)


def load_topics(config_dir: Path = CONFIG_DIR) -> list[dict]:
    """The taxonomy as ``[{id, label_ar, label_en, description}]``, in the taxonomy's order."""
    from processing.topics import load_taxonomy

    return [{"id": t.id, "label_ar": t.label_ar, "label_en": t.label_en,
             "description": t.description}
            for t in load_taxonomy(config_dir / "topics.yaml").topics]


def _places(config_dir: Path) -> dict[str, str]:
    from processing.places import load_gazetteer

    return {p.id: p.name_ar for p in load_gazetteer(config_dir / "places.yaml").places}


def _outlets(config_dir: Path) -> dict[str, str]:
    from crawlers.config import load_outlets

    return {o.name: o.display_name or o.name for o in load_outlets(config_dir / "outlets.yaml")}


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
