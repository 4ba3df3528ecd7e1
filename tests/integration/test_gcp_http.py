"""The Cloud Functions entry points through functions-framework's own test client."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from functions_framework import create_app

from handlers import gcp_http
from tests.fakes.bot_framework import bot_framework_keys, configure_teams
from tests.fakes.http_capture import capture_server
from tests.support.payloads import SIGNING_SECRET, load, signed_headers, slash_command_body

SOURCE = str(Path(gcp_http.__file__))


@pytest.fixture
def local_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("AUTOSRE_BACKEND", "local")
    monkeypatch.setenv("AUTOSRE_ALLOW_EPHEMERAL_STATE", "true")  # a trial: state in tmp_path
    monkeypatch.setenv("AUTOSRE_HOME", str(tmp_path))
    monkeypatch.setenv("AUTOSRE_ORG_ADMINS", "slack:T111:W111,teams:REDACTED:REDACTED")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    for cached in (gcp_http.services, gcp_http.slack, gcp_http.teams):
        cached.cache_clear()
    yield
    for cached in (gcp_http.services, gcp_http.slack, gcp_http.teams):
        cached.cache_clear()


def test_a_signed_slash_command_through_the_slack_function(local_env: None) -> None:
    client = create_app(target="slack_events", source=SOURCE).test_client()
    body = slash_command_body("team create payments")
    response = client.post("/", data=body, headers=signed_headers(body))
    assert response.status_code == 200
    assert "Team payments created" in json.dumps(response.get_json())
    forged = client.post("/", data=body, headers=signed_headers(body, secret="wrong"))
    assert forged.status_code == 401
    unlike = {**signed_headers(body), "X-Slack-Signature": "v0=\u00e9"}  # no hex digest
    assert client.post("/", data=body, headers=unlike).status_code == 401
    garbage = "payload=%7Bnot-json"
    assert client.post("/", data=garbage, headers=signed_headers(garbage)).status_code == 400


def test_slack_without_a_signing_secret_is_refused_and_nothing_happens(
    local_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    client = create_app(target="slack_events", source=SOURCE).test_client()
    body = slash_command_body("team create payments")
    for secret in (SIGNING_SECRET, "anything"):
        assert (
            client.post("/", data=body, headers=signed_headers(body, secret=secret)).status_code
            == 401
        )
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    client = create_app(target="slack_events", source=SOURCE).test_client()  # a fresh instance
    listed = slash_command_body("team list")
    answer = client.post("/", data=listed, headers=signed_headers(listed))
    assert answer.get_json()["text"] == "No teams yet"


def test_the_recorded_teams_activity_through_the_teams_function(
    local_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with capture_server({"id": "r1"}) as connector, bot_framework_keys() as keys:
        configure_teams(monkeypatch, keys)
        activity = copy.deepcopy(load("teams/message_activity.json"))
        activity.update(serviceUrl=connector.url, text="<at>Custom Agent</at> whoami")
        client = create_app(target="teams_messages", source=SOURCE).test_client()
        assert client.post("/", json=activity).status_code == 401  # unsigned
        signed = {"Authorization": keys.token(connector.url)}
        response = client.post("/", json=activity, headers=signed)
        assert response.status_code == 200
        (request,) = connector.requests
        card = request.body["attachments"][0]["content"]
        assert card["body"][0]["text"] == "Who you are"
        assert client.post("/", data="{broken", content_type="application/json").status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        "payload=null",
        "payload=%5B1%2C2%5D",
        "payload=" + "%5B" * 100_000,
        "hello=world",
        slash_command_body("help") + "&authorizations=x",  # bolt indexes it before any check
    ],
)
def test_a_malformed_slack_body_is_400_through_the_slack_function(
    local_env: None, body: str
) -> None:
    client = create_app(target="slack_events", source=SOURCE).test_client()
    for headers in (signed_headers(body), {"Content-Type": "application/x-www-form-urlencoded"}):
        assert client.post("/", data=body, headers=headers).status_code == 400


def test_a_slack_body_over_the_limit_is_413_through_the_slack_function(local_env: None) -> None:
    client = create_app(target="slack_events", source=SOURCE).test_client()
    body = "payload=" + "x" * 2_000_000
    assert client.post("/", data=body, headers=signed_headers(body)).status_code == 413


def test_a_refused_configuration_is_said_in_one_line_without_the_key(
    local_env: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a function whose model has its key but no endpoint
    monkeypatch.setenv("AUTOSRE_MODEL", "openai:llama")
    monkeypatch.setenv("AUTOSRE_MODEL_API_KEY", "sk-TOPSECRET-123")
    client = create_app(target="slack_events", source=SOURCE).test_client()
    body = slash_command_body("team create payments")
    # WHEN Slack posts to it
    response = client.post("/", data=body, headers=signed_headers(body))
    # THEN it is not served (not taken for a malformed request), saying what is missing in one
    # line, and the key is neither answered nor logged
    assert response.status_code == 503
    said = response.get_json()["error"]
    assert "needs AUTOSRE_MODEL_URL" in said and "\n" not in said
    assert "sk-TOPSECRET-123" not in response.get_data(as_text=True) + caplog.text
