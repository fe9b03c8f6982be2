"""The Elasticsearch client, built from the settings (see DESIGN: Settings)."""

from __future__ import annotations

from elasticsearch import Elasticsearch

from raqib.settings import Settings, load_settings


class NoClusterError(RuntimeError):
    """Neither ``RAQIB_ES_URL`` nor a local node is configured."""


def cluster_url(settings: Settings) -> str:
    """``RAQIB_ES_URL`` if set, else the local node recorded under ``$RAQIB_HOME``."""
    from indexing.node import local_url

    url = settings.es_url or local_url(settings)
    if not url:
        raise NoClusterError(
            "no Elasticsearch configured: run `raqib es up` or set RAQIB_ES_URL"
        )
    return url


def get_client(settings: Settings | None = None, **options) -> Elasticsearch:
    """A client for the configured cluster; auth and CA certs come from the settings.

    Transport-level retries cover timeouts and 502/503/504; the bulk indexer adds
    its own backoff on top. Secrets are passed to the client, never logged.
    """
    settings = settings or load_settings()
    kwargs: dict = {
        "request_timeout": 30,
        "max_retries": 2,
        "retry_on_timeout": True,
        "retry_on_status": (502, 503, 504),
    }
    if settings.es_api_key:
        kwargs["api_key"] = settings.es_api_key
    elif settings.es_user:
        kwargs["basic_auth"] = (settings.es_user, settings.es_password or "")
    if settings.es_ca_certs:
        kwargs["ca_certs"] = settings.es_ca_certs
    kwargs.update(options)
    return Elasticsearch(cluster_url(settings), **kwargs)
