"""Run a crawl: the library function behind ``raqib crawl``, ``raqib demo`` and the DAGs.

::

    from crawlers.run import crawl
    summary = crawl()                                   # config/outlets.yaml, $RAQIB_HOME
    summary = crawl("config/outlets.yaml", ["elnashra"], landing_dir="/tmp/landing")
    for name, o in summary.outlets.items():
        print(name, o.pages_fetched, o.articles_written, o.skipped, o.errors, o.landing_files)

Twisted's reactor cannot be restarted, so each call runs Scrapy's
``CrawlerProcess`` in a child process (``python -m crawlers.run JOB SUMMARY``)
and reads its summary back as JSON: :func:`crawl` can be called any number of
times in one Python process (Airflow workers, pytest). The outlets file is
validated in the calling process, so a bad config raises
:class:`~core.catalogue.outlets.OutletsConfigError` before anything starts.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.catalogue import Catalogue
from core.catalogue.outlets import Outlet, OutletsConfigError
from core.settings import PROJECT_ROOT, Settings, load_settings

__all__ = ["CrawlError", "CrawlSummary", "OutletSummary", "OutletsConfigError", "crawl"]


class CrawlError(RuntimeError):
    """The crawl process itself failed (not: some pages failed, which is normal)."""


@dataclass
class OutletSummary:
    """What one outlet's crawl did."""

    outlet: str
    pages_fetched: int = 0
    articles_written: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_urls: dict[str, list[str]] = field(default_factory=dict)
    errors: int = 0
    landing_files: list[str] = field(default_factory=list)
    landing_batches: list[str] = field(default_factory=list)
    landing_error: str | None = None
    already_seen: int = 0
    not_modified: int = 0
    extract_count: int = 0
    extract_ms_median: float | None = None
    extract_ms_p95: float | None = None
    finish_reason: str | None = None
    elapsed_seconds: float | None = None

    @property
    def failed(self) -> bool:
        """The outlet could not be crawled: errors, and nothing shows the site working (no
        article written, none already seen, no 304, no page skipped for its content).

        Some pages failing among many is the web as usual: counted, not a failure.
        """
        from crawlers.report import is_error

        if self.landing_error:
            return True
        content_skips = sum(n for reason, n in self.skipped.items() if not is_error(reason))
        working = self.articles_written + self.already_seen + self.not_modified + content_skips
        return self.errors > 0 and working == 0

    def report(self) -> str:
        """One line for people: the CLI prints it, the DAG logs it."""
        skipped = ", ".join(f"{k} {v}" for k, v in self.skipped.items()) or "none"
        landed = ", ".join(self.landing_batches + self.landing_files) or "nothing"
        line = (f"{self.outlet}: {self.pages_fetched} page(s) fetched, {self.articles_written} "
                f"article(s) written, {self.already_seen} already seen, {self.not_modified} "
                f"feed(s) unchanged, {self.errors} error(s); skipped: {skipped}; landed: {landed}")
        if self.landing_error:
            line += f"; NOT LANDED: {self.landing_error}"
        return line


@dataclass
class CrawlSummary:
    """The result of :func:`crawl`; ``outlets`` is keyed by outlet name."""

    run_id: str
    started_at: str
    finished_at: str
    landing_dir: str
    log_file: str | None
    outlets: dict[str, OutletSummary] = field(default_factory=dict)

    @property
    def articles_written(self) -> int:
        return sum(o.articles_written for o in self.outlets.values())

    @property
    def pages_fetched(self) -> int:
        return sum(o.pages_fetched for o in self.outlets.values())

    @property
    def errors(self) -> int:
        return sum(o.errors for o in self.outlets.values())

    @property
    def landing_files(self) -> list[str]:
        return [f for o in self.outlets.values() for f in o.landing_files]

    def report(self) -> str:
        """The summary for people: the CLI prints it, the DAG logs it."""
        lines = [o.report() for o in self.outlets.values()]
        lines.append(f"log: {self.log_file}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CrawlSummary:
        outlets = {k: OutletSummary(**v) for k, v in data["outlets"].items()}
        return cls(**{**data, "outlets": outlets})


def new_run_id(now: datetime | None = None) -> str:
    """``20150521T103000Z-1a2b``: sortable, unique enough, starts with the UTC day."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def crawl(
    outlets_file: str | Path | None = None,
    outlet_names: Sequence[str] | None = None,
    landing_dir: str | Path | None = None,
    settings: Settings | None = None,
    *,
    outlets: Sequence[Outlet] | None = None,
    scrapy_settings: Mapping[str, Any] | None = None,
    timeout: float | None = None,
) -> CrawlSummary:
    """Crawl outlets once and archive new articles in the landing zone.

    Args:
        outlets_file: outlets YAML (default ``settings.outlets_file``: ``$RAQIB_OUTLETS_FILE``
            or ``config/outlets.yaml``).
        outlet_names: only these outlets (machine names); unknown names are an error.
        landing_dir: write JSONL files under this folder instead of the shared landing index.
        settings: Raqib settings (default :func:`core.settings.load_settings`); seen URLs
            and the landing zone live in the cluster, the log in ``settings.home/logs``.
        outlets: already-validated outlets, instead of reading ``outlets_file``.
        scrapy_settings: Scrapy setting overrides, e.g. ``{"AUTOTHROTTLE_ENABLED": False,
            "DOWNLOAD_DELAY": 0}`` for the loopback replay site.
        timeout: seconds before the crawl process is killed (``CrawlError``).

    Returns the per-outlet :class:`CrawlSummary`. Raises ``OutletsConfigError`` on
    a bad outlets file and ``CrawlError`` if the cluster is unreachable or the crawl
    process fails; pages that fail are counted in the summary, they do not raise.
    """
    settings = settings or load_settings()
    if outlets is None:
        outlets = Catalogue(settings).outlets(list(outlet_names) if outlet_names else None,
                                              path=outlets_file)
    elif outlet_names:
        unknown = set(outlet_names) - {o.name for o in outlets}
        if unknown:
            raise OutletsConfigError(f"unknown outlet(s): {', '.join(sorted(unknown))}")
        outlets = [o for o in outlets if o.name in set(outlet_names)]
    _check_store(settings)
    run_id = new_run_id()
    log_dir = settings.home / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    job = {
        "run_id": run_id,
        "outlets": [o.model_dump(mode="json") for o in outlets],
        "landing_dir": str(Path(landing_dir).resolve()) if landing_dir else "",
        "log_file": str(log_dir / f"crawl-{run_id}.log"),
        "scrapy_settings": dict(scrapy_settings or {}),
        "extract_workers": settings.extraction_workers(),
    }
    env = dict(os.environ, RAQIB_HOME=str(settings.home))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="raqib-crawl-") as tmp:
        job_file, summary_file = Path(tmp, "job.json"), Path(tmp, "summary.json")
        job_file.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "crawlers.run", str(job_file), str(summary_file)],
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise CrawlError(
                f"crawl did not finish within {timeout} s; log: {job['log_file']}"
            ) from None
        if proc.returncode != 0 or not summary_file.exists():
            tail = "\n".join((proc.stderr or "").strip().splitlines()[-15:])
            raise CrawlError(
                f"crawl process failed ({proc.returncode}); log: {job['log_file']}\n{tail}"
            )
        return CrawlSummary.from_dict(json.loads(summary_file.read_text(encoding="utf-8")))


def _check_store(settings: Settings) -> None:
    """Fail before fetching anything when the shared store cannot be used."""
    from indexing.client import NoClusterError, get_client
    from state.store import StateError
    from state.upgrade import import_legacy

    try:
        client = get_client(settings, request_timeout=10, max_retries=1)
        health = client.cluster.health(timeout="5s")["status"]
        if health == "red":
            raise CrawlError("the cluster is red (a primary shard is missing): nothing was "
                             "crawled; run again when `raqib es status` shows yellow or green")
        import_legacy(settings, client)
    except (NoClusterError, StateError) as exc:
        raise CrawlError(f"{exc}; nothing was crawled") from None
    except Exception as exc:  # noqa: BLE001 - transport errors of any kind
        raise CrawlError(f"Elasticsearch is unreachable ({type(exc).__name__}: {exc}); "
                         "nothing was crawled") from None


# --------------------------------------------------------------- child process
def _ms_quantiles(seconds: list[float]) -> tuple[float | None, float | None]:
    if not seconds:
        return None, None
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return round(statistics.median(ms), 3), round(p95, 3)


def _outlet_summary(name: str, crawler: Any) -> OutletSummary:
    stats = crawler.stats.get_stats()
    prefix, url_prefix = "raqib/skipped/", "raqib/skipped_urls/"
    median, p95 = _ms_quantiles(getattr(crawler.spider, "extract_seconds", []))
    landing = stats.get("raqib/landing_file")
    batch = stats.get("raqib/landing_batch")
    return OutletSummary(
        outlet=name,
        pages_fetched=stats.get("raqib/pages_fetched", 0),
        articles_written=stats.get("raqib/articles_written", 0),
        skipped={k[len(prefix) :]: v for k, v in sorted(stats.items()) if k.startswith(prefix)},
        skipped_urls={
            k[len(url_prefix) :]: v for k, v in stats.items() if k.startswith(url_prefix)
        },
        errors=stats.get("raqib/errors", 0) + stats.get("spider_exceptions/count", 0),
        landing_files=[landing] if landing else [],
        landing_batches=[batch] if batch else [],
        landing_error=stats.get("raqib/landing_error"),
        already_seen=stats.get("raqib/already_seen", 0),
        not_modified=stats.get("raqib/not_modified", 0),
        extract_count=len(getattr(crawler.spider, "extract_seconds", [])),
        extract_ms_median=median,
        extract_ms_p95=p95,
        finish_reason=stats.get("finish_reason"),
        elapsed_seconds=stats.get("elapsed_time_seconds"),
    )


def run_job(job: Mapping[str, Any]) -> CrawlSummary:
    """Run one crawl in *this* process (starts the reactor: once per process)."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings as ScrapySettings

    from crawlers.extractor import Extractor
    from crawlers.spiders.outlet import OutletSpider

    scrapy_settings = ScrapySettings()
    scrapy_settings.setmodule("crawlers.settings", priority="project")
    scrapy_settings.update(
        {
            "RAQIB_LANDING_DIR": job["landing_dir"],
            "RAQIB_RUN_ID": job["run_id"],
            "LOG_FILE": job["log_file"],
        },
        priority="cmdline",
    )
    scrapy_settings.update(job.get("scrapy_settings") or {}, priority="cmdline")
    started = datetime.now(UTC)
    process = CrawlerProcess(scrapy_settings)
    extractor = Extractor(job.get("extract_workers", 0))  # shared by the outlets' spiders
    crawlers = []
    for data in job["outlets"]:
        outlet = Outlet.model_validate(data)
        crawler = process.create_crawler(OutletSpider)
        process.crawl(crawler, outlet=outlet, extractor=extractor)
        crawlers.append((outlet.name, crawler))
    process.start()
    return CrawlSummary(
        run_id=job["run_id"],
        started_at=started.isoformat(timespec="seconds"),
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        landing_dir=job["landing_dir"],
        log_file=job["log_file"],
        outlets={name: _outlet_summary(name, crawler) for name, crawler in crawlers},
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m crawlers.run JOB.json SUMMARY.json`` (used by :func:`crawl`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m crawlers.run JOB.json SUMMARY.json", file=sys.stderr)
        return 2
    job = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    summary = run_job(job)
    Path(args[1]).write_text(json.dumps(summary.to_dict(), ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
