"""The Elasticsearch client, built from the settings, and the cluster's status.

The client knows every node: ``RAQIB_ES_URL`` may list several (comma-separated), and a
local cluster (``raqib es up --nodes 3``) records all of its nodes. When a node goes away
the client retries on another one. Credentials come from the settings and are never
printed: URLs are shown through :func:`core.urls.redact`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import elasticsearch
import orjson
from elasticsearch import Elasticsearch
from elasticsearch.serializer import JsonSerializer, NdjsonSerializer

from core.settings import Settings, load_settings
from core.urls import redact
from indexing.node import local_urls, pid_alive, read_state

# Interactive paths (web page, API, search) must not hold a person for long.
INTERACTIVE = {"request_timeout": 5, "max_retries": 1}


class NoClusterError(RuntimeError):
    """Neither ``RAQIB_ES_URL`` nor a local node is configured."""


def cluster_urls(settings: Settings) -> list[str]:
    """``RAQIB_ES_URL`` (one or several URLs) if set, else the local cluster's nodes."""
    if settings.es_url:
        return [u.strip() for u in settings.es_url.split(",") if u.strip()]
    urls = local_urls(settings)
    if not urls:
        raise NoClusterError("no Elasticsearch configured: run `raqib es up` or set RAQIB_ES_URL")
    return urls


def cluster_url(settings: Settings) -> str:
    """The first node's URL, credentials redacted: for messages."""
    return redact(cluster_urls(settings)[0])


class _Orjson:
    """orjson for a serializer of the client: several times faster than the standard
    library, and like it for our bodies (numpy values and non-string keys included)."""

    _OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS

    def json_dumps(self, data: Any) -> bytes:
        return orjson.dumps(data, default=self.default, option=self._OPTIONS)

    def json_loads(self, data: bytes) -> Any:
        return orjson.loads(data)


class OrjsonJsonSerializer(_Orjson, JsonSerializer):
    """JSON bodies and answers."""


class OrjsonNdjsonSerializer(_Orjson, NdjsonSerializer):
    """NDJSON bodies (bulk, msearch)."""


# Request bodies and answers were a tenth of ``raqib process``'s CPU with the standard
# library (``bench.process --real``).
SERIALIZERS = {OrjsonJsonSerializer.mimetype: OrjsonJsonSerializer(),
               OrjsonNdjsonSerializer.mimetype: OrjsonNdjsonSerializer()}


def get_client(settings: Settings | None = None, **options) -> Elasticsearch:
    """A client for the configured cluster; auth and CA certs come from the settings.

    Transport-level retries cover timeouts and 502/503/504 (on another node when there
    are several); the bulk indexer adds its own backoff on top. JSON goes through orjson.
    """
    settings = settings or load_settings()
    kwargs: dict = {
        "request_timeout": 30,
        "max_retries": 2,
        "retry_on_timeout": True,
        "retry_on_status": (502, 503, 504),
        "serializers": SERIALIZERS,
    }
    if settings.es_api_key:
        kwargs["api_key"] = settings.es_api_key
    elif settings.es_user:
        kwargs["basic_auth"] = (settings.es_user, settings.es_password or "")
    if settings.es_ca_certs:
        kwargs["ca_certs"] = settings.es_ca_certs
    kwargs.update(options)
    return Elasticsearch(cluster_urls(settings), **kwargs)


@dataclass
class NodeStatus:
    name: str
    url: str
    roles: str
    heap_percent: str


@dataclass
class ClusterStatus:
    """What ``raqib es status`` prints."""

    url: str | None
    external: bool
    reachable: bool
    version: str | None = None
    health: str | None = None
    articles: int | None = None
    error: str | None = None
    nodes: list[NodeStatus] = field(default_factory=list)
    down: list[str] = field(default_factory=list)  # recorded local nodes not running


def status(settings: Settings) -> ClusterStatus:
    """URL, version, health, nodes and article count of the configured cluster."""
    from indexing.templates import ALIAS

    external = bool(settings.es_url)
    try:
        urls = cluster_urls(settings)
    except NoClusterError:
        return ClusterStatus(url=None, external=False, reachable=False,
                             error="no local node was ever started: run `raqib es up`")
    url = redact(urls[0])
    state = None if external else read_state(settings)
    down = [f"{n.name} ({n.url})" for n in state.nodes if not pid_alive(n.pid)] if state else []
    if state and len(down) == len(state.nodes):
        return ClusterStatus(url=url, external=False, reachable=False, down=down)
    try:
        client = get_client(settings, request_timeout=5, max_retries=len(urls))
        health = client.cluster.health()["status"]
        info = client.nodes.info(node_id="_all", metric="http")["nodes"]
        stats = {row["name"]: row for row in client.cat.nodes(format="json",
                                                              h="name,heap.percent,node.role")}
        version = sorted({n["version"] for n in info.values()})
        nodes = [NodeStatus(n["name"], "http://" + n.get("http", {}).get("publish_address", "?"),
                            stats.get(n["name"], {}).get("node.role", ""),
                            stats.get(n["name"], {}).get("heap.percent", ""))
                 for n in sorted(info.values(), key=lambda n: n["name"])]
        count = 0
        if client.indices.exists_alias(name=ALIAS):
            count = client.count(index=ALIAS)["count"]
    except elasticsearch.ApiError as exc:
        return ClusterStatus(url=url, external=external, reachable=False,
                             error=redact(str(exc.message)), down=down)
    except elasticsearch.TransportError as exc:
        return ClusterStatus(url=url, external=external, reachable=False,
                             error=redact(str(exc)), down=down)
    return ClusterStatus(url=url, external=external, reachable=True, version=", ".join(version),
                         health=health, articles=count, nodes=nodes, down=down)
