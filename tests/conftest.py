"""Shared pytest fixtures: the real sample article, a real Elasticsearch node."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# ../shared/samples beside the checkout: real text that is not ours, never copied here.
SAMPLES_DIR = REPO_ROOT.parent / "shared" / "samples"
SAMPLE_ARTICLE = SAMPLES_DIR / "elnashra-palmyra-2015.txt"
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def sample_text() -> str:
    """Body of the real النشرة article (Palmyra, May 2015), paragraphs separated by blank lines."""
    return SAMPLE_ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Folder for test artifacts such as screenshots (kept after the run)."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR
