"""An attacker's (and a careless operator's) list, one test per probe, on real components.

Each test names the probe it replays. The next probe starts from this list. Kept
elsewhere, and still holding: escaping on the page and in mails (test_web_browser,
test_alerts_digest), the access token (test_web_server), kill -9 recovery and the digest
lock (test_state_faults, test_alerts_digest), two workers at once (test_workers).
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from elasticsearch import Elasticsearch

from alerts.digest import run_digests
from core.record import RecordLimits
from core.settings import load_settings
from indexing.bulk import index_records
from ingest.process import process_landing
from processing.enrich import Enricher, enrich_jsonl
from tests.conftest import make_record, wipe_state
from tests.helpers import catalogue
from tests.test_alerts_digest import COALITION, MATCHING, RAQQA_1, alerts_of, smtp_server
from tests.test_web_server import LiveServer, load_fixture_index, serve
from web.app import create_app
from web.security import RedactToken

REPO = Path(__file__).resolve().parents[1]


def raqib(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None,
          timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "raqib.cli", *args], input=stdin,
                          env={**os.environ, "COLUMNS": "200", **(env or {})},
                          capture_output=True, timeout=timeout, cwd=REPO)


def one_line_error(run: subprocess.CompletedProcess) -> str:
    err = run.stderr.decode("utf-8", "replace").strip()
    assert "Traceback" not in err and len(err.splitlines()) <= 3, err[-3000:]
    return err


# ------------------------------------------------------------ 1. bounded records
def hostile_lines() -> list[bytes]:
    good = make_record("https://x.example/1", "عنوان", "نص عن التحالف الدولي.")
    return [
        b"[" * 100_000 + b"\n",                                          # nesting bomb
        json.dumps({**good, "body": "ا" * 3_000_000}).encode() + b"\n",  # oversized record
        json.dumps({f"f{i}": i for i in range(5000)}).encode() + b"\n",  # too many fields
        json.dumps(good, ensure_ascii=False).encode() + b"\n",           # the one good line
    ]


def test_1_a_bad_record_is_skipped_with_its_line_and_the_rest_goes_on() -> None:
    out, err = io.StringIO(), io.StringIO()
    enricher = Enricher(catalogue().taxonomy(), catalogue().gazetteer())
    started = time.monotonic()
    stats = enrich_jsonl(io.BytesIO(b"".join(hostile_lines())), out, err, enricher,
                         RecordLimits(max_bytes=1_000_000))
    assert time.monotonic() - started < 10
    assert stats.written == 1 and stats.skipped == 3
    reasons = err.getvalue().splitlines()
    assert [r.split(":")[0] for r in reasons] == ["line 1", "line 2", "line 3"]
    assert "nested" in reasons[0] and "bytes" in reasons[1] and "fields" in reasons[2]


def test_1_process_skips_bad_records_and_indexes_the_rest(tmp_path, fresh_state) -> None:
    folder = tmp_path / "landing"
    folder.mkdir()
    (folder / "hostile.jsonl").write_bytes(b"".join(hostile_lines()))
    settings = load_settings({**os.environ, "RAQIB_HOME": str(tmp_path),
                              "RAQIB_MAX_RECORD_BYTES": "1000000"})
    summary = process_landing(settings, landing_dir=folder)
    assert summary.error is None
    [batch] = summary.batches
    assert batch.records == 1 and batch.bad_lines == 3 and batch.created == 1


# ------------------------------------------------------------ 2. one alert alone
def test_2_an_oversized_alert_fails_alone_and_the_others_are_sent(
        es_client: Elasticsearch, tmp_path: Path) -> None:
    wipe_state(es_client)
    es_client.options(ignore_status=404).indices.delete(index="raqib-articles-*")
    index_records(MATCHING, es_client, refresh=True)
    huge = {"name": "huge", "query": " OR ".join(f"كلمة{i}" for i in range(3000)),
            "recipients": ["a@example.org"]}
    with smtp_server() as (collector, port):
        settings = load_settings({**os.environ, "RAQIB_HOME": str(tmp_path),
                                  "RAQIB_SMTP_HOST": "127.0.0.1", "RAQIB_SMTP_PORT": str(port)})
        summary = run_digests(settings, alerts=alerts_of(COALITION, huge,
                                                         {**COALITION, "name": "after"}),
                              client=es_client, since="2h")
    by_alert = {r.alert: r for r in summary.results}
    assert by_alert["coalition-watch"].status == "sent" and by_alert["after"].status == "sent"
    assert by_alert["huge"].status == "failed"
    assert "huge → a@example.org: failed" in summary.report()
    assert by_alert["huge"].error.startswith("alert 'huge': the query is too")
    assert len(collector.messages) == 2


# ------------------------------------------------------------ 3. a hung cluster
@pytest.fixture
def hung_cluster() -> Iterator[str]:
    """A TCP server on loopback that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_3_web_answers_503_quickly_when_the_cluster_hangs(hung_cluster: str) -> None:
    settings = load_settings({"RAQIB_HOME": "/nonexistent", "RAQIB_ES_URL": hung_cluster})
    with LiveServer(create_app(settings)) as server:
        for path in ("/api/search?q=داعش", "/", "/api/stories", "/stories"):
            started = time.monotonic()
            response = httpx.get(server.url + path, timeout=60)
            assert response.status_code == 503, (path, response.text[:300])
            assert time.monotonic() - started < 15, path


# ------------------------------------------------------------ 4. content, not path
def test_4_same_path_new_content_is_processed(tmp_path: Path, fresh_state) -> None:
    folder = tmp_path / "landing"
    folder.mkdir()
    path = folder / "run.jsonl"
    first = make_record("https://x.example/a", "عنوان أول", "نص أول عن التحالف.")
    path.write_text(json.dumps(first, ensure_ascii=False) + "\n", encoding="utf-8")
    settings = load_settings({**os.environ, "RAQIB_HOME": str(tmp_path)})
    assert process_landing(settings, landing_dir=folder).batches[0].created == 1
    second = make_record("https://x.example/b", "عنوان ثان", "نص ثان عن التحالف.")
    path.write_text(json.dumps(second, ensure_ascii=False) + "\n", encoding="utf-8")
    again = process_landing(settings, landing_dir=folder)
    assert len(again.batches) == 1 and again.batches[0].created == 1


# ------------------------------------------------------------ 5, 6. parameters
@pytest.fixture(scope="module")
def server(es_client) -> Iterator[LiveServer]:
    load_fixture_index(es_client)
    with serve(es_client) as live:
        yield live


SEARCH_PARAMS = [{"since": "1000000d"}, {"since": "99999999999w"}, {"from": "99999-01-01"},
                 {"from": "0001-01-01"}, {"limit": "10" * 20}, {"offset": "-1"},
                 {"offset": "9" * 30}, {"to": "0000-00-00"}]
STORY_PARAMS = [{"since": "1000000d"}, {"limit": "10" * 20}, {"min_articles": "-3"}]


@pytest.mark.parametrize("path, params", [(p, q) for p in ("/api/search", "/")
                                          for q in SEARCH_PARAMS]
                         + [(p, q) for p in ("/api/stories", "/stories") for q in STORY_PARAMS])
def test_5_out_of_range_parameters_are_400(server, path, params) -> None:
    response = httpx.get(server.url + path, params=params)
    assert response.status_code == 400, (path, params, response.text[:300])


def test_6_costly_queries_are_refused_before_the_cluster(server) -> None:
    query = " OR ".join(f"ك{i}" for i in range(200))
    started = time.monotonic()
    response = httpx.get(server.url + "/api/search", params={"q": query})
    assert response.status_code == 400 and "too many words" in response.json()["detail"]
    assert time.monotonic() - started < 2
    wild = httpx.get(server.url + "/api/search", params={"q": '"' + "كلمة " * 500 + '"'})
    assert wild.status_code == 400
    assert httpx.get(server.url + "/api/search", params={"q": "x" * 5000}).status_code == 400


# ------------------------------------------------------------ 8. secrets, redirects
def test_8_passwords_in_urls_are_never_printed(tmp_path: Path) -> None:
    url = "http://elastic:s3cret-pass@127.0.0.1:9/"
    run = raqib("es", "status", env={"RAQIB_HOME": str(tmp_path), "RAQIB_ES_URL": url})
    shown = run.stdout.decode() + run.stderr.decode()
    assert "s3cret-pass" not in shown and "127.0.0.1:9" in shown
    run = raqib("search", "داعش", env={"RAQIB_HOME": str(tmp_path), "RAQIB_ES_URL": url})
    assert "s3cret-pass" not in run.stdout.decode() + run.stderr.decode()


@pytest.mark.parametrize("spelling", ["token", "%74oken", "TOKEN", "to%6Ben", "%54%4f%4b%45%4e"])
def test_8_the_token_is_redacted_from_logs_in_any_spelling(spelling: str) -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/1.1" %d',
                               ("127.0.0.1:5", "GET", f"/?q=x&{spelling}=SECRET-123", 200), None)
    RedactToken().filter(record)
    assert "SECRET-123" not in record.getMessage()


def test_8_redirects_stay_on_the_site(server) -> None:
    for path in ("//evil.com/", "//evil.com/%2F..", "/\\evil.com", "/%2F%2Fevil.com"):
        response = httpx.get(server.url + path, follow_redirects=False)
        location = response.headers.get("location", "")
        assert not location.startswith(("//", "http")) and "evil.com" not in location.split(
            "?")[0].lstrip("/").split("/")[0], (path, response.status_code, location)


def test_8_only_http_links_are_rendered(es_client, server) -> None:
    bad = [make_record(u, f"رابط {n} عن داعش", "نص عن داعش.", published_at="2015-06-20T10:00:00Z")
           for n, u in enumerate(["javascript:alert(1)", "data:text/html,<b>x</b>",
                                  "JaVaScRiPt:alert(2)", " javascript:alert(3)"])]
    index_records(bad, es_client, refresh=True)
    try:
        page = httpx.get(server.url + "/", params={"q": "رابط"}).text
        assert "javascript:" not in page.lower() and "data:text" not in page
        assert page.count("رابط") >= 4  # still listed, as text
    finally:
        load_fixture_index(es_client)


# ------------------------------------------------------------ 9. one clear line
def test_9_errors_a_person_causes_print_one_line(tmp_path: Path) -> None:
    bad_alerts = tmp_path / "alerts.yaml"
    bad_alerts.write_bytes(b"alerts:\n  - name: \xff\xfe\n")
    run = raqib("digest", "--alerts", str(bad_alerts), "--dry-run",
                env={"RAQIB_HOME": str(tmp_path)})
    assert run.returncode == 2 and "UTF-8" in one_line_error(run)

    down = {"RAQIB_HOME": str(tmp_path), "RAQIB_ES_URL": "http://127.0.0.1:9"}
    run = raqib("search", "داعش", env=down)
    assert run.returncode == 1 and "unreachable" in one_line_error(run).lower()
    run = raqib("stories", env=down)
    assert run.returncode == 1 and "unreachable" in one_line_error(run).lower()


def test_9_a_bad_smtp_host_is_one_line(es_client, tmp_path: Path) -> None:
    wipe_state(es_client)
    es_client.options(ignore_status=404).indices.delete(index="raqib-articles-*")
    index_records([RAQQA_1], es_client, refresh=True)
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text("alerts:\n  - name: w\n    query: التحالف\n    recipients: [a@example.org]\n",
                      encoding="utf-8")
    run = raqib("digest", "--alerts", str(alerts), "--send", "--since", "2h",
                env={"RAQIB_HOME": str(tmp_path), "RAQIB_SMTP_HOST": "bad host name!",
                     "RAQIB_ES_URL": os.environ["RAQIB_ES_URL"]})
    assert run.returncode == 1
    assert "bad host name!" in one_line_error(run) or "SMTP" in one_line_error(run)


# ------------------------------------------------------------ 10. digest size
def test_10_coverage_is_capped_and_nothing_is_mailed_twice(es_client, tmp_path: Path) -> None:
    wipe_state(es_client)
    es_client.options(ignore_status=404).indices.delete(index="raqib-articles-*")
    flood = [make_record(f"https://flood.example/{i}", f"التحالف الدولي يقصف موقعاً رقم {i}",
                         "نص عن التحالف الدولي.", story_id="one-story", language="ar",
                         topics=[], places=[], published_at=f"2015-05-21T{i % 24:02d}:00:00Z")
             for i in range(60)]
    index_records(flood, es_client, refresh=True)
    with smtp_server() as (collector, port):
        settings = load_settings({**os.environ, "RAQIB_HOME": str(tmp_path),
                                  "RAQIB_SMTP_HOST": "127.0.0.1", "RAQIB_SMTP_PORT": str(port)})
        alerts = alerts_of({"name": "flood", "query": "التحالف الدولي",
                            "recipients": ["a@example.org"]})
        run_digests(settings, alerts=alerts, client=es_client, since="2h")
        [msg] = collector.parsed()
        html = msg.get_body(("html",)).get_content()
        assert html.count("https://flood.example/") <= 12  # the lead and 8 others, linked
        assert "و51 تغطيات أخرى" in html and "and 51 more" not in html
        assert len(msg.as_bytes()) < 100_000
        again = run_digests(settings, alerts=alerts, client=es_client, since="2h")
        assert len(collector.messages) == 1 and again.results[0].status == "skipped"
