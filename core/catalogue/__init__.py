"""The configuration catalogue: outlets, topics, places and alerts, loaded one way.

Files come from the settings (``RAQIB_OUTLETS_FILE``, ``RAQIB_TOPICS_FILE``,
``RAQIB_PLACES_FILE``, ``RAQIB_ALERTS_FILE``, default ``config/*.yaml``); every file goes
through the one loader (:mod:`core.catalogue.loader`) and its one error format, and is
re-read when it changes on disk::

    from core.catalogue import Catalogue
    catalogue = Catalogue()            # load_settings() by default
    catalogue.outlets(), catalogue.taxonomy(), catalogue.gazetteer(), catalogue.alerts()
    catalogue.labels().topic("isis")   # display names, never an error
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.catalogue.alerts import Alert, AlertsConfigError, load_alerts
from core.catalogue.loader import ConfigError
from core.catalogue.outlets import Outlet, OutletsConfigError, load_outlets
from core.catalogue.places import Gazetteer, GazetteerError, load_gazetteer
from core.catalogue.topics import Taxonomy, TaxonomyError, load_taxonomy
from core.settings import Settings, load_settings

__all__ = ["AlertsConfigError", "Catalogue", "ConfigError", "GazetteerError", "Labels",
           "OutletsConfigError", "TaxonomyError"]

log = logging.getLogger(__name__)

_CACHE: dict[tuple[str, str], tuple[tuple[int, int], Any]] = {}


def _cached(kind: str, path: Path, load: Any) -> Any:
    """``load(path)``, re-read only when the file's size or modification time change."""
    try:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        return load(path)  # raises the loader's own "cannot read" error
    key = (kind, str(path.resolve()))
    hit = _CACHE.get(key)
    if hit and hit[0] == stamp:
        return hit[1]
    value = load(path)
    _CACHE[key] = (stamp, value)
    return value


@dataclass
class Labels:
    """Display names of ids (topics, outlets, places); an unknown id is shown as itself."""

    topics: dict[str, dict[str, str]] = field(default_factory=dict)  # id → {"ar", "en"}
    outlets: dict[str, str] = field(default_factory=dict)            # name → display name
    places: dict[str, dict[str, str]] = field(default_factory=dict)  # id → {"ar", "en"}

    def topic(self, topic_id: str, lang: str = "ar") -> str:
        return self.topics.get(topic_id, {}).get(lang, topic_id)

    def place(self, place_id: str, lang: str = "ar") -> str:
        return self.places.get(place_id, {}).get(lang, place_id)

    def outlet(self, name: str) -> str:
        return self.outlets.get(name, name)

    def name(self, kind: str, value: str, lang: str = "ar") -> str:
        """By facet kind: ``topics``, ``outlets`` or ``places``."""
        if kind == "outlets":
            return self.outlet(value)
        return (self.topic if kind == "topics" else self.place)(value, lang)

    def learn_outlets(self, hits: list[dict]) -> None:
        """Outlets' display names also come with every article (``outlet_name``)."""
        for hit in hits:
            if hit.get("outlet") and hit.get("outlet_name"):
                self.outlets.setdefault(hit["outlet"], hit["outlet_name"])


class Catalogue:
    """The validated configuration of one deployment (paths from the settings)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()

    def outlets(self, names: list[str] | None = None, path: str | Path | None = None
                ) -> list[Outlet]:
        """The outlets to crawl (``names``: a subset; ``path``: another outlets file)."""
        outlets = _cached("outlets", Path(path or self.settings.outlets_file), load_outlets)
        if not names:
            return list(outlets)
        return load_outlets(Path(path or self.settings.outlets_file), names)

    def taxonomy(self) -> Taxonomy:
        return _cached("topics", self.settings.topics_file, load_taxonomy)

    def gazetteer(self) -> Gazetteer:
        return _cached("places", self.settings.places_file, load_gazetteer)

    def alerts(self, path: str | Path | None = None) -> list[Alert]:
        return _cached("alerts", Path(path or self.settings.alerts_file), load_alerts)

    def labels(self) -> Labels:
        """Display names from every file that can be read; a broken file costs its labels."""
        labels = Labels()
        sources = (
            ("topics", lambda: {t.id: {"ar": t.label_ar, "en": t.label_en}
                                for t in self.taxonomy().topics}),
            ("outlets", lambda: {o.name: o.display_name for o in self.outlets()}),
            ("places", lambda: {p.id: {"ar": p.name_ar, "en": p.name_en}
                                for p in self.gazetteer().places}),
        )
        for kind, read in sources:
            try:
                setattr(labels, kind, read())
            except ConfigError as exc:  # a label must never take a page or a digest down
                log.warning("labels for %s not loaded: %s", kind, exc)
        return labels
