"""Malformed, oversized and forged-looking bodies, signed or not, at every HTTP entry point: a
400 (413 when too large) that says so, never a 500 or a 200, and nothing of them in the log
beyond a short, single-line excerpt."""

from __future__ import annotations

import copy
import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from wsgiref.simple_server import make_server

import pytest
from slack_sdk.signature import SignatureVerifier

from bots.delivery import SurfaceNotifier
from bots.msteams.http import TeamsEndpoint
from bots.serve import application, listening
from handlers import aws_slack
from shared.bootstrap.local import for_local
from shared.config import Settings
from tests.support.handlers import post_slack
from tests.support.payloads import (
    SIGNING_SECRET,
    LambdaContext,
    http_api_event,
    load,
    message_activity,
    signed_headers,
    slash_command_body,
)

FORM = "application/x-www-form-urlencoded"


def _payload(**changes: Any) -> str:
    """bolt's recorded block_actions click, as its form body, with `changes` applied."""
    payload = copy.deepcopy(load("slack/block_actions_payload.json"))
    payload["actions"][0].update(action_id="sre:0", value="team create search")
    payload.update(changes)
    return "payload=" + quote(json.dumps(payload))


def _answer(metadata: str, *, without: str = "") -> str:
    """A modal's answer (view_submission) whose private_metadata is `metadata`, its view
    `without` one of its fields if named."""
    view = {
        "id": "V0MODAL",
        "type": "modal",
        "callback_id": "sre-ask",
        "private_metadata": metadata,
        "state": {"values": {"answer": {"answer": {"value": "search"}}}},
    }
    view.pop(without, None)
    submission = {"type": "view_submission", "team": {"id": "T111"}, "user": {"id": "W111"}}
    return "payload=" + quote(json.dumps({**submission, "view": view}))


_MENTION = {"type": "app_mention", "user": "W111", "channel": "C111", "ts": "1.2", "text": "hi"}


def _mentioned(**changes: Any) -> str:
    """A mention's event envelope as JSON, with `changes` to the event (`event_id` to the
    envelope); a change to None drops the field."""
    event = {k: v for k, v in {**_MENTION, **changes}.items() if v is not None and k != "event_id"}
    envelope = {"type": "event_callback", "team_id": "T111", "event_id": "Ev1", "event": event}
    return json.dumps({**envelope, **({"event_id": 5} if "event_id" in changes else {})})


MALFORMED = {
    "payload=null": ("payload=null", FORM),
    "payload=[1,2]": ("payload=%5B1%2C2%5D", FORM),
    "a JSON array body": ("[1, 2]", "application/json"),
    "JSON nested 100,000 deep in payload=": ("payload=" + "%5B" * 100_000, FORM),
    "a JSON body nested 100,000 deep": ("[" * 100_000, "application/json"),
    "team as a string": (_payload(team="T111"), FORM),
    "user as a number": (_payload(user=5), FORM),
    "a user id as a number": (_payload(user={"id": 5}), FORM),
    "no actions": (_payload(actions=[]), FORM),
    "a prompting button without its prompt": (
        _payload(actions=[{"action_id": "sre-ask:0", "value": '{"command": "sre x"}'}]),
        FORM,
    ),
    "private_metadata not JSON": (_answer("{broken"), FORM),
    "private_metadata a list": (_answer("[1]"), FORM),
    "private_metadata without its command": (_answer('{"channel": "C111"}'), FORM),
    "private_metadata with a channel as a number": (
        _answer('{"command": "sre team create", "channel": 5}'),
        FORM,
    ),
    "private_metadata with a channel as an object": (
        _answer('{"command": "sre team create", "channel": {"id": "C111"}}'),
        FORM,
    ),
    "private_metadata with a thread as a list": (
        _answer('{"command": "sre team create", "channel": "C111", "thread": ["1.2"]}'),
        FORM,
    ),
    "a modal without its type": (
        _answer('{"command": "sre team create", "channel": "C111"}', without="type"),
        FORM,
    ),
    "a mention without its user": (
        json.dumps({"type": "event_callback", "team_id": "T111", "event": {"type": "app_mention"}}),
        "application/json",
    ),
    "not UTF-8": ("payload=%7B%7D\udcff", FORM),
    "authorizations as a string": (slash_command_body("help") + "&authorizations=x", FORM),
    "an enterprise as a number": (
        json.dumps({"type": "event_callback", "team_id": "T111", "enterprise": 5}),
        "application/json",
    ),
    "no kind of Slack request": ("hello=world", FORM),
    # signed, these reached a listener, which answered 200 "Something went wrong" with a trace
    "an event as a form": (
        "payload=" + quote(json.dumps({"type": "event_callback", "event": _MENTION})),
        FORM,
    ),
    "a mention's ts as a number": (_mentioned(ts=5), "application/json"),
    "an event id as a number": (_mentioned(event_id=5), "application/json"),
    "a mention without its channel": (_mentioned(channel=None), "application/json"),
    "a button without its command": (
        _payload(actions=[{"action_id": "sre:0", "value": None}]),
        FORM,
    ),
    "a click with nowhere to answer": (_payload(response_url=None), FORM),
    "a message ts as a number": (_payload(container="x", message={"ts": 5}), FORM),
    "a prompting button without its label": (
        _payload(
            actions=[{"action_id": "sre-ask:0", "value": '{"command": "sre x", "prompt": "Why?"}'}]
        ),
        FORM,
    ),
}


def _headers(body: str, *, signed: bool, content_type: str) -> dict[str, str]:
    if signed:
        return signed_headers(body, content_type=content_type)
    return {"content-type": content_type}


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_body_is_400_through_the_lambda_handler(
    aws: dict[str, str], case: str, signed: bool
) -> None:
    body, content_type = MALFORMED[case]
    body = body.encode("utf-8", "surrogateescape").decode("latin-1") if "\udcff" in body else body
    response = post_slack(body, _headers(body, signed=signed, content_type=content_type))
    assert response["statusCode"] == 400, response
    assert json.loads(response["body"]) == {"error": "the body is not a Slack payload"}


def test_a_rest_api_event_is_admitted_as_the_http_apis_are(aws: dict[str, str]) -> None:
    # GIVEN powertools' recorded REST API (payload v1) event, its method where bolt reads it
    event = copy.deepcopy(load("aws/apiGatewayProxyEvent.json"))
    body = slash_command_body("help") + "&authorizations=x"
    event.update(httpMethod="POST", body=body, headers=signed_headers(body))
    event["requestContext"]["httpMethod"] = "POST"
    # WHEN bolt would read it through that route
    response = aws_slack.handler(event, LambdaContext())
    # THEN admission refuses it there too
    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == {"error": "the body is not a Slack payload"}


def test_a_body_marked_base64_that_is_not_is_400(aws: dict[str, str]) -> None:
    body = slash_command_body("help")
    event = http_api_event("abc", signed_headers(body), "/slack/events")  # padding missing
    event["isBase64Encoded"] = True
    response = aws_slack.handler(event, LambdaContext())
    assert response["statusCode"] == 400


def test_a_rest_api_events_timestamp_is_checked_however_its_header_is_cased(
    aws: dict[str, str],
) -> None:
    event = copy.deepcopy(load("aws/apiGatewayProxyEvent.json"))
    body = slash_command_body("help")
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": "soon"}
    event.update(httpMethod="POST", body=body, headers=headers)
    event["requestContext"]["httpMethod"] = "POST"
    response = aws_slack.handler(event, LambdaContext())
    assert response["statusCode"] == 400
    assert "X-Slack-Request-Timestamp" in response["body"]


def test_a_body_bolt_cannot_read_is_logged_with_what_bolt_raised(
    aws: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    # a bolt that could read no request (after an upgrade) shows in the log, not only as 400s
    body = slash_command_body("help") + "&authorizations=x"
    assert post_slack(body, signed_headers(body))["statusCode"] == 400
    (line,) = [r.getMessage() for r in caplog.records if r.name == "autosre.slack.admission"]
    assert "bolt cannot read it: AttributeError(" in line


@pytest.mark.parametrize(
    ("change", "status"),
    [
        # no OAuth: no page to show, before any body is read (in OAuth mode a body is 400)
        ({"body": "payload=" + "%5B" * 100_000}, 404),
        ({}, 404),
    ],
    ids=["with a body", "without"],
)
def test_a_get_is_answered_without_bolt_reading_a_body(
    aws: dict[str, str], change: dict[str, str], status: int
) -> None:
    event = http_api_event("", {}, "/slack/events")
    event["requestContext"]["http"]["method"] = "GET"
    event.update({"body": None, **change})
    assert aws_slack.handler(event, LambdaContext())["statusCode"] == status


@pytest.mark.parametrize(
    ("change", "status"),
    [({"requestContext": None}, 404), ({"body": {"text": "help"}}, 400)],
    ids=["no request context", "a body that is not text"],
)
def test_a_direct_invocations_odd_event_is_answered_not_raised(
    aws: dict[str, str], change: dict[str, Any], status: int
) -> None:
    event = http_api_event("", {}, "/slack/events")
    event.update(change)
    assert aws_slack.handler(event, LambdaContext())["statusCode"] == status


def _timestamped(body: str, timestamp: str) -> dict[str, str]:
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=timestamp, body=body)
    return {
        "content-type": FORM,
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature or "",
    }


def test_a_non_numeric_timestamp_is_400_even_when_the_signature_covers_it(
    aws: dict[str, str],
) -> None:
    body = slash_command_body("team create payments")
    response = post_slack(body, _timestamped(body, "soon"))
    assert response["statusCode"] == 400
    assert "X-Slack-Request-Timestamp" in response["body"]


def _non_ascii_signed(body: str) -> dict[str, str]:
    """A fresh timestamp and a signature no secret makes: hex digests are ASCII, this is not
    (bolt's `hmac.compare_digest` raises on it)."""
    return {**signed_headers(body), "x-slack-signature": "v0=\u00e9"}


def test_a_non_ascii_signature_is_401_not_an_error(
    aws: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    body = slash_command_body("whoami")
    response = post_slack(body, _non_ascii_signed(body))
    # before: 200 "Something went wrong" and a traceback logged, at will for anyone
    assert response["statusCode"] == 401, response
    assert json.loads(response["body"]) == {"error": "invalid request"}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("size", [1_100_000, 10_000_000])
def test_a_body_over_slacks_limit_is_413_and_never_logged(
    aws: dict[str, str], caplog: pytest.LogCaptureFixture, size: int
) -> None:
    caplog.set_level(logging.DEBUG)
    body = "payload=" + "x" * size
    response = post_slack(body, {"content-type": FORM})
    assert response["statusCode"] == 413
    assert "x" * 1000 not in caplog.text


def test_an_unsigned_body_is_logged_short_and_on_one_line(
    aws: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a forged slash command whose text forges a log line and fills 500 KB
    caplog.set_level(logging.DEBUG)
    forged = "hi\n2026-11-30 INFO autosre.bus org admin granted to U0EVIL\n" + "y" * 500_000
    body = slash_command_body(forged).replace("%0A", "\n")
    # WHEN it is posted with a wrong signature
    response = post_slack(body, signed_headers(body, secret="not-the-secret"))
    # THEN it is refused, and what bolt logged of it is short and has no line break
    assert response["statusCode"] == 401
    assert any("signature" in record.getMessage() for record in caplog.records)  # bolt's own
    for record in caplog.records:
        message = record.getMessage()
        assert "\n" not in message
        assert len(message) < 400
    assert "y" * 1000 not in caplog.text


@pytest.mark.parametrize(
    "text",
    [
        "c postgres://admin:PgLeak77x@db.internal/x",
        "c the root password is PgLeak77x",
        "investigation comment inv-1 db password=PgLeak77x",
        "c Authorization: Bearer PgLeak77x",
    ],
)
def test_a_late_requests_secrets_are_masked_in_what_bolt_logs_of_it(
    aws: dict[str, str], caplog: pytest.LogCaptureFixture, text: str
) -> None:
    # GIVEN a signed slash command delivered 400 s late (clock skew, a retry), its secret
    # percent-encoded in the form body as Slack sends it
    caplog.set_level(logging.DEBUG)
    body = slash_command_body(text)
    timestamp = str(int(time.time()) - 400)
    response = post_slack(body, _timestamped(body, timestamp))
    # THEN it is refused, and bolt's line about it has the body decoded and the secret masked
    assert response["statusCode"] == 401
    logged = [r.getMessage() for r in caplog.records if "signature" in r.getMessage()]
    assert logged, caplog.text
    assert "PgLeak77x" not in caplog.text
    assert "***" in " ".join(logged)


def test_bolts_debug_lines_are_logged_short_when_the_service_logs_at_debug(
    aws: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN the service's logger at DEBUG (POWERTOOLS_LOG_LEVEL=DEBUG) before the first request
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="autosre")
    # WHEN a forged slash command of 500 KB is posted
    body = slash_command_body("x" * 500_000)
    response = post_slack(body, signed_headers(body, secret="not-the-secret"))
    # THEN bolt's own debug lines are logged, each short
    assert response["statusCode"] == 401
    bolts = [r for r in caplog.records if r.name.startswith("autosre.slack.bolt")]
    assert any(record.levelno == logging.DEBUG for record in bolts)
    assert all(len(record.getMessage()) < 400 for record in bolts)
    assert "x" * 1000 not in caplog.text


@pytest.mark.parametrize("service", ["autosre", "autosre-slack"])
def test_a_slack_request_leaves_the_powertools_logger_as_configured(
    aws: dict[str, str], service: str
) -> None:
    # GIVEN the functions' Powertools logger at INFO (POWERTOOLS_LOG_LEVEL in serverless.yml),
    # named after the service (Powertools names it so: serverless.yml's name, or a function's)
    powertools = logging.getLogger(service)
    level, filters = powertools.level, list(powertools.filters)
    powertools.setLevel(logging.INFO)
    try:
        # WHEN a signed slash command is answered
        body = slash_command_body("help")
        assert post_slack(body, signed_headers(body))["statusCode"] == 200
        # THEN bolt has not reconfigured it (it configures the logger named after its app on
        # every request: the app is not named after the service)
        assert powertools.level == logging.INFO
        assert powertools.filters == filters
    finally:
        powertools.setLevel(level)


def test_a_signed_command_with_a_megabyte_word_gets_a_short_usage_error(
    aws: dict[str, str],
) -> None:
    body = slash_command_body("x" * 1_000_000, trigger_id="1.1.megabyte")
    response = post_slack(body, signed_headers(body))
    assert response["statusCode"] == 200
    answer = json.loads(response["body"])
    assert answer["response_type"] == "ephemeral"
    assert "the most I read is 4,000" in json.dumps(answer)
    assert len(response["body"]) < 2_000


TEAMS_APP_ID = "00000000-0000-0000-0000-00000000a99"
"""Teams is on: without an app id it is not served at all (401, or 404 from `sre serve`)."""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`sre serve`'s WSGI app on loopback."""
    settings = Settings(
        home=tmp_path,
        slack_signing_secret=SIGNING_SECRET,
        teams_app_id=TEAMS_APP_ID,
        org_admins=("slack:T111:W111",),
    )
    services = for_local(settings, notifier=SurfaceNotifier(settings))
    server = make_server("127.0.0.1", 0, application(services))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _status(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("case", [c for c in MALFORMED if c != "not UTF-8"])
def test_a_malformed_body_is_400_through_sre_serve(served: str, case: str, signed: bool) -> None:
    body, content_type = MALFORMED[case]
    headers = _headers(body, signed=signed, content_type=content_type)
    status, answer = _status(f"{served}/slack/events", body.encode(), headers)
    assert status == 400
    assert json.loads(answer) == {"error": "the body is not a Slack payload"}


def _declared(url: str, path: str, length: str) -> int:
    """The status answered to a request that announces `length` bytes and sends none yet."""
    connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=10)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", FORM)
    connection.putheader("Content-Length", length)
    connection.endheaders()
    status = connection.getresponse().status
    connection.close()
    return status


def test_sre_serve_refuses_oversized_bodies_before_reading_them(served: str) -> None:
    assert _declared(served, "/slack/events", "10000000") == 413
    assert _declared(served, "/api/messages", "10000000") == 413


@pytest.mark.parametrize("length", ["-1", "abc", "1e3", "\u00b2"])
@pytest.mark.parametrize("path", ["/slack/events", "/api/messages"])
def test_sre_serve_refuses_a_length_that_is_no_count_of_bytes_before_reading(
    served: str, path: str, length: str
) -> None:
    # a negative length would read until the client hangs up, with no limit on its size
    assert _declared(served, path, length) == 400


def test_sre_serve_refuses_bad_timestamps_and_large_activities(served: str) -> None:
    body = slash_command_body("team create payments")
    assert _status(f"{served}/slack/events", body.encode(), _timestamped(body, "1e9"))[0] == 400
    forged = _status(f"{served}/slack/events", body.encode(), _non_ascii_signed(body))
    assert forged == (401, b'{"error": "invalid request"}')
    activity = json.dumps({**load("teams/message_activity.json"), "text": "x" * 300_000})
    teams = {"content-type": "application/json"}
    assert _status(f"{served}/api/messages", activity.encode(), teams)[0] == 413


@pytest.mark.parametrize(
    "body",
    ["[1, 2]", "null", "[" * 100_000, '{"type": "message", "serviceUrl": 5}'],
    ids=["array", "null", "nested 100,000 deep", "serviceUrl a number"],
)
def test_a_malformed_teams_activity_is_400_through_sre_serve(served: str, body: str) -> None:
    status, _ = _status(
        f"{served}/api/messages", body.encode(), {"content-type": "application/json"}
    )
    assert status == 400


def _activity(**changes: Any) -> str:
    """The recorded Teams message activity, with `changes` applied."""
    return json.dumps({**message_activity(), **changes})


@pytest.mark.parametrize(
    "body",
    [
        _activity(**{"from": "mallory"}),
        _activity(conversation={"id": 5}),
        _activity(text=["team", "create"]),
        _activity(serviceUrl=None),
        json.dumps([load("teams/message_activity.json")]),
        _activity(channelData={"tenant": "contoso"}),
        _activity(channelData={"tenant": ["contoso"]}),
        _activity(recipient=None),
        _activity(entities=[{"type": "mention", "mentioned": "mallory", "text": "<at>m</at>"}]),
        _activity(entities=[{"type": "mention", "mentioned": {"name": "no id"}}]),
        _activity(entities=[{"type": "mention"}]),
    ],
    ids=[
        "from a string",
        "conversation id a number",
        "text a list",
        "no serviceUrl",
        "array",
        "tenant a string",
        "tenant a list",
        "no recipient",
        "mentioned a string",
        "mentioned without an id",
        "a mention of nobody",
    ],
)
def test_a_wrongly_typed_teams_activity_is_400_before_the_bot_sees_it(
    tmp_path: Path, body: str
) -> None:
    endpoint = TeamsEndpoint(
        Settings(home=tmp_path, teams_app_id=TEAMS_APP_ID),
        lambda: pytest.fail("the bus was reached"),
    )
    status, answer = endpoint.process(body, "")
    assert status == 400
    assert answer == {"error": "the body is not a Bot Framework activity"}


def test_a_teams_activity_over_the_bot_connectors_limit_is_413(tmp_path: Path) -> None:
    endpoint = TeamsEndpoint(
        Settings(home=tmp_path, teams_app_id=TEAMS_APP_ID),
        lambda: pytest.fail("the bus was reached"),
    )
    status, _ = endpoint.process(_activity(text="x" * 262_144), "")
    assert status == 413


@pytest.fixture
def impatient(tmp_path: Path) -> Iterator[str]:
    """`sre serve`'s own server and app, cutting off a client silent for half a second."""
    settings = Settings(
        home=tmp_path, slack_signing_secret=SIGNING_SECRET, teams_app_id=TEAMS_APP_ID
    )
    server = listening("127.0.0.1", 0, silent=0.5, whole=5)
    server.set_app(application(for_local(settings, notifier=SurfaceNotifier(settings))))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", ["/slack/events", "/api/messages"])
def test_sre_serve_answers_a_body_that_stops_short_with_408_and_no_trace(
    impatient: str, path: str, capfd: pytest.CaptureFixture[str]
) -> None:
    # WHEN a client declares 100 bytes, sends 1 and goes silent
    connection = http.client.HTTPConnection(impatient, timeout=10)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", FORM)
    connection.putheader("Content-Length", "100")
    connection.endheaders(b"x")
    response = connection.getresponse()
    # THEN it is answered 408, saying why (before: 500 and a traceback on the terminal)
    assert response.status == 408
    assert "did not arrive whole" in json.loads(response.read())["error"]
    connection.close()
    assert "Traceback" not in capfd.readouterr().err
