"""Small helpers shared by the tests (taggers built from the repository's own config)."""

from __future__ import annotations

from functools import cache

from core.catalogue import Catalogue
from core.settings import load_settings
from processing.enrich import Enricher
from processing.places import PlaceTagger
from processing.topics import TopicTagger


def catalogue() -> Catalogue:
    """The catalogue of config/ (not of any RAQIB_*_FILE a developer may have set)."""
    return Catalogue(load_settings({"RAQIB_HOME": "/nonexistent"}))


@cache
def topic_tagger() -> TopicTagger:
    return TopicTagger(catalogue().taxonomy())


@cache
def place_tagger() -> PlaceTagger:
    return PlaceTagger(catalogue().gazetteer())


def enricher(memory=None) -> Enricher:
    """A fresh enricher (its own near-duplicate memory unless ``memory`` is given)."""
    return Enricher(catalogue().taxonomy(), catalogue().gazetteer(), memory)
