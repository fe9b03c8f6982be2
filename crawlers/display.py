"""Rich rendering of a :class:`~crawlers.run.CrawlSummary` (used by ``raqib crawl``)."""

from __future__ import annotations

from rich.table import Table

from crawlers.run import CrawlSummary


def summary_table(summary: CrawlSummary) -> Table:
    """One row per outlet: pages fetched, articles written, skipped by reason, errors."""
    table = Table(title=f"crawl {summary.run_id}", title_justify="left")
    table.add_column("outlet")
    table.add_column("pages", justify="right")
    table.add_column("written", justify="right")
    table.add_column("skipped (reason: count)")
    table.add_column("errors", justify="right")
    for name, o in summary.outlets.items():
        skipped = ", ".join(f"{reason}: {n}" for reason, n in o.skipped.items()) or "-"
        table.add_row(name, str(o.pages_fetched), str(o.articles_written), skipped, str(o.errors))
    table.add_row(
        "total",
        str(summary.pages_fetched),
        str(summary.articles_written),
        "",
        str(summary.errors),
        style="bold",
    )
    return table
