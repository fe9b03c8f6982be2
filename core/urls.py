"""URL helpers: tracking-parameter removal, the seen-store key, outlet domains."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref",
        "ref_src",
        "cmpid",
        "ocid",
        "at_medium",
        "at_campaign",
        "xtor",
        "ito",
        "ftag",
    }
)


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith(("utm_", "at_", "ns_")) or name in TRACKING_PARAMS


def clean_url(url: str) -> str:
    """Drop the fragment and tracking parameters (utm_*, fbclid, …); keep the rest as is."""
    parts = urlsplit(url.strip())
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", urlencode(query), ""))


def url_key(url: str) -> str:
    """Key under which a URL is remembered: cleaned, then canonicalised (sorted query)."""
    return canonicalize_url(clean_url(url))


def article_id(canonical_url: str) -> str:
    """The article id of the record contract: sha1 hex of the canonical URL."""
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()


def on_domains(url: str, domains: Iterable[str]) -> bool:
    """True if the URL's host is one of ``domains`` or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in domains)


_USERINFO_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/\s@:]+)(?::[^/\s]*)?@")


def redact(text: str) -> str:
    """``text`` with the password of every URL in it replaced: ``http://u:***@host``."""
    return _USERINFO_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}:***@", text)


_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def link_url(url: object) -> str | None:
    """``url`` if it is an absolute http(s) address fit to be a link, else ``None``: crawled
    text decides what is shown, never that a ``javascript:`` or ``data:`` link is made."""
    if not isinstance(url, str) or _BREAKS.search(url.strip()):
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None
