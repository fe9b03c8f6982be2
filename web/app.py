"""The analysts' web page and JSON API (FastAPI), over ``indexing.search``.

``create_app(settings=None, client=None)`` builds the app; ``raqib serve`` runs it
with uvicorn. Routes: ``/`` (the search page), ``/stories``, ``/trends`` (pages),
``/api/search``, ``/api/stories``, ``/api/trends``, ``/api/articles/{id}``, ``/api/topics``,
``/healthz``.
Bad parameters answer 400 with the reason; an unreachable cluster answers 503.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from elasticsearch import ApiError, Elasticsearch, TransportError
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from core.catalogue import Catalogue, Labels, TaxonomyError
from core.settings import Settings, load_settings
from core.urls import link_url
from indexing.client import INTERACTIVE, NoClusterError, get_client
from indexing.search import QueryError, get_article, search
from indexing.stories import find_stories
from indexing.trends import check_keys, trends
from state.store import StateError
from web import view
from web.params import (
    MAX_WINDOW,
    ParamError,
    StoryQuery,
    to_request,
    to_story_query,
    to_trend_request,
)
from web.security import SecurityHeaders, TokenAuth, redact_access_log

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
PAGE_SIZE = 20


class Unavailable(RuntimeError):
    """Elasticsearch cannot be reached or configured."""


def templates() -> Environment:
    """Jinja2 with autoescape on: only the (already escaped) snippet is marked safe."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["arabic_date"] = view.format_date
    env.filters["link"] = link_url  # None for anything but an absolute http(s) address
    return env


class Backend:
    """The Elasticsearch client (created on first use) and the labels (read once)."""

    def __init__(self, settings: Settings, client: Elasticsearch | None) -> None:
        self.settings = settings
        self._client = client
        self.owns_client = client is None
        self._labels: Labels | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Elasticsearch:
        with self._lock:
            if self._client is None:
                try:
                    self._client = get_client(self.settings, **INTERACTIVE)
                except NoClusterError as exc:
                    raise Unavailable(str(exc)) from None
            return self._client

    @property
    def labels(self) -> Labels:
        if self._labels is None:
            self._labels = Catalogue(self.settings).labels()
        return self._labels

    def close(self) -> None:
        if self.owns_client and self._client is not None:
            self._client.close()


def _multi(request: Request) -> dict[str, list[str]]:
    qp = request.query_params
    return {key: qp.getlist(key) for key in qp}


def create_app(settings: Settings | None = None, client: Elasticsearch | None = None) -> FastAPI:
    """The web app; ``client`` defaults to one built from ``settings`` on first use."""
    settings = settings or load_settings()
    backend = Backend(settings, client)
    env = templates()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        redact_access_log()  # after uvicorn configured its loggers
        yield
        backend.close()

    # no trailing-slash redirects: "GET //evil.com/" must not answer "Location: //evil.com"
    app = FastAPI(title="Raqib", docs_url=None, redoc_url=None, lifespan=lifespan,
                  redirect_slashes=False)
    app.state.backend = backend
    redact_access_log()
    if settings.web_token:
        app.add_middleware(TokenAuth, token=settings.web_token)
    app.add_middleware(SecurityHeaders)  # outermost: also on 401s
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(ParamError)
    @app.exception_handler(QueryError)
    async def bad_parameter(_request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(Unavailable)
    @app.exception_handler(TransportError)
    @app.exception_handler(StateError)
    async def unavailable(_request: Request, exc: Exception) -> JSONResponse:
        log.warning("search unavailable: %s", exc)
        return JSONResponse({"detail": "search is unavailable: Elasticsearch cannot be reached"},
                            status_code=503)

    @app.exception_handler(ApiError)
    async def refused(_request: Request, exc: ApiError) -> JSONResponse:
        log.warning("Elasticsearch refused a request: %s", exc)
        return JSONResponse({"detail": "Elasticsearch refused the request"}, status_code=502)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        """Liveness, and whether Elasticsearch answers (no data, no token needed)."""
        try:  # not ping(): the minimal distribution answers GET / with 405
            health = backend.client.options(request_timeout=2).cluster.health()["status"]
        except (Unavailable, TransportError, ApiError):
            health = "unreachable"
        return JSONResponse({"status": "ok", "elasticsearch": health})

    @app.get("/api/search")
    def api_search(request: Request) -> dict:
        """Same parameters and JSON as ``raqib search --json``."""
        return search(backend.client, to_request(_multi(request)))

    @app.get("/api/articles/{article_id}")
    def api_article(article_id: str) -> JSONResponse:
        """The stored article record, or 404."""
        article = get_article(backend.client, article_id)
        if article is None:
            return JSONResponse({"detail": f"no article with id {article_id!r}"}, status_code=404)
        return JSONResponse(article)

    @app.get("/api/topics")
    def api_topics() -> JSONResponse:
        """The taxonomy: ``{"topics": [{id, label_ar, label_en, description}]}``."""
        try:
            topics = Catalogue(settings).taxonomy().topics
            return JSONResponse({"topics": [
                {"id": t.id, "label_ar": t.label_ar, "label_en": t.label_en,
                 "description": t.description} for t in topics]})
        except TaxonomyError as exc:
            log.error("taxonomy unreadable: %s", exc)
            return JSONResponse({"detail": f"the taxonomy cannot be read: {exc}"},
                                status_code=500)

    @app.get("/api/stories")
    def api_stories(request: Request) -> dict:
        """Same parameters and records as ``raqib stories --json``: ``{"stories": [...]}``."""
        return {"stories": _stories(backend.client, to_story_query(_multi(request)))}

    @app.get("/stories", response_class=HTMLResponse)
    def stories_page(request: Request) -> HTMLResponse:
        """Stories, newest update first: first report, outlets and when, a timeline."""
        params = [(k, v) for k, v in request.query_params.multi_items()
                  if v.strip() and k != "token"]
        context: dict = {"error": None, "stories": [], "params": params,
                         "topic_name": lambda tid: backend.labels.name("topics", tid),
                         "place_name": lambda pid: backend.labels.name("places", pid),
                         "outlet_name": lambda name: backend.labels.name("outlets", name),
                         "timeline": view.timeline,
                         "chart": {"width": view.TIMELINE_W, "height": view.TIMELINE_H},
                         "api_url": "/api/stories" + view.page_url(params)[1:]}
        status = 200
        try:
            query = to_story_query(_multi(request))
            context["stories"] = _stories(backend.client, query)
        except ParamError as exc:
            context["error"], status = str(exc), 400
        except (Unavailable, TransportError, ApiError, StateError) as exc:
            log.warning("stories unavailable: %s", exc)
            context["error"], status = "القصص غير متاحة الآن: تعذّر الاتصال بـ Elasticsearch", 503
        return HTMLResponse(env.get_template("stories.html").render(**context),
                            status_code=status)

    def _trends(request: Request) -> dict:
        req = to_trend_request(_multi(request))
        catalogue = Catalogue(settings)
        check_keys(req, {t.id for t in catalogue.taxonomy().topics},
                   {p.id for p in catalogue.gazetteer().places})
        return trends(backend.client, req)

    @app.get("/api/trends")
    def api_trends(request: Request) -> dict:
        """Same parameters and JSON as ``raqib trends --json``."""
        return _trends(request)

    @app.get("/trends", response_class=HTMLResponse)
    def trends_page(request: Request) -> HTMLResponse:
        """Small multiples per topic, place and outlet; what is rising on top."""
        params = [(k, v) for k, v in request.query_params.multi_items()
                  if v.strip() and k != "token"]
        since = request.query_params.get("since") or "30d"
        context: dict = {"error": None, "charts": [], "result": None, "since": since,
                         "chart": {"width": view.SPARK_W, "height": view.SPARK_H},
                         "kind_names": {"topic": "المواضيع", "place": "الأماكن",
                                        "outlet": "المصادر"},
                         "api_url": "/api/trends" + view.page_url(params)[1:]}
        status = 200
        try:
            result = _trends(request)
        except (ParamError, QueryError) as exc:
            context["error"], status = str(exc), 400
        except (Unavailable, TransportError, ApiError, StateError) as exc:
            log.warning("trends unavailable: %s", exc)
            context["error"] = "الاتجاهات غير متاحة الآن: تعذّر الاتصال بـ Elasticsearch"
            status = 503
        else:
            context["result"] = result
            context["charts"] = view.small_multiples(result, backend.labels, since)
        return HTMLResponse(env.get_template("trends.html").render(**context),
                            status_code=status)

    @app.get("/", response_class=HTMLResponse)
    def page(request: Request) -> HTMLResponse:
        """The analysts' search page (server-rendered, no JavaScript)."""
        params = [(k, v) for k, v in request.query_params.multi_items()
                  if v.strip() and k != "token"]
        form = _form_values(request)
        since_options = list(view.SINCE_OPTIONS)
        if form["since"] not in dict(since_options):  # keep a custom period on resubmit
            since_options.append((form["since"], form["since"]))
        context: dict = {"form": form, "params": params, "error": None, "result": None,
                         "since_options": since_options}
        status = 200
        try:
            req = to_request(_multi(request), default_limit=PAGE_SIZE)
        except ParamError as exc:
            context["error"], status = str(exc), 400
        else:
            try:
                result = search(backend.client, req)
            except QueryError as exc:
                context["error"], status = str(exc), 400
            except (Unavailable, TransportError, ApiError) as exc:
                log.warning("search unavailable: %s", exc)
                context["error"], status = "البحث غير متاح الآن: تعذّر الاتصال بـ Elasticsearch", 503
            else:
                context.update(_page_context(result, req.offset, req.limit, params,
                                             backend.labels))
        context.setdefault("chips", view.chips(params, backend.labels))
        context["clear_url"] = view.page_url([p for p in params if p[0] == "q"])
        return HTMLResponse(env.get_template("search.html").render(**context), status_code=status)

    return app


def _stories(client: Elasticsearch, query: StoryQuery) -> list[dict]:
    return find_stories(client, topic=query.topic, place=query.place, outlet=query.outlet,
                        since=query.since, min_articles=query.min_articles, limit=query.limit)


def _page_context(result: dict, offset: int, limit: int, params: view.Params,
                  labels: Labels) -> dict:
    labels.learn_outlets(result["hits"])
    return {
        "result": result,
        "facets": view.facets(result, params, labels),
        "chips": view.chips(params, labels),
        "bars": view.histogram_bars(result["histogram"]),
        "peak": max((b["count"] for b in result["histogram"]), default=0),
        "chart": {"width": view.CHART_W, "height": view.CHART_H},
        "paging": view.paging(result["total"], offset, limit, params, MAX_WINDOW),
        "topic_name": lambda tid: labels.name("topics", tid),
        "place_name": lambda pid: labels.name("places", pid),
        "api_url": "/api/search" + view.page_url(params)[1:],
        "first": offset + 1,
    }


def _form_values(request: Request) -> dict:
    """What the search form shows: the text, time and sort fields, and the hidden filters."""
    qp = request.query_params
    hidden = [(k, v) for k, v in qp.multi_items()
              if k in ("topic", "outlet", "place", "language") and v.strip()]
    return {"q": qp.get("q", ""), "since": qp.get("since", ""), "from": qp.get("from", ""),
            "to": qp.get("to", ""), "sort": qp.get("sort", ""), "hidden": hidden}
