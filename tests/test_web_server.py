"""The web app served by a real uvicorn on loopback: health, headers, the access token, logs.

Also home of the helpers the other ``test_web_*`` modules share: the fixture articles
(written for these tests) and :class:`LiveServer`.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
import uvicorn.logging

from core.settings import load_settings
from indexing.bulk import index_records
from tests.conftest import make_record
from web.app import create_app
from web.security import COOKIE

TOKEN = "t0ken-for-tests-7Qx"
PLACES_AR = {"raqqa": "الرقة", "mosul": "الموصل", "palmyra": "تدمر", "ramadi": "الرمادي"}
OUTLETS = {"elnashra": "النشرة", "aljazeera": "الجزيرة نت", "alarabiya": "العربية"}
SENTENCES = [
    "قالت مصادر ميدانية إن طائرات التحالف الدولي شنت غارات على مواقع لداعش قرب {place}.",
    "أفاد سكان في {place} بأن الاشتباكات تجددت عند المدخل الجنوبي، وأن التحالف قصف "
    "آليات للتنظيم.",
    "ناقش مسؤولون محليون في {place} أوضاع النازحين، ودعوا التحالف إلى تنسيق أفضل مع "
    "الفرق الإنسانية.",
]


def _topic(tid: str) -> dict:
    return {"id": tid, "label_ar": tid, "label_en": tid, "score": 1.0, "evidence": [tid]}


def _place(pid: str) -> dict:
    return {"id": pid, "name_ar": PLACES_AR[pid], "name_en": pid, "country": "SY",
            "lat": 35.0, "lon": 38.0}


def fixture_articles() -> list[dict]:
    """25 articles: 23 mention التحالف (two pages of 20), one hostile, one in English."""
    places, outlets = list(PLACES_AR), list(OUTLETS)
    articles = []
    for i in range(23):
        place, outlet = places[i % 4], outlets[i % 3]
        topics = ["coalition"] + (["isis"] if i % 2 == 0 else []) + (["kurds"] if i == 5 else [])
        articles.append(make_record(
            f"https://news.example/{outlet}/{i}",
            f"تقرير رقم {i + 1} عن المعارك في {PLACES_AR[place]}",
            SENTENCES[i % 3].format(place=PLACES_AR[place]) + "\n\nوتابع المراسل تطورات الميدان.",
            outlet=outlet, outlet_name=OUTLETS[outlet], language="ar",
            topics=[_topic(t) for t in topics], places=[_place(place)],
            published_at=f"2015-05-{1 + i:02d}T09:30:00+03:00"))
    articles.append(make_record(
        "https://news.example/hostile",
        '<script>alert("title")</script> خبر <b>مريب</b> عن داعش',
        'نص فيه <img src=x onerror=alert(1)> و<script>alert("body")</script> عن داعش في تدمر.',
        outlet="elnashra", outlet_name="النشرة", language="ar",
        topics=[_topic("isis")], places=[_place("palmyra")],
        published_at="2015-06-10T12:00:00+03:00"))
    articles.append(make_record(
        "https://news.example/english", "Coalition strikes near Raqqa",
        "The international coalition struck positions near Raqqa, officials said.",
        outlet="aljazeera", outlet_name="الجزيرة نت", language="en",
        topics=[_topic("coalition")], places=[_place("raqqa")],
        published_at="2015-04-02T10:00:00+00:00"))
    return articles


ARTICLES = fixture_articles()
HOSTILE = ARTICLES[23]


def load_fixture_index(es_client) -> None:
    """Replace every ``raqib-articles-*`` index with the fixture articles."""
    es_client.options(ignore_status=404).indices.delete(index="raqib-articles-*")
    summary = index_records(ARTICLES, es_client, refresh=True)
    assert summary.indexed == len(ARTICLES)


class LiveServer:
    """``create_app`` served by uvicorn in a background thread on a free loopback port."""

    def __init__(self, app) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="info", access_log=True, lifespan="on")
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run,
                                        kwargs={"sockets": [self._sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self._thread.join(15)
        self._sock.close()


def serve(es_client, token: str | None = None) -> LiveServer:
    settings = load_settings({"RAQIB_HOME": "/nonexistent", **({"RAQIB_WEB_TOKEN": token}
                                                               if token else {})})
    return LiveServer(create_app(settings, client=es_client))


@pytest.fixture(scope="module")
def open_server(es_client) -> Iterator[LiveServer]:
    load_fixture_index(es_client)
    with serve(es_client) as server:
        yield server


@pytest.fixture(scope="module")
def locked_server(es_client) -> Iterator[LiveServer]:
    load_fixture_index(es_client)
    with serve(es_client, token=TOKEN) as server:
        yield server


class Collect(logging.Handler):
    """Every record of the loggers it is attached to, formatted as the real handler would."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self._access = uvicorn.logging.AccessFormatter('%(client_addr)s - "%(request_line)s" '
                                                       "%(status_code)s", use_colors=False)

    def emit(self, record: logging.LogRecord) -> None:
        fmt = self._access if record.name == "uvicorn.access" else logging.Formatter()
        self.lines.append(fmt.format(record))


# ----------------------------------------------------------------------- tests
def test_healthz_reports_the_cluster(open_server):
    resp = httpx.get(f"{open_server.url}/healthz")
    assert resp.status_code == 200
    assert resp.json()["status"] == "ok"
    assert resp.json()["elasticsearch"] in ("green", "yellow")


@pytest.mark.parametrize("path", ["/", "/api/search?q=داعش", "/api/articles/nope",
                                  "/api/search?since=soon", "/api/topics"])
def test_security_headers_everywhere(open_server, path):
    resp = httpx.get(open_server.url + path)
    csp = resp.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert "script-src" not in csp  # default-src 'none' forbids every script
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "no-referrer"


def test_no_interactive_docs_that_would_need_scripts(open_server):
    assert httpx.get(f"{open_server.url}/docs").status_code == 404


def test_open_server_needs_no_token(open_server):
    assert httpx.get(f"{open_server.url}/api/search").status_code == 200
    assert httpx.get(f"{open_server.url}/").status_code == 200


@pytest.mark.parametrize("path", ["/", "/?q=داعش", "/api/search?q=داعش", "/api/topics",
                                  f"/api/articles/{ARTICLES[0]['id']}", "/api/articles/x"])
def test_token_required_everywhere(locked_server, path):
    url = locked_server.url + path
    missing = httpx.get(url)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert "content-security-policy" in missing.headers
    wrong = httpx.get(url, headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    assert httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}x"}).status_code == 401
    right = httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code in (200, 404)  # /api/articles/x does not exist
    if path.startswith("/api/"):
        assert missing.json()["detail"].startswith("a valid access token is required")
    else:
        assert "الدخول مطلوب" in missing.text and TOKEN not in missing.text


def test_token_in_url_once_sets_an_httponly_cookie(locked_server):
    with httpx.Client(base_url=locked_server.url) as browser:
        first = browser.get("/", params={"q": "داعش", "token": TOKEN})
        assert first.status_code == 303
        assert first.headers["location"] == "/?q=%D8%AF%D8%A7%D8%B9%D8%B4"  # token gone
        cookie = first.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie
        assert "samesite=strict" in cookie.lower()
        assert TOKEN not in cookie and httpx.URL(first.headers["location"]).params.get(
            "token") is None
        page = browser.get(first.headers["location"])  # the cookie does the rest
        assert page.status_code == 200 and 'dir="rtl"' in page.text
        assert browser.get("/api/search", params={"q": "داعش"}).status_code == 200
    # the API takes ?token= as well (no redirect), wrong ones are refused
    api = httpx.get(f"{locked_server.url}/api/search", params={"token": TOKEN})
    assert api.status_code == 200 and api.json()["total"] == len(ARTICLES)
    assert httpx.get(locked_server.url + "/", params={"token": "guess"}).status_code == 401
    assert httpx.get(locked_server.url + "/", cookies={COOKIE: TOKEN}).status_code == 401


def test_odd_credentials_are_refused_not_crashed_on(locked_server):
    for headers in ({"Authorization": "Bearer é".encode("latin-1")},
                    {"Authorization": b"Bearer \xff\xfe"}, {"Authorization": "Basic Zm9vOmJhcg=="},
                    {"Authorization": "Bearer"}, {"Cookie": f"{COOKIE}=\u00e9".encode()}):
        assert httpx.get(f"{locked_server.url}/api/topics", headers=headers).status_code == 401
    for guess in ("تخمين", "", " " + TOKEN):
        resp = httpx.get(f"{locked_server.url}/api/topics", params={"token": guess})
        assert resp.status_code == 401


def test_health_and_stylesheet_stay_open(locked_server):
    assert httpx.get(f"{locked_server.url}/healthz").status_code == 200
    assert httpx.get(f"{locked_server.url}/static/style.css").status_code == 200


def test_token_never_reaches_the_logs(locked_server):
    collect = Collect()
    loggers = [logging.getLogger(n) for n in ("uvicorn.access", "uvicorn.error", "web", "")]
    for logger in loggers:
        logger.addHandler(collect)
    try:
        httpx.get(f"{locked_server.url}/", params={"token": TOKEN, "q": "x"})
        httpx.get(f"{locked_server.url}/api/search", params={"token": TOKEN})
        httpx.get(f"{locked_server.url}/api/search", params={"token": TOKEN + "wrong"})
        httpx.get(f"{locked_server.url}/api/topics",
                  headers={"Authorization": f"Bearer {TOKEN}"})
        deadline = time.monotonic() + 5
        while sum("GET " in line for line in collect.lines) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        for logger in loggers:
            logger.removeHandler(collect)
    access = [line for line in collect.lines if "GET " in line]
    assert len(access) >= 4, collect.lines
    assert any("token=[redacted]" in line for line in access)
    joined = "\n".join(collect.lines)
    assert TOKEN not in joined and "t0ken-for-tests" not in joined


def test_unreachable_cluster_answers_503_not_500():
    from elasticsearch import Elasticsearch

    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    client = Elasticsearch(f"http://127.0.0.1:{dead.getsockname()[1]}", max_retries=0)
    try:
        with LiveServer(create_app(load_settings({}), client=client)) as server:
            api = httpx.get(f"{server.url}/api/search", params={"q": "داعش"})
            assert api.status_code == 503 and "cannot be reached" in api.json()["detail"]
            assert httpx.get(f"{server.url}/api/articles/x").status_code == 503
            page = httpx.get(f"{server.url}/", params={"q": "داعش"})
            assert page.status_code == 503 and "البحث غير متاح" in page.text
            assert httpx.get(f"{server.url}/healthz").json()["elasticsearch"] == "unreachable"
    finally:
        client.close()
        dead.close()


def test_raqib_serve_command(es_url, tmp_path):
    """``raqib serve --port P`` as a person runs it: token required, token not printed."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    env = {**os.environ, "RAQIB_ES_URL": es_url, "RAQIB_WEB_TOKEN": TOKEN,
           "RAQIB_HOME": str(tmp_path)}
    out = tmp_path / "serve.log"
    with out.open("wb") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "raqib.cli", "serve", "--port", str(port)],
                                env=env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{url}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline, out.read_text()
                time.sleep(0.1)
            assert httpx.get(f"{url}/").status_code == 401
            assert httpx.get(f"{url}/", params={"token": TOKEN}).status_code == 303
            resp = httpx.get(f"{url}/api/topics", headers={"Authorization": f"Bearer {TOKEN}"})
            assert resp.status_code == 200
        finally:
            proc.terminate()
            proc.wait(15)
    printed = out.read_text()
    assert f"http://127.0.0.1:{port}/" in printed and "RAQIB_WEB_TOKEN required" in printed
    assert "token=[redacted]" in printed and TOKEN not in printed
