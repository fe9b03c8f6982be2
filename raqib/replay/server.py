"""A small threaded HTTP/1.1 server for the replay site (standard library only)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from raqib.replay.site import Response, Site


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ReplayHTTPServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        site = self.server.site
        path = self.path if self.path.startswith("/") else urlsplit(self.path).path
        with self.server.lock:
            self.server.hits[path] += 1
            self.server.user_agents.add(self.headers.get("User-Agent", ""))
        response = self._route(site, path)
        if response is None:
            response = Response(
                404,
                "<h1>404 الصفحة غير موجودة</h1>".encode(),
                {"Content-Type": "text/html; charset=utf-8"},
            )
        self._send(response, head)

    def _route(self, site: Site, path: str) -> Response | None:
        if path in site.flaky_paths and path not in site.flaky_done:
            site.flaky_done.add(path)
            return Response(503, b"busy", {"Content-Type": "text/plain", "Retry-After": "0"})
        if site.generated and path.startswith("/gen/"):
            if path == "/gen/sitemap.xml":
                return site.generated_sitemap()
            tail = path.rsplit("/", 1)[-1]
            if tail.isdigit() and 1 <= int(tail) <= site.generated:
                return site.generated_page(int(tail))
            return None
        response = site.routes.get(path)
        if response is None:
            return None
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        if (etag and self.headers.get("If-None-Match") == etag) or (
            last_modified and not etag and self.headers.get("If-Modified-Since") == last_modified
        ):
            return Response(
                304,
                b"",
                {k: v for k, v in response.headers.items() if k in ("ETag", "Last-Modified")},
            )
        return response

    def _send(self, response: Response, head: bool) -> None:
        if response.delay:
            time.sleep(response.delay)
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        length = (
            response.content_length if response.content_length is not None else len(response.body)
        )
        if response.status != 304:
            self.send_header("Content-Length", str(length))
        truncated = response.content_length is not None and response.stream is None
        if truncated:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if head or response.status == 304:
            return
        try:
            if response.stream is not None:
                for chunk in response.stream():
                    self.wfile.write(chunk)
            else:
                self.wfile.write(response.body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class ReplayHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.site: Site
        self.lock = threading.Lock()
        self.hits: Counter[str] = Counter()
        self.user_agents: set[str] = set()

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        pass  # clients that hang up (cancelled downloads) are part of the test
