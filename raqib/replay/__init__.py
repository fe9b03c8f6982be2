"""The replay site: a local HTTP server with outlet-shaped pages, for tests and ``raqib demo``.

It serves two fictional outlets written for Raqib (articles about ISIS, the
coalition, Kobani, Raqqa, Mosul, federalism projects, with two stories
re-published by both outlets), in two layouts, with an RSS feed, a news sitemap,
section pages, non-article pages and every bad input the crawler must survive
(see :mod:`raqib.replay.site`).

Start it in a background thread, crawl it, stop it::

    from raqib.replay import serve
    from crawlers.run import crawl

    with serve() as site:                      # http://127.0.0.1:<free port>
        summary = crawl(outlets=site.outlets(), scrapy_settings=site.fast_settings())
        # or: crawl(site.write_outlets(tmp / "outlets.yaml"), ...)
        expected = site.expected_articles()    # what the landing files must contain

``serve(sample_file=SAMPLE)`` also serves the real النشرة sample article (read
from that file at run time, never stored here) as manbar article 207. From a
shell: ``python -m raqib.replay --port 8765`` matches ``config/replay-outlets.yaml``.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import yaml

from core.catalogue.outlets import Outlet, parse_outlets
from core.settings import CONFIG_DIR
from raqib.replay.server import ReplayHTTPServer
from raqib.replay.site import BAD_PAGES, BROKEN_FEED, Site

REPLAY_OUTLETS_FILE = CONFIG_DIR / "replay-outlets.yaml"
REPLAY_BASE = "http://127.0.0.1:8765"  # the base URL written in REPLAY_OUTLETS_FILE

__all__ = ["BAD_PAGES", "REPLAY_OUTLETS_FILE", "ReplaySite", "serve"]


class ReplaySite:
    """A running replay server (returned by :func:`serve`)."""

    def __init__(self, server: ReplayHTTPServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        host, port = server.server_address[:2]
        self.url = f"http://{host}:{port}"

    @property
    def site(self) -> Site:
        return self._server.site

    @property
    def hits(self) -> dict[str, int]:
        """Requests served so far, per path (with query)."""
        with self._server.lock:
            return dict(self._server.hits)

    @property
    def user_agents(self) -> set[str]:
        return set(self._server.user_agents)

    def outlets_yaml(self) -> str:
        """``config/replay-outlets.yaml`` with this server's base URL."""
        text = REPLAY_OUTLETS_FILE.read_text(encoding="utf-8")
        return re.sub(re.escape(REPLAY_BASE), self.url, text)

    def outlets(self) -> list[Outlet]:
        """The replay outlets (``sada``, ``manbar``), validated, pointing at this server."""
        return parse_outlets(yaml.safe_load(self.outlets_yaml()), str(REPLAY_OUTLETS_FILE))

    def write_outlets(self, path: str | Path) -> Path:
        """Write an outlets YAML for this server (for ``raqib crawl --outlets``)."""
        path = Path(path)
        path.write_text(self.outlets_yaml(), encoding="utf-8")
        return path

    def expected_articles(self) -> list[dict[str, Any]]:
        """Records a crawl must produce, without ``id``/``crawled_at``; ``story`` groups
        the near-duplicate re-publications (it is not a record field)."""
        return self.site.expected()

    def expected_skips(self) -> dict[str, str]:
        """URL → skip reason for every bad input (plus the broken feed)."""
        skips = {f"{self.url}/sada/news/{i}": reason for i, reason in BAD_PAGES.items()}
        skips[self.url + BROKEN_FEED] = "bad_feed"
        return skips

    @staticmethod
    def fast_settings() -> dict[str, Any]:
        """Scrapy overrides suited to loopback: no throttling, short timeouts."""
        return {
            "AUTOTHROTTLE_ENABLED": False,
            "DOWNLOAD_DELAY": 0,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
            "DOWNLOAD_TIMEOUT": 10,
        }

    def stop(self) -> None:
        """Shut the server down and wait for its thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> ReplaySite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    sample_file: str | Path | None = None,
    generated: int = 0,
) -> ReplaySite:
    """Start the replay site in a background thread and return its handle.

    ``port=0`` picks a free port (see ``.url``). ``sample_file`` adds the real
    sample article (plain text, paragraphs separated by blank lines);
    ``generated=N`` adds N synthetic articles under ``/gen/`` (benchmarks).
    Call ``.stop()`` (or use it as a context manager) when done.
    """
    server = ReplayHTTPServer((host, port))
    bound_host, bound_port = server.server_address[:2]
    sample = Path(sample_file).read_text(encoding="utf-8") if sample_file else None
    server.site = Site(f"http://{bound_host}:{bound_port}", sample_text=sample, generated=generated)
    thread = threading.Thread(target=server.serve_forever, name="replay-site", daemon=True)
    thread.start()
    return ReplaySite(server, thread)
