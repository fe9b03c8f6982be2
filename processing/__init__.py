"""Enrichment of article records: pure functions and small classes.

* :mod:`processing.normalize` — the one Arabic normaliser (search fields, tagging, dedup)
* :mod:`processing.language` — language code and confidence
* :mod:`processing.topics` / :mod:`processing.places` — explainable tagging from config/
* :mod:`processing.dedup` — fingerprint, near-duplicates, stories
* :mod:`processing.enrich` — the single entry point (``enrich_records``, ``Enricher``)
"""
