"""The ``raqib`` command line: one front door for every job.

Commands are thin: they parse options, call the library function that does the
work (the same one the Airflow DAGs call) and print its summary with Rich.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from core.settings import load_settings

app = typer.Typer(
    help="Raqib (رقيب): monitor Arabic news outlets by theme.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
es_app = typer.Typer(help="Manage the local Elasticsearch node.", no_args_is_help=True)
app.add_typer(es_app, name="es")
eval_app = typer.Typer(help="Measure tagging quality on labelled sets.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
landing_app = typer.Typer(help="The landing zone: export to and import from JSONL.",
                          no_args_is_help=True)
app.add_typer(landing_app, name="landing")

console = Console()
err_console = Console(stderr=True)


# --------------------------------------------------------------------------- es
@es_app.command("up")
def es_up(
    nodes: int = typer.Option(1, min=1, max=9, help="Nodes of the local cluster (one replica "
                                                    "of every index when 2 or more)."),
    timeout: float = typer.Option(180.0, help="Seconds to wait for the cluster to be healthy."),
) -> None:
    """Download (once), configure and start a local Elasticsearch node (or cluster)."""
    from core.urls import redact
    from indexing.node import NodeError, ensure_up

    settings = load_settings()
    if settings.es_url:
        console.print(f"External cluster in use (RAQIB_ES_URL={redact(settings.es_url)}); "
                      "nothing started.", markup=False, highlight=False)
        return
    try:
        info = ensure_up(settings, timeout=timeout, log=console.print, nodes=nodes)
    except NodeError as exc:
        if exc.log_tail:
            err_console.print("--- last lines of the node's log ---", style="dim")
            err_console.print(exc.log_tail, markup=False, highlight=False)
        _fail(f"Elasticsearch did not start: {exc}", 1)
    where = ", ".join(f"{n.name} {n.url} (pid {n.pid})" for n in info.nodes)
    console.print(f"Elasticsearch {info.version} is up: {where}.", markup=False)


@es_app.command("down")
def es_down() -> None:
    """Stop every local node gracefully (does nothing if none is running)."""
    from core.urls import redact
    from indexing.node import stop

    settings = load_settings()
    if settings.es_url:
        console.print(f"External cluster in use (RAQIB_ES_URL={redact(settings.es_url)}); "
                      "nothing stopped.", markup=False, highlight=False)
        return
    stopped = stop(settings)
    console.print("Elasticsearch stopped." if stopped else "Elasticsearch was not running.")


@es_app.command("status")
def es_status() -> None:
    """Print URL, version, health, the nodes and the article count."""
    from indexing.client import status

    st = status(load_settings())
    where = "external" if st.external else "local"
    if not st.reachable:
        console.print(f"Elasticsearch ({where}) at {st.url or '-'}: not running.",
                      markup=False, highlight=False)
        for name in st.down:
            console.print(f"  down: {name}", markup=False, highlight=False)
        if st.error:
            console.print(f"  {st.error}", markup=False, highlight=False)
        raise typer.Exit(1)
    console.print(f"url:      {st.url} ({where})", markup=False, highlight=False)
    console.print(f"version:  {st.version}")
    console.print(f"health:   {st.health}")
    console.print(f"nodes:    {len(st.nodes)}")
    for node in st.nodes:
        console.print(f"  {node.name}  {node.url}  roles {node.roles}  heap {node.heap_percent}%",
                      markup=False, highlight=False)
    for name in st.down:
        console.print(f"  down: {name}", markup=False, highlight=False)
    console.print(f"articles: {st.articles}")


# ------------------------------------------------------------------------ crawl
@app.command("crawl")
def crawl_cmd(
    outlets: str | None = typer.Option(
        None, metavar="FILE", help="Outlets YAML (default $RAQIB_OUTLETS_FILE or "
                                   "config/outlets.yaml)."
    ),
    outlet: list[str] = typer.Option([], metavar="NAME", help="Only this outlet (repeatable)."),
    landing: str | None = typer.Option(
        None, metavar="DIR", help="Write JSONL files here instead of the shared landing index."
    ),
) -> None:
    """Crawl the outlets, land new articles (shared landing index or JSONL), print a summary."""
    from crawlers.run import CrawlError, OutletsConfigError, crawl

    try:
        summary = crawl(outlets, outlet or None, landing)
    except OutletsConfigError as exc:
        _fail(f"Bad outlets config: {exc}", 2)
    except CrawlError as exc:
        _fail(f"Crawl failed: {exc}", 1)
    console.print(summary.report(), markup=False, highlight=False)


# ----------------------------------------------------------------------- enrich
@app.command("enrich")
def enrich_cmd(
    file: str | None = typer.Argument(None, metavar="FILE",
                                      help="Article JSONL (default: stdin; '-' is stdin too)."),
) -> None:
    """Enrich article JSONL (language, topics, places, dedup, stories) to stdout.

    Near-duplicates and stories are found within the input, and among the articles already
    processed when a cluster is configured (read only: nothing is recorded). A bad line is
    reported on stderr with its line number and reason, and skipped.
    Exit codes: 0 all lines enriched, 1 input or config unreadable, 3 some lines skipped.
    """
    import sys

    from core.catalogue import Catalogue, ConfigError
    from processing.enrich import Enricher, enrich_jsonl

    settings = load_settings()
    catalogue = Catalogue(settings)
    try:
        enricher = Enricher(catalogue.taxonomy(), catalogue.gazetteer(), _shared_memory(settings))
    except ConfigError as exc:
        _fail(f"Bad config: {exc}", 1)
    try:
        src = sys.stdin.buffer if file in (None, "-") else open(file, "rb")  # noqa: SIM115
    except OSError as exc:
        _fail(f"Cannot read {file}: {exc.strerror}", 1)
    try:
        stats = enrich_jsonl(src, sys.stdout, sys.stderr, enricher, settings.record_limits())
    except BrokenPipeError:
        sys.stderr.close()  # downstream closed the pipe (e.g. `| head`): not an error
        raise typer.Exit(0) from None
    finally:
        if src is not sys.stdin.buffer:
            src.close()
    print(f"enrich: {stats.written} article(s) written, {stats.skipped} bad line(s) skipped",
          file=sys.stderr)
    if stats.skipped:
        raise typer.Exit(3)


def _shared_memory(settings):
    """The shared near-duplicate memory, read only, if a cluster answers; else None."""
    from indexing.client import NoClusterError, get_client
    from state.dedup import EsMemory

    try:
        client = get_client(settings, request_timeout=5, max_retries=0)
        client.cluster.health(timeout="3s")
    except (NoClusterError, Exception):  # noqa: BLE001 - no cluster: this input only
        return None
    return EsMemory(client, read_only=True)


# ---------------------------------------------------------------------- process
def _process(landing: Path | None, rebuild: bool = False, wait: float = 600) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from core.catalogue import ConfigError
    from indexing.client import NoClusterError
    from ingest.process import process_landing
    from state.leases import LeaseBusy
    from state.store import StateError

    with Progress(TextColumn("[bold]processing"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), console=console, transient=True) as bar:
        task = bar.add_task("", total=None)

        def progress(label: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=label)

        try:
            summary = process_landing(landing_dir=landing, progress=progress, rebuild=rebuild,
                                      wait=wait)
        except (NoClusterError, StateError, LeaseBusy, ConfigError) as exc:
            _fail(str(exc), 1)
    console.print(summary.report(), markup=False, highlight=False)
    if summary.error:
        raise typer.Exit(1)


@app.command("process")
def process_cmd(
    landing: Path | None = typer.Option(None, metavar="DIR", help="Process the JSONL files of "
                                        "this folder instead of the shared landing index."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Process every batch again "
                                 "(after a taxonomy change): the index is rebuilt from landing."),
    wait: float = typer.Option(600, min=0, help="Seconds to wait while another worker "
                               "processes."),
) -> None:
    """Enrich and index every landed batch not processed yet."""
    _process(landing, rebuild, wait)


# ----------------------------------------------------------------------- landing
@landing_app.command("export")
def landing_export_cmd(
    folder: Path = typer.Argument(..., metavar="DIR", help="Where to write the JSONL files."),
) -> None:
    """Write every landed batch to DIR/<day>/<batch>.jsonl (existing files are kept)."""
    from indexing.client import NoClusterError, get_client
    from state.landing import export_batches
    from state.store import StateError

    try:
        written = export_batches(get_client(), folder)
    except (NoClusterError, StateError, OSError) as exc:
        _fail(str(exc), 1)
    console.print(f"{len(written)} batch file(s) written to {folder}", markup=False)


@landing_app.command("import")
def landing_import_cmd(
    source: Path = typer.Argument(..., metavar="DIR|FILE", help="JSONL file(s) to land."),
) -> None:
    """Land JSONL files as batches (a file's batch is its content: importing twice is a no-op)."""
    from indexing.client import NoClusterError, get_client
    from ingest.landing import import_files
    from state.store import StateError

    try:
        result = import_files(get_client(), source, load_settings().record_limits())
    except (NoClusterError, StateError, OSError) as exc:
        _fail(str(exc), 1)
    console.print(result.report(), markup=False, highlight=False)


# ----------------------------------------------------------------------- search
def _snippet_text(snippet: str) -> Text:
    """Rich text of a search snippet: <mark>ed words in bold, entities unescaped."""
    text = Text()
    for i, part in enumerate(re.split(r"</?mark>", snippet)):
        text.append(html.unescape(part), style="bold yellow" if i % 2 else "")
    return text


def _print_results(result: dict) -> None:
    """A search result as a table for people, then the facets."""
    table = Table(title=f"{result['total']} article(s)", show_lines=True)
    table.add_column("published", no_wrap=True)
    table.add_column("outlet")
    table.add_column("article")
    table.add_column("topics / places")
    for hit in result["hits"]:
        article = Text(hit["title"] or "", style="bold")
        article.append("\n")
        article.append_text(_snippet_text(hit["snippet"]))
        article.append(f"\n{hit['url']}", style="dim")
        tags = ", ".join(hit["topics"]) + ("\n" + ", ".join(hit["places"]) if hit["places"] else "")
        table.add_row((hit["published_at"] or "")[:16], hit["outlet"], article, tags)
    console.print(table)
    for name, counts in result["facets"].items():
        if counts:
            console.print(f"{name}: " + ", ".join(f"{k} ({v})" for k, v in counts.items()),
                          markup=False)


@app.command("search")
def search_cmd(
    query: str = typer.Argument("", help='Words, "phrases", -exclusions, OR.'),
    topic: list[str] = typer.Option([], "--topic", help="Topic id (repeatable)."),
    outlet: list[str] = typer.Option([], "--outlet", help="Outlet name (repeatable)."),
    place: list[str] = typer.Option([], "--place", help="Place id (repeatable)."),
    language: str | None = typer.Option(None, help="ISO 639-1 code, e.g. ar."),
    since: str | None = typer.Option(None, help="Only the last 30m, 24h, 7d, 2w …"),
    date_from: str | None = typer.Option(None, "--from", help="Published on or after (ISO)."),
    date_to: str | None = typer.Option(None, "--to", help="Published on or before (ISO)."),
    sort: str | None = typer.Option(None, help="relevance or date (default: relevance "
                                               "with a query, date without)."),
    limit: int = typer.Option(20, min=1, max=200),
    offset: int = typer.Option(0, min=0),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for programs."),
) -> None:
    """Arabic-aware search of the indexed coverage."""
    from indexing.client import get_client
    from indexing.search import QueryError, SearchRequest, parse_date, search

    if sort not in (None, "relevance", "date"):
        err_console.print("[red]--sort is relevance or date[/red]")
        raise typer.Exit(2)
    try:
        req = SearchRequest(text=query, topics=topic, outlets=outlet, places=place,
                            language=language, since=since,
                            date_from=parse_date(date_from, "--from") if date_from else None,
                            date_to=parse_date(date_to, "--to", end_of_day=True) if date_to
                            else None, sort=sort, limit=limit, offset=offset)
        result = search(get_client(), req)
    except QueryError as exc:
        err_console.print(str(exc), style="red", markup=False)
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    _print_results(result)


@app.command("stories")
def stories_cmd(
    topic: str | None = typer.Option(None, "--topic", help="Only stories with this topic id."),
    place: str | None = typer.Option(None, "--place", help="Only stories naming this place id."),
    outlet: str | None = typer.Option(None, "--outlet", help="Only stories this outlet carried."),
    since: str | None = typer.Option(None, help="Updated in the last 24h, 7d, 2w …"),
    min_articles: int = typer.Option(1, "--min-articles", min=1,
                                     help="Only stories with at least this many articles."),
    limit: int = typer.Option(20, min=1, max=200),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for programs."),
) -> None:
    """Stories, newest update first: the first report, which outlets carried it and when."""
    from indexing.client import NoClusterError, get_client
    from indexing.search import QueryError, parse_since
    from indexing.stories import find_stories
    from state.store import StateError

    try:
        start = parse_since(since) if since else None
    except QueryError as exc:
        err_console.print(str(exc), style="red", markup=False)
        raise typer.Exit(2) from None
    try:
        stories = find_stories(get_client(), topic=topic, place=place, outlet=outlet,
                               since=start, min_articles=min_articles, limit=limit)
    except (NoClusterError, StateError) as exc:
        _fail(str(exc), 1)
    if as_json:
        print(json.dumps(stories, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(stories)} stor{'y' if len(stories) == 1 else 'ies'}",
                  show_lines=True)
    for name in ("first seen", "first report", "outlets (first article)", "articles"):
        table.add_column(name, justify="right" if name == "articles" else "left")
    for story in stories:
        first = story.get("first_report") or {}
        report = Text(story.get("headline") or "", style="bold")
        report.append(f"\n{first.get('outlet') or ''}  {first.get('url') or ''}", style="dim")
        outlets = "\n".join(f"{o['outlet']} {(o.get('first_at') or '')[:16]} ({o['count']})"
                             for o in story.get("outlets") or [])
        table.add_row((story.get("first_seen") or "")[:16], report, outlets,
                      str(story.get("article_count", 0)))
    console.print(table)


_SPARKS = "▁▂▃▄▅▆▇█"


def _sparkline(counts: list[int], width: int = 30) -> str:
    """Counts as block characters (the last ``width`` buckets, oldest first)."""
    counts = counts[-width:]
    peak = max(counts, default=0) or 1
    return "".join(_SPARKS[min(7, round(7 * c / peak))] if c else " " for c in counts)


@app.command("trends")
def trends_cmd(
    topic: list[str] = typer.Option([], "--topic", help="Topic id (repeatable)."),
    place: list[str] = typer.Option([], "--place", help="Place id (repeatable)."),
    outlet: list[str] = typer.Option([], "--outlet", help="Outlet name (repeatable)."),
    since: str = typer.Option("30d", help="The window shown: 7d, 30d, 48h …"),
    interval: str = typer.Option("day", help="day or hour."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for programs."),
) -> None:
    """Articles per topic, place and outlet over time, and what is rising now.

    Each key is tested against its own baseline (the 28 days, or 7 days of hours, before
    the current interval); see processing/trends.py for the rule.
    """
    from core.catalogue import Catalogue, ConfigError
    from indexing.client import get_client
    from indexing.search import QueryError
    from indexing.trends import TrendRequest, check_keys, trends

    req = TrendRequest(topics=topic, places=place, outlets=outlet, since=since,
                       interval=interval)
    try:
        catalogue = Catalogue()
        check_keys(req, {t.id for t in catalogue.taxonomy().topics},
                   {p.id for p in catalogue.gazetteer().places})
        result = trends(get_client(), req)
    except QueryError as exc:
        _fail(str(exc), 2)
    except ConfigError as exc:
        _fail(f"Bad config: {exc}", 1)
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    rising = {(r["kind"], r["key"]): r for r in result["rising"]}
    table = Table(title=f"Articles per {result['interval']}, {result['since'][:10]} → "
                        f"{result['until'][:10]}; {len(rising)} rising")
    for name in ("kind", "key", "over time", "total", "now / baseline", "score"):
        table.add_column(name, justify="right" if name in ("total", "score") else "left")
    order = sorted(result["series"], key=lambda s: ((s["kind"], s["key"]) not in rising,
                                                    s["kind"], -sum(b["count"]
                                                                    for b in s["buckets"])))
    for s in order:
        r = rising.get((s["kind"], s["key"]))
        counts = [b["count"] for b in s["buckets"]]
        table.add_row(s["kind"], ("▲ " if r else "") + s["key"], _sparkline(counts),
                      str(sum(counts)),
                      f"{r['count']} / {r['baseline']:g}" if r else "",
                      f"{r['score']:.1f}" if r else "")
    console.print(table)


# ----------------------------------------------------------------------- digest
@app.command("digest")
def digest(
    alerts: str | None = typer.Option(None, "--alerts", metavar="FILE",
                                      help="Alerts file [config/alerts.yaml]."),
    since: str = typer.Option("24h", help="Look-back of a recipient's first digest (m/h/d/w)."),
    send: bool = typer.Option(False, "--send", help="Send by SMTP (needs RAQIB_SMTP_HOST)."),
    outbox: str | None = typer.Option(None, "--outbox", metavar="DIR",
                                      help="Write .eml files into DIR."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Build only; deliver, record nothing."),
    breaking: bool = typer.Option(False, "--breaking", help="Send the breaking and rising "
                                  "alerts now (what the breaking DAG does after an ingest)."),
) -> None:
    """Build and deliver the daily digests of the saved searches (alerts)."""
    from alerts.breaking import run_breaking
    from alerts.digest import DigestError, run_digests
    from core.catalogue import ConfigError
    from indexing.client import NoClusterError
    from indexing.search import QueryError
    from state.leases import LeaseBusy
    from state.store import StateError

    try:
        if breaking:
            summary = run_breaking(alerts_file=alerts, send=True if send else None,
                                   outbox=outbox, dry_run=dry_run)
        else:
            summary = run_digests(alerts_file=alerts, since=since, send=True if send else None,
                                  outbox=outbox, dry_run=dry_run)
    except ConfigError as exc:
        _fail(f"Bad alerts file: {exc}", 2)
    except (QueryError, DigestError) as exc:
        _fail(f"digest: {exc}", 2)
    except (LeaseBusy, NoClusterError, StateError) as exc:
        _fail(f"digest stopped: {exc}. What was delivered is recorded; run again later.", 1)
    console.print(summary.report(), markup=False, highlight=False)
    if not summary.ok:
        _fail(f"{summary.failed} digest(s) not delivered (they go out on the next run; what "
              "was delivered is recorded): " + "; ".join(summary.errors), 1)


# ------------------------------------------------------------------------ serve
@app.command("serve")
def serve_cmd(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (loopback by default)."),
    port: int = typer.Option(8000, help="TCP port."),
) -> None:
    """The analysts' web page and JSON API (FastAPI on uvicorn)."""
    import uvicorn

    from web.app import create_app

    settings = load_settings()
    guard = "RAQIB_WEB_TOKEN required" if settings.web_token else "no access token"
    if not settings.web_token and host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print(f"Warning: serving on {host} without RAQIB_WEB_TOKEN: anyone who "
                          "reaches this port can search.", markup=False, highlight=False)
    console.print(f"Raqib web: http://{host}:{port}/ ({guard})", markup=False, highlight=False)
    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=False)


# ------------------------------------------------------------------------- eval
def _read_labelled(path: str, what: str) -> list[dict]:
    from raqib.evaluation import read_jsonl

    try:
        return list(read_jsonl(path))
    except (OSError, ValueError) as exc:
        err_console.print(f"Cannot read {what} {path}: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None


def _tagger_or_exit():
    from core.catalogue import Catalogue, ConfigError
    from processing.topics import TopicTagger

    try:
        return TopicTagger(Catalogue().taxonomy())
    except ConfigError as exc:
        _fail(f"Bad config: {exc}", 1)


@eval_app.command("topics")
def eval_topics_cmd(
    gold: str = typer.Option(..., metavar="FILE", help="Hand labels: {id, topics, borderline}."),
    articles: str = typer.Option(..., metavar="FILE", help="The labelled articles (JSONL)."),
    half: str | None = typer.Option(None, help="Only half A or B of the labels (sha1(id) "
                                               "parity), to fit on one and check the other."),
    errors: bool = typer.Option(True, help="List every false positive and negative."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for programs."),
) -> None:
    """Precision and recall of the topic tags on hand-labelled real articles.

    A topic the annotator marked borderline counts neither way.
    """
    from raqib.evaluation import evaluate_topics

    if half not in (None, "A", "B"):
        err_console.print("--half is A or B", style="red")
        raise typer.Exit(2)
    report = evaluate_topics(_read_labelled(gold, "labels"), _read_labelled(articles, "articles"),
                             _tagger_or_exit(), half=half)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{report.articles} labelled article(s)"
                        + (f", half {half}" if half else ""))
    for name in ("topic", "precision", "recall", "tp", "fp", "fn"):
        table.add_column(name, justify="left" if name == "topic" else "right")
    for tid, score in [*sorted(report.topics.items()), ("micro", report.micro())]:
        table.add_row(tid, f"{score.precision:.3f}", f"{score.recall:.3f}",
                      str(score.tp), str(score.fp), str(score.fn))
    console.print(table)
    if errors:
        for err in report.errors:
            why = err.get("tag") or err.get("cues") or {}
            detail = ", ".join(f"{k}={v}" for k, v in why.items()
                               if k not in ("evidence", "label_ar", "label_en", "id"))
            console.print(f"{err['error']}: {err['topic']} in {err['id']} ({err['title']})\n"
                          f"   label note: {err['note']}\n"
                          f"   evidence: {' | '.join(why.get('evidence', [])) or '-'}"
                          f"{'  (' + detail + ')' if detail else ''}",
                          markup=False, highlight=False)


@eval_app.command("forms")
def eval_forms_cmd(
    articles: str = typer.Option(..., metavar="FILE", help="Article JSONL to scan."),
    topic: list[str] = typer.Option([], "--topic", help="Only this topic (repeatable)."),
    top: int = typer.Option(15, min=1, help="Forms shown per cue."),
) -> None:
    """Per cue, the distinct word forms that matched it: stemming collisions at a glance."""
    from raqib.evaluation import surface_forms

    forms = surface_forms(_read_labelled(articles, "articles"), _tagger_or_exit(),
                          topics=topic)
    for (tid, phrase), counts in sorted(forms.items()):
        shown = ", ".join(f"{form} ({n})" for form, n in counts.most_common(top))
        more = f" … +{len(counts) - top} more" if len(counts) > top else ""
        console.print(f"{tid} / {phrase}: {len(counts)} form(s): {shown}{more}",
                      markup=False, highlight=False)


@eval_app.command("places")
def eval_places_cmd(
    articles: str = typer.Option(..., metavar="FILE", help="Article JSONL to tag."),
    sample: int = typer.Option(100, min=1, help="How many place tags to list."),
    seed: int = typer.Option(1, help="Seed of the random sample."),
) -> None:
    """A random sample of place tags, each with the sentence that named it, to read and
    judge: article id, place id, name, sentence (tab-separated)."""
    from core.catalogue import Catalogue, ConfigError
    from processing.places import PlaceTagger
    from raqib.evaluation import place_sample

    try:
        places = PlaceTagger(Catalogue().gazetteer())
    except ConfigError as exc:
        _fail(f"Bad config: {exc}", 1)
    for item in place_sample(_read_labelled(articles, "articles"), places, limit=sample,
                             seed=seed):
        typer.echo(f"{item['id']}\t{item['place']}\t{item['name']}\t{item['sentence']}")


@eval_app.command("stories")
def eval_stories_cmd(
    pairs: str = typer.Option(..., metavar="FILE",
                              help='Labelled pairs: {"a": id, "b": id, "same": bool}.'),
    articles: str = typer.Option(..., metavar="FILE", help="The articles (JSONL)."),
    errors: bool = typer.Option(False, help="List every wrong pair."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for programs."),
) -> None:
    """Pair precision and recall of the story ids on hand-labelled article pairs.

    Articles get story ids as in ``raqib process``: in publication order, each outlet's
    boilerplate learned from the whole file first. Precision counts the labelled pairs the
    stories put together; recall, the pairs labelled "same" that they put together.
    """
    from core.catalogue import Catalogue, ConfigError
    from processing.enrich import Enricher
    from raqib.evaluation import evaluate_stories

    try:
        catalogue = Catalogue()
        enricher = Enricher(catalogue.taxonomy(), catalogue.gazetteer())
    except ConfigError as exc:
        _fail(f"Bad config: {exc}", 1)
    report = evaluate_stories(_read_labelled(pairs, "pairs"),
                              _read_labelled(articles, "articles"), enricher)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    score = report.pairs
    lines = [f"{report.articles} article(s); {score.tp + score.fn + score.fp} labelled pair(s) "
             f"put together or labelled same",
             f"pair precision {score.precision:.3f} ({score.tp}/{score.tp + score.fp}), "
             f"pair recall {score.recall:.3f} ({score.tp}/{score.tp + score.fn})"]
    if report.rewrites:
        lines.append(f"wire rewrites kept together: {report.rewrites_grouped}/{report.rewrites}"
                     f" ({report.rewrites_grouped / report.rewrites:.3f})")
    lines.append(f"pairs sharing a story id: {report.grouped_pairs}, "
                 f"{len(report.unlabelled)} of them not labelled")
    if report.missing:
        lines.append(f"{report.missing} labelled pair(s) skipped: an article is not in the file")
    for line in lines:
        console.print(line, markup=False, highlight=False)
    if errors:
        for err in report.errors:
            console.print(f"{err['error']} ({err['kind']}): {err['a']} / {err['b']}\n"
                          f"   {err['titles'][0]}\n   {err['titles'][1]}\n"
                          f"   label note: {err['note']}", markup=False, highlight=False)


# -------------------------------------------------------------------- run, demo
@app.command("run")
def run_cmd(
    outlets: str | None = typer.Option(None, metavar="FILE",
                                       help="Outlets YAML (default config/outlets.yaml)."),
    outlet: list[str] = typer.Option([], metavar="NAME", help="Only this outlet (repeatable)."),
) -> None:
    """Crawl, then process, once."""
    crawl_cmd(outlets=outlets, outlet=outlet, landing=None)
    _process(None)


@app.command("demo")
def demo_cmd() -> None:
    """The whole pipeline on the bundled replay site, then where to look."""
    from indexing.node import NodeError
    from raqib.demo import DEMO_QUERY, run_demo

    settings = load_settings()
    try:
        result = run_demo(settings, log=lambda msg: console.print(msg, markup=False))
    except NodeError as exc:
        if exc.log_tail:
            err_console.print(exc.log_tail, markup=False, highlight=False)
        _fail(f"Elasticsearch did not start: {exc}", 1)
    console.print(result.crawl.report(), markup=False, highlight=False)
    console.print(result.process.report(), markup=False, highlight=False)
    console.print(f"\nSample search: raqib search {DEMO_QUERY}")
    _print_results(result.search)
    files = [r.path for r in result.digest.results if r.path]
    console.print(f"\nDigests written to {settings.outbox_dir} ({len(files)} new e-mail(s)):",
                  markup=False)
    for path in files:
        console.print(f"  {path}", markup=False)
    console.print(
        "\nWhere to look next:\n"
        f"  Elasticsearch   {result.es_url}   (raqib es status / raqib es down)\n"
        "  search          raqib search 'التحالف الدولي' --topic coalition --json\n"
        "  web page        raqib serve  → http://127.0.0.1:8000\n"
        "  landing archive raqib landing export DIR", markup=False)


def _fail(message: str, code: int) -> NoReturn:
    """One clear line on stderr and the exit code: no traceback for a person's mistake."""
    err_console.print(message, style="red", markup=False, highlight=False)
    raise typer.Exit(code)


def main() -> None:
    """Console-script entry point: a cluster that cannot be reached or refuses is one line
    (and exit code 1) from any command, never a traceback."""
    from elasticsearch import ApiError, TransportError

    from core.urls import redact
    from indexing.client import NoClusterError
    from state.store import StateError

    try:
        app()  # usage errors and typer.Exit are handled (and exit) in there
    except TransportError as exc:
        text = str(exc)  # the innermost cause, e.g. "[Errno 111] Connection refused"
        causes = re.findall(r"\[Errno [^\]]+\][^)'\"]*|timed out|Read timed out", text)
        _fail_now(f"Elasticsearch is unreachable: {redact(causes[-1] if causes else text)[:200]}")
    except ApiError as exc:
        _fail_now(f"Elasticsearch refused the request ({exc.meta.status}): "
                  f"{redact(str(exc.message))[:300]}")
    except (NoClusterError, StateError) as exc:
        _fail_now(redact(str(exc)))


def _fail_now(message: str) -> NoReturn:
    err_console.print(message, style="red", markup=False, highlight=False)
    raise SystemExit(1)


if __name__ == "__main__":
    main()
