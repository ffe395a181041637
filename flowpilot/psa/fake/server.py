"""The fake PSA as a real HTTP server (stdlib `ThreadingHTTPServer`), loopback only.

Tests start it on a free port (`FakePsa().start()`, or the `fake_psa` fixture) and steer it:

    fake.fail("POST", "*/Actions", 429, retry_after="7")          # the next matching request answers 429
    fake.fail("GET", "*/service/tickets/*", 500, times=2)          # the next two
    fake.hang("POST", "*/notes", seconds=2)                        # hang 2 s, then answer normally
    fake.hang("POST", "*/Notes", seconds=2, after_store=True)      # store the note, then hang

Paths are globs on the request path (no query). `fake.notes(provider)`, `fake.time_entries(provider)`
and `fake.requests()` show what reached it.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from flowpilot.psa.connectors.base import ConnectorConfig, Identity, Provider
from flowpilot.psa.connectors.http_client import is_loopback

from . import autotask, connectwise, halopsa, seeds
from .exchange import FakeRequest, HttpError, Reply
from .page import render_page
from .store import Failure, FakeNote, FakeStore, FakeTicket, FakeTimeEntry

MAX_BODY_BYTES = 10 * 1024 * 1024
PROVIDER_MODULES = (connectwise, halopsa, autotask)
ECHOED_HEADERS = ("Authorization", "Secret", "ApiIntegrationCode", "UserName", "clientId")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle and delayed ACKs add 40 ms per answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        self._answer()

    def do_POST(self):
        self._answer()

    def do_PATCH(self):
        self._answer()

    def do_PUT(self):
        self._answer()

    def do_DELETE(self):
        self._answer()

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.fake.verbose:
            super().log_message(format, *args)

    def _answer(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self.close_connection = True
            self._send(Reply(status=413, body={"message": "Request body too large"}))
            return
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        request = FakeRequest(
            method=self.command,
            path=unquote(split.path),
            query=parse_qs(split.query, keep_blank_values=True),
            headers=self.headers,
            body=body,
            base_url=self.server.fake.base_url_for(self.headers.get("Host", "")),
        )
        self._send(self.server.fake.respond(request))

    def _send(self, reply: Reply) -> None:
        payload, content_type = reply.encoded()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a hang outlasting its timeout)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakePsa


class FakePsa:
    """ConnectWise PSA, HaloPSA and Autotask in one in-memory server; see the module docstring."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, seed: bool = True, verbose: bool = False):
        if not is_loopback(host):
            raise ValueError("The fake PSA listens on this machine only (127.0.0.1, ::1 or localhost).")
        self.store = FakeStore()
        if seed:
            self.store.seed()
        self.verbose = verbose
        self._released = threading.Event()
        self._server = _Server((host, port), _Handler)
        self._server.fake = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}"

    def base_url_for(self, host_header: str) -> str:
        """The URL a client used to reach this server (when it is loopback), so the zone lookup names it."""
        host = host_header.rsplit(":", 1)[0].strip("[]") if host_header else ""
        return f"http://{host_header}" if host and is_loopback(host) else self.url

    # Running.

    def start(self) -> FakePsa:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-psa", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._server.server_close()

    def stop(self) -> None:
        """Stop serving; requests still hanging are released at once."""
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakePsa:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # Test control.

    def fail(
        self,
        method: str | None,
        path_glob: str,
        status: int,
        *,
        retry_after: str | None = None,
        times: int = 1,
        echo: bool = False,
    ) -> None:
        """The next `times` requests matching `method` (None: any) and `path_glob` answer `status`.

        With `echo` the error body repeats the request's credentials, to prove a connector never passes
        them on."""
        self.store.queue_failure(
            Failure(
                method=method,
                path_glob=path_glob,
                status=status,
                retry_after=retry_after,
                remaining=times,
                echo=echo,
            )
        )

    def hang(
        self,
        method: str | None,
        path_glob: str,
        *,
        seconds: float = 5.0,
        after_store: bool = False,
        status: int | None = None,
        times: int = 1,
    ) -> None:
        """The next matching request waits `seconds` before its answer; with `after_store`, after doing its work."""
        self.store.queue_failure(
            Failure(
                method=method,
                path_glob=path_glob,
                status=status,
                delay=seconds,
                after_store=after_store,
                remaining=times,
            )
        )

    def answer(self, method: str | None, path_glob: str, body: Any, *, status: int = 200, times: int = 1) -> None:
        """The next `times` matching requests answer `body` as JSON (non-finite floats as Infinity / NaN, which
        Python's json reads back), to prove a connector checks what a PSA says."""
        self.store.queue_failure(Failure(method=method, path_glob=path_glob, status=status, body=body, remaining=times))

    def config(self, provider: Provider, *, timeout_seconds: float = 10.0) -> ConnectorConfig:
        """Connection settings that reach this server as `provider`, with the credentials it accepts."""
        return seeds.connector_config(Provider(provider), self.url, timeout_seconds=timeout_seconds)

    @staticmethod
    def identity(provider: Provider) -> Identity:
        """The engineer the seeded open tickets belong to."""
        return seeds.ENGINEER[Provider(provider)]

    @staticmethod
    def colleague(provider: Provider) -> Identity:
        return seeds.COLLEAGUE[Provider(provider)]

    def add_ticket(self, provider: Provider, **fields: Any) -> FakeTicket:
        return self.store.add_ticket(Provider(provider), **fields)

    def tickets(self, provider: Provider) -> list[FakeTicket]:
        return self.store.tickets_of(Provider(provider))

    def notes(self, provider: Provider, ticket_id: int | str | None = None) -> list[FakeNote]:
        return self.store.notes_of(Provider(provider), None if ticket_id is None else int(ticket_id))

    def time_entries(self, provider: Provider, ticket_id: int | str | None = None) -> list[FakeTimeEntry]:
        return self.store.time_entries_of(Provider(provider), None if ticket_id is None else int(ticket_id))

    def requests(self, method: str | None = None, path_glob: str = "*") -> list[tuple[str, str]]:
        probe = Failure(method=method, path_glob=path_glob)
        with self.store.lock:
            return [(m, p) for m, p in self.store.requests if probe.matches(m, p)]

    # Answering.

    def respond(self, request: FakeRequest) -> Reply:
        self.store.log_request(request.method, request.path)
        failure = self.store.take_failure(request.method, request.path)
        if failure is not None and not failure.after_store:
            self._released.wait(failure.delay)
            if failure.status is not None:
                return self._failure_reply(failure, request)
        reply = self._route(request)
        if failure is not None and failure.after_store:
            self._released.wait(failure.delay)
            if failure.status is not None:
                return self._failure_reply(failure, request)
        return reply

    def _route(self, request: FakeRequest) -> Reply:
        if request.path == "/" and request.method == "GET":
            return Reply(html=render_page(self.store, self.url))
        try:
            for module in PROVIDER_MODULES:
                if module.handles(request.path):
                    return module.handle(request, self.store)
        except HttpError as error:
            return error.reply
        return Reply(status=404, body={"message": "Not found"})

    @staticmethod
    def _failure_reply(failure: Failure, request: FakeRequest) -> Reply:
        headers = {"Retry-After": failure.retry_after} if failure.retry_after is not None else {}
        if failure.body is not None:
            return Reply(status=failure.status or 200, body=failure.body, headers=headers)
        message = f"Fake PSA told to answer {failure.status}"
        if failure.echo:
            echoed = [f"{name}={request.header(name)}" for name in ECHOED_HEADERS if request.header(name)]
            message += " for " + " ".join(echoed) + " body=" + request.body.decode("utf-8", "replace")
        return Reply(status=failure.status or 500, body={"message": message, "errors": [message]}, headers=headers)
