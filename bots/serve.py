"""`sre serve`: the Slack and Teams endpoints on this machine, over the embedded default."""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http import HTTPStatus
from socket import SHUT_RD, socket
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bots.console import SERVER_NEXT, emit, interrupted
from bots.declared_length import UNREAD, declared_length, read_declared
from bots.delivery import SurfaceNotifier
from bots.logs import LOG_FILE, request_fields, to_file
from bots.options import OptionError, TerminalParser
from bots.serve_notice import cannot_listen, notice
from shared.adapters.local.sqlite_queue import SqliteTaskQueue
from shared.audit.links import PAGE_HEADERS, PAGE_STATUS, RETRY_SECONDS
from shared.bootstrap.local import for_local
from shared.bootstrap.wiring import Services
from shared.commands.terminal import TERMINAL_ONLY
from shared.config import Settings
from shared.scheduling.triggers import run_tick, seal_every_org

if TYPE_CHECKING:
    from bots.msteams.http import TeamsEndpoint

log = logging.getLogger("autosre.serve")
StartResponse = Callable[..., Any]


BACKLOG = 1024
"""Connections the kernel holds while every thread is busy: Slack does not retry a slash command
whose connection was reset (the default of 5 lost 43 to 63 of 100 simultaneous commands)."""


WORKERS = 32
"""Requests answered at once; the others wait their turn in order. A thread per connection let
hundreds share the one interpreter lock when behind, each answer as slow as the slowest; 8 were
too few while mentions wait on Slack's Web API (measured: p99 1.0 to 2.8 s against 0.5 s)."""
READ_SECONDS = 10.0
"""A client that sends nothing for this long is cut off, so it cannot keep a worker."""
REQUEST_SECONDS = 15.0
"""The time a client has to send its whole request, line, headers and body: one that trickles it
a byte at a time, never silent for READ_SECONDS, is cut off then. Slack and Teams send theirs in
milliseconds."""


def _stop_reading(connection: socket) -> None:
    """Cut a client's request short: a worker waiting for its next byte reads the end instead.
    Its answer, if it is past reading, is still written."""
    with contextlib.suppress(OSError):  # already closed by the worker
        connection.shutdown(SHUT_RD)


class _PooledServer(WSGIServer):
    request_queue_size = BACKLOG
    request_seconds = REQUEST_SECONDS
    _pool: ThreadPoolExecutor | None = None
    """Made once listening: a port that cannot be bound closes the server before it is."""

    _free: threading.BoundedSemaphore
    """Taken before a connection is handed to a worker: with every worker busy, the accept loop
    waits, so the other connections wait in the listen backlog, never in an unbounded queue."""

    def server_activate(self) -> None:
        super().server_activate()
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="serve")
        self._free = threading.BoundedSemaphore(WORKERS)

    def process_request(self, request: Any, client_address: Any) -> None:
        if self._pool is None:  # requests come only once listening
            self.shutdown_request(request)
            return
        self._free.acquire()
        self._pool.submit(self._answer, request, client_address)

    def _answer(self, request: socket, client_address: Any) -> None:
        deadline = threading.Timer(self.request_seconds, _stop_reading, (request,))
        deadline.start()
        try:
            self.finish_request(request, client_address)
        except TimeoutError:
            log.info("cut off a silent client", extra=_client(client_address))
        except Exception:  # as socketserver's threads do, but into the log, not the terminal
            log.exception("a request was not answered", extra=_client(client_address))
        finally:
            deadline.cancel()
            self.shutdown_request(request)
            self._free.release()

    def server_close(self) -> None:
        super().server_close()
        if self._pool is not None:  # nothing is queued: a connection is handed only to a worker
            self._pool.shutdown(wait=False)


def _client(address: Any) -> dict[str, str]:
    return {"client": str(address[0])}


class _QuietHandler(WSGIRequestHandler):
    server_version = "autosre"  # the `Server` of an answer to a malformed request
    sys_version = ""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # never the query string: an investigation page's link carries its token there
        fields = request_fields(self.requestline)
        log.info("request", extra={"client": self.address_string(), **fields, "status": code})
        del size

    def log_message(self, format: str, *args: Any) -> None:
        # errors (a malformed request line, say) without the request line they would repeat
        status = args[0] if format.startswith("code %d") and args else "-"
        log.info("request refused", extra={"client": self.address_string(), "status": status})


def _json(start: StartResponse, status: str, body: object) -> list[bytes]:
    payload = json.dumps(body).encode()
    start(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def unserved(settings: Settings) -> dict[str, str]:
    """The chat endpoints left off, each with why: an unauthenticated surface is never served."""
    off: dict[str, str] = {}
    if not settings.slack_signing_secret:
        off["/slack/events"] = (
            "SLACK_SIGNING_SECRET is not set, so no Slack request can be verified"
        )
    if not settings.teams_app_id:
        off["/api/messages"] = "TEAMS_APP_ID is not set, so no Bot Framework token can be checked"
    return off


def application(services: Services) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The WSGI app: POST /slack/events, POST /api/messages, GET /health."""
    from bots.msteams.http import TeamsEndpoint
    from bots.slack.app import build_app
    from bots.slack.http import wsgi_handler

    settings = services.settings
    slack = wsgi_handler(build_app(settings, lambda: services.bus, installs=services.org_installs))
    teams = TeamsEndpoint(settings, lambda: services.bus)
    off = unserved(settings)
    for path, why in off.items():
        log.warning("not serving POST %s: %s", path, why)

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        route = (environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
        path = str(route[1] or "")
        if route[0] == "POST" and path in off:
            return _json(start, "404 Not Found", {"error": f"not served: {off[path]}"})
        if path.startswith(("/investigations/", "/chaos/")):
            return _page(services, environ, start)
        if route == ("GET", "/health"):
            return _json(start, "200 OK", {"status": "ok", "backend": settings.backend})
        if route[0] == "GET" and settings.slack_oauth and path in _oauth_paths(settings):
            return slack(environ, start)
        if route == ("POST", "/slack/events"):
            return slack(environ, start)
        if route == ("POST", "/api/messages"):
            return _teams(teams, environ, start)
        return _json(start, "404 Not Found", {"error": "not found"})

    return _named(app)


WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _named(app: WsgiApp) -> WsgiApp:
    """`app` answering as `Server: autosre`: wsgiref would name itself and the Python version."""

    def named(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        def started(status: str, headers: list[tuple[str, str]], *info: Any) -> Any:
            return start(status, [*headers, ("Server", "autosre")], *info)

        return app(environ, started)

    return named


def _page(services: Services, environ: dict[str, Any], start: StartResponse) -> list[bytes]:
    """GET (or HEAD: its headers alone) /investigations/{id} or /chaos/{id} with its token."""
    method = environ.get("REQUEST_METHOD")
    if method not in ("GET", "HEAD"):
        payload = json.dumps({"error": "a page is only read (GET)"}).encode()
        start(
            "405 Method Not Allowed",
            [
                ("Content-Type", "application/json"),
                ("Allow", "GET, HEAD"),
                ("Content-Length", str(len(payload))),
            ],
        )
        return [payload]
    token = parse_qs(environ.get("QUERY_STRING", "")).get("token", [""])[0]
    status, page = services.serve_page(environ.get("PATH_INFO", ""), token, datetime.now(UTC))
    body = page.encode()
    retry = (
        [("Retry-After", str(RETRY_SECONDS))] if status == HTTPStatus.SERVICE_UNAVAILABLE else []
    )
    start(
        f"{status} {PAGE_STATUS[status]}",
        [*PAGE_HEADERS, *retry, ("Content-Length", str(len(body)))],
    )
    return [] if method == "HEAD" else [body]


def _teams(teams: TeamsEndpoint, environ: dict[str, Any], start: StartResponse) -> list[bytes]:
    """POST /api/messages: its length checked before a byte of the body is read."""
    from bots.msteams.admission import MAX_ACTIVITY_BYTES

    length = declared_length(environ)
    if length is None:
        return _json(start, "400 Bad Request", {"error": "Content-Length is not a number of bytes"})
    if length > MAX_ACTIVITY_BYTES:
        return _json(start, "413 Content Too Large", {"error": "the body is too large"})
    body = read_declared(environ, length)
    if body is None:
        return _json(start, "408 Request Timeout", {"error": UNREAD})
    status, answer = teams.process(body, environ.get("HTTP_AUTHORIZATION", ""))
    return _json(start, f"{status} {'OK' if status < 400 else 'Refused'}", answer or {})


def _oauth_paths(settings: Settings) -> tuple[str, str]:
    """The install page and the redirect URL of OAuth mode."""
    return settings.slack_install_path, settings.slack_redirect_uri_path


SEAL_EVERY_MINUTES = 60
MAX_PORT = 65535
DEFAULT_PORT = 3000


def run_schedule(services: Services, stop: threading.Event, *, tick: float = 60.0) -> None:
    """As the scheduled functions do on AWS: evaluate the alert policies every minute, seal every
    org's audit trails every hour."""
    minutes = 0
    while not stop.wait(tick):
        minutes += 1
        now = datetime.now(UTC)
        trigger = f"local-{now:%Y%m%dT%H%M}"
        reply = run_tick(services.bus, trigger=trigger, now=now)
        log.info("alerts: %s %s", reply.title, dict(reply.fields))
        if minutes % SEAL_EVERY_MINUTES == 0:
            trails = services.audit_log
            for sealed in seal_every_org(services.bus, trails, trigger=trigger, now=now):
                log.info("scheduled seal: %s", sealed.title)


def serve(settings: Settings, argv: Sequence[str]) -> int:
    """Serve until interrupted; also connect over Socket Mode when SLACK_APP_TOKEN is set. Options
    typed wrong are a usage answer (status 2), a port that cannot be listened on one line (status
    1), each before anything else starts."""
    try:
        host, port = _options(argv)
    except OptionError as error:
        emit(str(error), stream=sys.stderr)
        return 2
    try:
        server = listening(host, port)
    except OSError as error:
        emit(f"sre serve: {cannot_listen(error, host, port)}", stream=sys.stderr)
        return 1
    with server:
        return _serve(settings, server, host=host)


def listening(
    host: str, port: int, *, silent: float = READ_SECONDS, whole: float = REQUEST_SECONDS
) -> WSGIServer:
    """The HTTP server of `sre serve`, answering 503 until its app is set: WORKERS threads, the
    other connections waiting in the listen backlog, a client silent for `silent` s, or still
    sending its request after `whole` s, cut off."""
    handler = type("Handler", (_QuietHandler,), {"timeout": silent})
    server = type("Server", (_PooledServer,), {"request_seconds": whole})
    return make_server(host, port, _starting, server_class=server, handler_class=handler)


def _options(argv: Sequence[str]) -> tuple[str, int]:
    """The host and port `sre serve` was given, or the usage answer saying what is wrong."""
    line, _, _ = TERMINAL_ONLY["serve"]
    parser = TerminalParser(prog="sre serve", usage=line, topic="serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default=str(DEFAULT_PORT))
    args = parser.parse_args(argv)
    port = str(args.port)
    # 0 (any free port) is kept for scripts and tests, and not offered
    if not port.isdigit() or int(port) > MAX_PORT:
        raise parser.refusal(
            f"'{port}' is not a port: use a number from 1 to {MAX_PORT}, "
            f"e.g. --port {DEFAULT_PORT + 1}"
        )
    return str(args.host), int(port)


def _starting(_: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
    """The app until the services are built (nothing is served before: no request reaches it)."""
    return _json(start, "503 Service Unavailable", {"error": "starting"})


def _serve(settings: Settings, server: WSGIServer, *, host: str) -> int:
    settings.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    log_path = settings.home / LOG_FILE
    to_file(log_path, logging.INFO, in_background=True)  # the terminal shows no log line
    services = for_local(settings, notifier=SurfaceNotifier(settings, echo=emit))
    server.set_app(application(services))
    if settings.slack_app_token:
        from bots.slack.app import build_app
        from bots.slack.http import run_socket_mode

        app = build_app(settings, lambda: services.bus, installs=services.org_installs)
        run_socket_mode(app, settings.slack_app_token)
        log.info("connected to Slack over Socket Mode")
    url = f"http://{host}:{server.server_port}"
    off = unserved(settings)
    socket_mode = bool(settings.slack_app_token)
    emit(notice(settings, url=url, host=host, socket_mode=socket_mode, off=off, log=log_path))
    served = [f"POST {p}" for p in ("/slack/events", "/api/messages") if p not in off]
    log.info(
        "serving %s on %s",
        ", ".join([*served, "GET /investigations/ID", "GET /chaos/ID", "GET /health"]),
        url,
    )
    stop = threading.Event()
    threading.Thread(target=run_schedule, args=(services, stop), daemon=True).start()
    gc.freeze()  # what start-up loaded stays: a full collection need not walk it mid-burst
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("stopped")
        tasks = services.tasks
        if isinstance(tasks, SqliteTaskQueue) and (left := tasks.unfinished()):
            commands = [task.command for task in left]
            emit(interrupted(commands, home=settings.home, next_one=SERVER_NEXT), stream=sys.stderr)
    finally:
        stop.set()
    return 0
