"""Access token, security headers and token-free access logs for the web app.

With ``RAQIB_WEB_TOKEN`` set, every page and API call (all but ``/healthz`` and the
stylesheet) must carry it:
``Authorization: Bearer <token>``, or ``?token=<token>`` once — that sets an
HttpOnly cookie (holding an HMAC of the token, not the token) and, for pages,
redirects to the same address without the token. Comparisons use
``hmac.compare_digest``. The token is redacted from uvicorn's access log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from urllib.parse import unquote, urlencode

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp

COOKIE = "raqib_session"
OPEN_PATHS = frozenset({"/healthz", "/static/style.css"})  # no data behind these
HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; img-src 'self' data:; "
                                "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_PARAM = re.compile(r"([?&;])([^=&;\s\"]*)=([^&;\s\"]*)")

UNAUTHORIZED_PAGE = """<!doctype html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>رقيب: الدخول مطلوب</title>
<link rel="stylesheet" href="/static/style.css"></head>
<body><main class="notice"><h1>الدخول مطلوب</h1>
<p>هذه الصفحة محمية برمز دخول. افتح الرابط الذي تلقيته ومعه <code>?token=…</code>.</p>
</main></body></html>"""


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def session_value(token: str) -> str:
    """The cookie value for ``token``: an HMAC, so the cookie never holds the token itself."""
    return hmac.new(token.encode(), b"raqib-web-session", hashlib.sha256).hexdigest()


class SecurityHeaders(BaseHTTPMiddleware):
    """Add CSP (no scripts at all), nosniff, no framing, no referrer, no caching."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response


class TokenAuth(BaseHTTPMiddleware):
    """Require the access token on every request but :data:`OPEN_PATHS`."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        super().__init__(app)
        self._token = token
        self._session = session_value(token)

    def _authorized(self, request: Request) -> bool:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and _same(credentials.strip(), self._token):
            return True
        cookie = request.cookies.get(COOKIE)
        return cookie is not None and _same(cookie, self._session)

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path in OPEN_PATHS:
            return await call_next(request)
        given = request.query_params.get("token")
        if given is not None and _same(given, self._token):
            if request.url.path.startswith("/api/") or request.method != "GET":
                response = await call_next(request)
            else:  # take the token out of the address bar and the history
                rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
                target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
                response = RedirectResponse(target, status_code=303)
            response.set_cookie(COOKIE, self._session, httponly=True, samesite="strict",
                                secure=request.url.scheme == "https", path="/")
            return response
        if self._authorized(request):
            return await call_next(request)
        challenge = {"WWW-Authenticate": 'Bearer realm="raqib"'}
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "a valid access token is required "
                                           "(Authorization: Bearer …)"},
                                status_code=401, headers=challenge)
        return HTMLResponse(UNAUTHORIZED_PAGE, status_code=401, headers=challenge)


def redact_token(text: str) -> str:
    """``text`` with the value of every ``token`` query parameter replaced, however the name
    is spelt (``TOKEN``, ``%74oken``, ``to%6Ben``)."""
    def one(found: re.Match) -> str:
        sep, name, _value = found.groups()
        if unquote(unquote(name)).strip().lower() == "token":
            return f"{sep}{name}=[redacted]"
        return found.group()

    return _PARAM.sub(one, text) if "=" in text else text


class RedactToken(logging.Filter):
    """Redact the access token from log records (uvicorn's access log has the full path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_token(a) if isinstance(a, str) else a
                                for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact_token(record.msg)
        return True


def redact_access_log() -> None:
    """Install :class:`RedactToken` on uvicorn's loggers (idempotent)."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactToken) for f in logger.filters):
            logger.addFilter(RedactToken())
