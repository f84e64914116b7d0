"""A tiny threaded HTTP server on 127.0.0.1 for tests: canned answers, faults, a request log.

Routes map a path (and optionally a query predicate) to a ``Reply``, a list of replies served
in turn (the last one repeats), or a function of the logged request. The newest matching route
wins, so a test can override a default. Every request is logged with its path, query and
headers, so tests can assert what a client sent (the User-Agent, the date range).
"""

from __future__ import annotations

import mimetypes
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Reply:
    """A canned answer. ``delay`` waits before answering (for timeouts); ``content_length``
    announces a different length than ``body`` has and then drops the connection."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_length: int | None = None


@dataclass(frozen=True)
class Hit:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """A request header, looked up without regard to case."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


Handler = Callable[[Hit], Reply]
Answer = Reply | Sequence[Reply] | Handler
QueryMatch = Mapping[str, str] | Callable[[dict[str, str]], bool] | None


@dataclass
class _Route:
    path: str
    query: QueryMatch
    answer: Answer
    served: int = 0

    def matches(self, hit: Hit) -> bool:
        if hit.path != self.path:
            return False
        if self.query is None:
            return True
        if callable(self.query):
            return bool(self.query(hit.query))
        return all(hit.query.get(key) == value for key, value in self.query.items())

    def reply(self, hit: Hit) -> Reply:
        if isinstance(self.answer, Reply):
            return self.answer
        if callable(self.answer):
            return self.answer(hit)
        replies = list(self.answer)
        chosen = replies[min(self.served, len(replies) - 1)]
        self.served += 1
        return chosen


class LocalServer:
    """A local HTTP server; use as a context manager or call ``start`` and ``stop``."""

    def __init__(self) -> None:
        self.requests: list[Hit] = []
        self._routes: list[_Route] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> LocalServer:
        httpd = _QuietServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, the base URL to put in ``CARRYBOT_<SOURCE>_URL``."""
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- routes ------------------------------------------------------------------------------

    def route(self, path: str, answer: Answer, *, query: QueryMatch = None) -> None:
        """Answer requests for ``path`` (whose query matches ``query``, if given)."""
        with self._lock:
            self._routes.append(_Route(path, query, answer))

    def serve_bytes(
        self,
        path: str,
        body: bytes,
        content_type: str = "application/octet-stream",
        *,
        query: QueryMatch = None,
    ) -> None:
        """Answer ``path`` with ``body`` and status 200."""
        self.route(path, Reply(200, body, {"Content-Type": content_type}), query=query)

    def serve_file(
        self,
        path: str,
        file: Path | str,
        content_type: str | None = None,
        *,
        query: QueryMatch = None,
    ) -> None:
        """Answer ``path`` with the bytes of ``file`` (e.g. a real raw file at its real path)."""
        file = Path(file)
        guessed = content_type or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self.serve_bytes(path, file.read_bytes(), guessed, query=query)

    def hits(self, path: str | None = None) -> list[Hit]:
        """Requests received so far, optionally only those for ``path``."""
        with self._lock:
            return [hit for hit in self.requests if path is None or hit.path == path]

    # -- faults ------------------------------------------------------------------------------

    def html_error_page(
        self, path: str, status: int = 200, title: str = "Service Unavailable", **kw: Any
    ) -> None:
        """An HTML page where data was expected (portals often send these with status 200)."""
        body = (
            f"<!DOCTYPE html>\n<html><head><title>{title}</title></head>"
            f"<body><h1>{title}</h1><p>Please try again later.</p></body></html>\n"
        ).encode()
        self.route(path, Reply(status, body, {"Content-Type": "text/html; charset=utf-8"}), **kw)

    def fail_then_succeed(
        self,
        path: str,
        body: bytes,
        failures: int = 1,
        status: int = 500,
        content_type: str = "application/octet-stream",
        **kw: Any,
    ) -> None:
        """``failures`` answers with ``status``, then ``body`` with 200 (for retry tests)."""
        failing = Reply(status, b"temporarily unavailable", {"Content-Type": "text/plain"})
        success = Reply(200, body, {"Content-Type": content_type})
        self.route(path, [failing] * failures + [success], **kw)

    def empty(self, path: str, status: int = 200, **kw: Any) -> None:
        """Status 200 (or ``status``) with an empty body."""
        self.route(path, Reply(status, b""), **kw)

    def truncated(
        self, path: str, body: bytes, keep: float = 0.5, *, cut_connection: bool = False, **kw: Any
    ) -> None:
        """The first ``keep`` of ``body`` (a fraction, or a byte count if > 1).

        By default the shorter body is sent with a matching Content-Length, as a cut file on a
        mirror would be; ``cut_connection`` announces the full length and drops the connection.
        """
        size = int(keep) if keep > 1 else int(len(body) * keep)
        length = len(body) if cut_connection else None
        self.route(path, Reply(200, body[:size], content_length=length), **kw)

    def slow(self, path: str, body: bytes, delay: float, **kw: Any) -> None:
        """Answer ``body`` only after ``delay`` seconds (for read-timeout tests)."""
        self.route(path, Reply(200, body, delay=delay), **kw)

    # -- internals ---------------------------------------------------------------------------

    def _answer(self, hit: Hit) -> Reply:
        with self._lock:
            self.requests.append(hit)
            route = next((r for r in reversed(self._routes) if r.matches(hit)), None)
            if route is None:
                return Reply(
                    404, f"no route for {hit.path}".encode(), {"Content-Type": "text/plain"}
                )
            if not callable(route.answer):
                return route.reply(hit)  # a sequence advances under the lock
        return route.reply(hit)  # handlers run outside the lock, so they may call hits()

    def _wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)


class SilentServer:
    """A host that accepts TCP connections and never answers: it listens but never reads.

    The kernel completes each handshake from the listen backlog, so a client connects, sends its
    request and then waits for a reply that never comes (a hung server or a black-holing proxy).
    """

    def __init__(self) -> None:
        self._socket: socket.socket | None = None

    def __enter__(self) -> SilentServer:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(128)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._socket is not None:
            self._socket.close()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        if self._socket is None:
            raise RuntimeError("the server is not started")
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"


class TricklingServer(SilentServer):
    """A host that answers every request with headers and then one byte every ``interval``
    seconds, never finishing the body (a saturated link, a broken proxy)."""

    def __init__(self, interval: float = 0.2) -> None:
        super().__init__()
        self.interval = interval
        self._stopping = threading.Event()

    def __enter__(self) -> TricklingServer:
        super().__enter__()
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        super().__exit__(*exc)

    def _accept(self) -> None:
        while not self._stopping.is_set() and self._socket is not None:
            try:
                conn, _ = self._socket.accept()
            except OSError:
                return
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n")
                while not self._stopping.wait(self.interval):
                    conn.sendall(b"0")
            except OSError:
                return


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out close the socket while a slow reply waits; that is expected.
        pass


def _make_handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve(b"")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._serve(self.rfile.read(length))

        def _serve(self, body: bytes) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            hit = Hit(self.command, parts.path, query, dict(self.headers.items()), body)
            reply = server._answer(hit)
            if reply.delay:
                server._wait(reply.delay)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                length = (
                    reply.content_length if reply.content_length is not None else len(reply.body)
                )
                self.send_header("Content-Length", str(length))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return _Handler
