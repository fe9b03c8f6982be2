"""The ``raqib`` command line: one front door for every job.

Commands are thin: they parse options, call the library function that does the
work (the same one the Airflow DAGs call) and print its summary with Rich.
"""

from __future__ import annotations

import typer
from rich.console import Console

from raqib.settings import load_settings

app = typer.Typer(
    help="Raqib (رقيب): monitor Arabic news outlets by theme.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
es_app = typer.Typer(help="Manage the local Elasticsearch node.", no_args_is_help=True)
app.add_typer(es_app, name="es")

console = Console()
err_console = Console(stderr=True)


# --------------------------------------------------------------------------- es
@es_app.command("up")
def es_up(
    timeout: float = typer.Option(120.0, help="Seconds to wait for the node to be healthy."),
) -> None:
    """Download (once), configure and start a local Elasticsearch node."""
    from indexing.node import NodeError, ensure_up

    settings = load_settings()
    if settings.es_url:
        console.print(f"External cluster in use (RAQIB_ES_URL={settings.es_url}); nothing started.")
        return
    try:
        info = ensure_up(settings, timeout=timeout, log=console.print)
    except NodeError as exc:
        if exc.log_tail:
            err_console.print("[dim]--- last lines of the node's log ---[/dim]")
            err_console.print(exc.log_tail, markup=False, highlight=False)
        err_console.print(f"[red]Elasticsearch did not start:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(f"Elasticsearch {info.version} is up at {info.url} (pid {info.pid}).")


@es_app.command("down")
def es_down() -> None:
    """Stop the local node gracefully (does nothing if it is not running)."""
    from indexing.node import stop

    settings = load_settings()
    if settings.es_url:
        console.print(f"External cluster in use (RAQIB_ES_URL={settings.es_url}); nothing stopped.")
        return
    stopped = stop(settings)
    console.print("Elasticsearch stopped." if stopped else "Elasticsearch was not running.")


@es_app.command("status")
def es_status() -> None:
    """Print URL, version, health and article count."""
    from indexing.node import status

    st = status(load_settings())
    where = "external" if st.external else "local"
    if not st.reachable:
        console.print(f"Elasticsearch ({where}) at {st.url or '-'}: not running.")
        if st.error:
            console.print(f"  {st.error}", markup=False)
        raise typer.Exit(1)
    console.print(f"url:      {st.url} ({where})")
    console.print(f"version:  {st.version}")
    console.print(f"health:   {st.health}")
    console.print(f"articles: {st.articles}")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
