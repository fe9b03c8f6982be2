"""Shared pytest fixtures: the real sample article, a real Elasticsearch node."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _shared_dir() -> Path:
    """``shared/``: real material that is not ours (a sample article, real news and pages).

    It is read from there, never copied into the repository. Looked up in
    ``RAQIB_SHARED_DIR``, beside this checkout (as in CI), or beside the local repository
    this checkout was cloned from (``git clone . /tmp/x``).
    """
    if os.environ.get("RAQIB_SHARED_DIR"):
        return Path(os.environ["RAQIB_SHARED_DIR"])
    candidates = [REPO_ROOT.parent / "shared"]
    origin = subprocess.run(["git", "-C", str(REPO_ROOT), "config", "remote.origin.url"],
                            capture_output=True, text=True).stdout.strip()
    if origin and Path(origin).is_dir():
        candidates.append(Path(origin).resolve().parent / "shared")
    return next((c for c in candidates if c.is_dir()), candidates[0])


SHARED_DIR = _shared_dir()


def shared_path(*parts: str) -> Path:
    """A file or folder of ``shared/``; its absence skips the test, except under CI=true."""
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        message = (f"real material not found: {path} (put shared/ beside the checkout or "
                   "set RAQIB_SHARED_DIR)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def sample_text() -> str:
    """Body of the real النشرة article (Palmyra, May 2015), paragraphs separated by blank lines."""
    return shared_path("samples", "elnashra-palmyra-2015.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Folder for test artifacts such as screenshots (kept after the run)."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


# ----------------------------------------------------------------- Elasticsearch
@pytest.fixture(scope="session")
def es_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real Elasticsearch node, started once for the whole test run.

    The node runs from a temp folder on a free port and is stopped afterwards.
    ``RAQIB_TEST_ES_URL`` reuses a node that is already running (handy while
    developing). ``RAQIB_ES_URL`` is set for the session so library code finds it.
    """
    from core.settings import load_settings
    from indexing.node import ensure_up, stop

    reuse = os.environ.get("RAQIB_TEST_ES_URL")
    previous = os.environ.get("RAQIB_ES_URL")
    if reuse:
        url, settings = reuse, None
    else:
        # Not under tmp_path_factory: its folders are private to root and the node
        # runs as 'nobody' when we are root.
        home = Path(tempfile.mkdtemp(prefix="raqib-test-es-"))
        home.chmod(0o755)
        settings = load_settings({"RAQIB_HOME": str(home), "RAQIB_ES_HEAP": "512m"})
        url = ensure_up(settings, timeout=180, log=lambda _msg: None).url
    os.environ["RAQIB_ES_URL"] = url
    try:
        yield url
    finally:
        if previous is None:
            os.environ.pop("RAQIB_ES_URL", None)
        else:
            os.environ["RAQIB_ES_URL"] = previous
        if settings is not None:
            stop(settings)
            shutil.rmtree(settings.home, ignore_errors=True)


@pytest.fixture(scope="session")
def es_client(es_url: str):
    """An ``elasticsearch.Elasticsearch`` client for the test node."""
    from elasticsearch import Elasticsearch

    client = Elasticsearch(es_url, request_timeout=60)
    yield client
    client.close()


@pytest.fixture
def fresh_index(es_client):
    """Delete every ``raqib-articles-*`` index so the test starts from nothing."""
    es_client.options(ignore_status=404).indices.delete(index="raqib-articles-*")
    es_client.options(ignore_status=404).indices.delete_index_template(name="raqib-articles")
    return es_client


def wipe_state(client) -> None:
    """Delete every index of shared state (seen URLs, landing, ledgers, leases, …) and the
    story records."""
    from indexing.stories import STORIES
    from state import deadletter, dedup, landing, leases, ledger, seen, sent

    for index in (seen.SEEN, seen.FEEDS, landing.LANDING, landing.BATCHES, ledger.PROCESSED,
                  leases.LEASES, dedup.DEDUP, deadletter.DEAD_LETTER, sent.SENT, sent.DIGESTS,
                  STORIES):
        client.options(ignore_status=404).indices.delete(index=index.name)
        index._ready.clear()  # noqa: SLF001 - tests reset the per-process cache


@pytest.fixture
def fresh_state(es_client):
    """An empty shared store and no articles: the cluster as a first run finds it."""
    wipe_state(es_client)
    es_client.options(ignore_status=404).indices.delete(index="raqib-articles-*")
    return es_client


def make_record(url: str, title: str, body: str, **fields) -> dict:
    """An article record as the crawler writes it (docs/architecture.md)."""
    record = {
        "id": hashlib.sha1(url.encode()).hexdigest(),
        "url": url,
        "canonical_url": url,
        "outlet": "elnashra",
        "outlet_name": "النشرة",
        "title": title,
        "lead": None,
        "body": body,
        "author": None,
        "section": None,
        "image": None,
        "keywords": [],
        "published_at": "2015-05-21T09:30:00+03:00",
        "modified_at": None,
        "crawled_at": "2026-11-24T05:00:00+00:00",
    }
    record.update(fields)
    return record


@pytest.fixture(scope="session")
def sample_record(sample_text: str) -> dict:
    """The real sample article as a crawled record (title and metadata written by us)."""
    return make_record(
        "https://www.elnashra.com/news/show/880001",
        "تدمر بعد الرمادي: من يرسم خرائط المنطقة؟",
        sample_text,
        author="محرر النشرة",
        section="مقالات",
    )


# ------------------------------------------------------------------ real Chromium
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh tab; ``page.problems`` collects CSP violations, page errors and dialogs
    (an injected alert())."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar")
    tab = context.new_page()
    tab.problems = []
    tab.on("console", lambda m: m.type == "error" and tab.problems.append(m.text))
    tab.on("pageerror", lambda e: tab.problems.append(str(e)))
    tab.on("dialog", lambda d: (tab.problems.append(f"dialog: {d.message}"), d.dismiss()))
    yield tab
    context.close()
