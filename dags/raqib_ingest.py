"""Ingest: crawl every outlet (one mapped task each), then enrich and index what landed.

Reads like the process it schedules::

    list_outlets ─► crawl_outlet[elnashra, …] ─► process ─► publish (Asset raqib_articles)
                                              └► check_outlets (fails the run if an outlet failed)

The tasks call the same library functions as ``raqib crawl`` / ``raqib process``;
heavy imports happen inside the tasks, never when the file is parsed.

Settings (:mod:`core.settings`, read when the file is parsed, so cheap):
``RAQIB_INGEST_SCHEDULE`` (cron or preset, default every 30 minutes; ``none`` for manual
runs only), ``RAQIB_TASK_RETRIES`` / ``RAQIB_TASK_RETRY_DELAY`` (seconds, doubled at each
retry), ``RAQIB_TASK_QUEUE``, ``RAQIB_CRAWL_PARALLELISM``. Read by the tasks:
``RAQIB_OUTLETS_FILE`` and the usual ``RAQIB_*`` settings. All state is in Elasticsearch,
so every task may run on a different worker. Run conf / params: ``outlets`` (a subset of outlet
names) and ``scrapy_settings`` (Scrapy overrides for this run).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from airflow.sdk import DAG, Param, TriggerRule, get_current_context, task
from raqib_dag_support import ARTICLES, SETTINGS, START_DATE, default_args

log = logging.getLogger("raqib.dags")

with DAG(
    dag_id="raqib_ingest",
    description="Crawl the outlets, enrich and index the new articles",
    schedule=SETTINGS.schedule(),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    params={
        "outlets": Param([], type="array", items={"type": "string"},
                         description="Only these outlets (default: every outlet)"),
        "scrapy_settings": Param({}, type="object", description="Scrapy overrides for this run"),
    },
    tags=["raqib"],
    doc_md=__doc__,
) as dag:

    @task
    def list_outlets(params: dict | None = None) -> list[str]:
        """Names of the outlets to crawl, read from the outlets file now (not at parse time)."""
        from core.catalogue import Catalogue

        names = [o.name for o in Catalogue().outlets((params or {}).get("outlets") or None)]
        log.info("outlets to crawl: %s", ", ".join(names))
        return names

    @task(map_index_template="{{ outlet_name }}", execution_timeout=timedelta(minutes=25),
          max_active_tis_per_dagrun=SETTINGS.parallel_crawls())
    def crawl_outlet(outlet: str, params: dict | None = None) -> dict:
        """Crawl one outlet into the landing zone; fail when nothing could be fetched."""
        from crawlers.run import crawl

        get_current_context()["outlet_name"] = outlet  # type: ignore[typeddict-unknown-key]
        summary = crawl(None, [outlet],
                        scrapy_settings=(params or {}).get("scrapy_settings") or None,
                        timeout=20 * 60)
        result = summary.outlets[outlet]
        log.info("%s", summary.report())
        if result.failed:
            raise RuntimeError(f"{outlet}: nothing fetched, {result.errors} error(s): "
                               f"{result.skipped}; see {summary.log_file}")
        return {"outlet": outlet, "pages_fetched": result.pages_fetched,
                "articles_written": result.articles_written, "errors": result.errors,
                "skipped": result.skipped}

    @task(trigger_rule=TriggerRule.ALL_DONE, execution_timeout=timedelta(hours=1))
    def process() -> dict:
        """Enrich and index every landing file not indexed yet (what every outlet landed)."""
        from ingest.process import process_landing

        summary = process_landing()
        log.info("%s", summary.report())
        if summary.error:
            raise RuntimeError(f"indexing stopped: {summary.error}")
        return {"batches": len(summary.batches), "indexed": summary.indexed,
                **summary.totals()}

    @task(outlets=[ARTICLES], retries=0)
    def publish(processed: dict) -> None:
        """Record an asset event for the newly indexed articles (skipped when none)."""
        from airflow.sdk.exceptions import AirflowSkipException

        if not processed["created"]:
            raise AirflowSkipException("no new article indexed")
        get_current_context()["outlet_events"][ARTICLES].extra = {
            "created": processed["created"], "updated": processed["updated"]}
        log.info("%d new article(s) published as %s", processed["created"], ARTICLES.uri)

    @task(trigger_rule=TriggerRule.ONE_FAILED, retries=0)
    def check_outlets(names: list[str]) -> None:
        """Runs only when a crawl failed, and fails so that the DAG run reports it."""
        from airflow.sdk.exceptions import AirflowFailException

        ctx = get_current_context()
        states = ctx["ti"].get_task_states(dag_id=ctx["dag"].dag_id, task_ids=["crawl_outlet"],
                                           run_ids=[ctx["run_id"]]).get(ctx["run_id"], {})
        failed = [name for i, name in enumerate(names)
                  if states.get(f"crawl_outlet_{i}") in ("failed", "upstream_failed")]
        raise AirflowFailException(f"crawl failed for: {', '.join(failed) or 'some outlets'}")

    names = list_outlets()
    crawled = crawl_outlet.expand(outlet=names)
    processed = process()
    crawled >> processed
    publish(processed)
    crawled >> check_outlets(names)
