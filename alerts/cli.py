"""``raqib digest``: run the digests and print what happened (the command is in raqib.cli)."""

from __future__ import annotations

from pathlib import Path

from elasticsearch import ApiError, TransportError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from alerts.config import AlertsConfigError
from alerts.digest import DigestError, DigestSummary, run_digests
from alerts.state import DigestBusyError
from indexing.client import NoClusterError
from indexing.search import QueryError

_STYLE = {"sent": "green", "written": "green", "skipped": "dim", "failed": "red",
          "dry-run": "cyan"}


def summary_table(summary: DigestSummary) -> Table:
    """One row per alert and recipient."""
    table = Table(title=f"digest ({summary.mode})")
    for column in ("alert", "recipient", "articles", "stories", "status"):
        table.add_column(column, overflow="fold")
    for r in summary.results:
        table.add_row(escape(r.alert), r.recipient, str(r.articles), str(r.stories),
                      f"[{_STYLE.get(r.status, 'default')}]{r.status}[/]")
    return table


def digest_command(alerts: str | Path | None, since: str, send: bool, outbox: str | Path | None,
                   dry_run: bool, console: Console, err_console: Console) -> int:
    """Run :func:`alerts.digest.run_digests` for the CLI; returns the exit code."""
    try:
        summary = run_digests(alerts_file=alerts, since=since, send=True if send else None,
                              outbox=outbox, dry_run=dry_run)
    except AlertsConfigError as exc:
        err_console.print(f"[red]bad alerts file:[/red] {escape(str(exc))}", highlight=False)
        return 2
    except (QueryError, DigestError, DigestBusyError, NoClusterError) as exc:
        err_console.print(f"[red]digest:[/red] {escape(str(exc))}", highlight=False)
        return 2
    except (TransportError, ApiError) as exc:
        err_console.print("[red]digest: Elasticsearch is unreachable or failed:[/red] "
                          f"{escape(str(exc))}. Nothing was sent; run again when it is back.",
                          highlight=False)
        return 1
    console.print(summary_table(summary))
    line = (f"{summary.sent} sent, {summary.written} written, {summary.skipped} with nothing new, "
            f"{summary.failed} failed in {summary.seconds:.1f}s")
    console.print(line + (f"; outbox: {summary.outbox}" if summary.written else ""), markup=False)
    if not summary.ok:
        err_console.print(f"[red]{summary.failed} digest(s) not delivered[/red] (they go out on "
                          "the next run; what was delivered is recorded): "
                          + escape("; ".join(summary.errors)), highlight=False)
        return 1
    return 0
