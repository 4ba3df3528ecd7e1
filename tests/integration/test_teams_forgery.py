"""The forged-Teams attack through the AWS handlers and `sre serve`: a Bot Framework activity whose
tenant and user ids are a Slack workspace's and its org admin's (`slack:T111:W111`)."""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import make_server

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bots.delivery import SurfaceNotifier
from bots.serve import application
from handlers import aws_runtime, aws_slack, aws_teams
from shared.bootstrap.local import for_local
from shared.config import Settings
from tests.fakes.bot_framework import (
    APP_ID,
    BotFrameworkKeys,
    bot_framework_keys,
    configure_teams,
)
from tests.fakes.http_capture import CaptureServer, capture_server
from tests.support.handlers import post_slack, post_teams
from tests.support.payloads import (
    SIGNING_SECRET,
    LambdaContext,
    http_api_event,
    message_activity,
    signed_headers,
    slash_command_body,
)

SLACK_WORKSPACE, SLACK_ADMIN = "T111", "W111"
"""The workspace and org admin of bolt's recorded slash command (configured `slack:T111:W111`)."""


@pytest.fixture
def intranet() -> Iterator[CaptureServer]:
    """A service inside the network that a forged serviceUrl points the bot at."""
    with capture_server({"id": "internal"}) as server:
        yield server


def _forged(service_url: str, text: str) -> dict[str, Any]:
    """The recorded Teams activity, its tenant and sender renamed after the Slack org admin."""
    activity = message_activity(service_url, text)
    activity["conversation"]["tenantId"] = SLACK_WORKSPACE
    activity["channelData"]["tenant"]["id"] = SLACK_WORKSPACE
    activity["from"]["aadObjectId"] = SLACK_ADMIN
    return activity


def _teams_on_aws(activity: dict[str, Any], authorization: str | None = None) -> int:
    headers = {"content-type": "application/json"}
    if authorization is not None:
        headers["authorization"] = authorization
    return int(post_teams(json.dumps(activity), headers)["statusCode"])


def _slack_on_aws(command: str) -> str:
    """What the Slack org admin sees for `/sre <command>` (a signed request)."""
    body = slash_command_body(command)
    response = post_slack(body, signed_headers(body))
    assert response["statusCode"] == 200
    return str(response["body"])


def _fresh_handlers() -> None:
    for cached in (aws_runtime.settings, aws_runtime.services, aws_teams.teams, aws_slack.slack):
        cached.cache_clear()


def test_on_aws_without_an_app_id_a_forged_activity_is_401_and_nothing_reaches_its_service_url(
    aws: dict[str, str], intranet: CaptureServer
) -> None:
    # GIVEN the AWS deployment with Slack configured and TEAMS_APP_ID empty
    _fresh_handlers()
    # WHEN the forged activities try to create a team and grant a role, with and without a token
    forged = _forged(intranet.url, "team create stolen")
    assert _teams_on_aws(forged) == 401
    assert _teams_on_aws(_forged(intranet.url, "org grant mallory auditor"), "Bearer x.y.z") == 401
    # THEN nothing was posted to the serviceUrl the body named, and nothing changed in the org
    assert intranet.requests == []
    assert "No teams yet" in _slack_on_aws("team list")


def test_on_aws_a_genuine_teams_tenant_named_like_a_slack_workspace_is_not_its_org_admin(
    aws: dict[str, str], intranet: CaptureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN Teams configured, and a tenant whose ids happen to be the Slack workspace's and
    # admin's (the token is genuine: the channel vouches for the activity and its serviceUrl)
    with bot_framework_keys() as keys:
        configure_teams(monkeypatch, keys)
        monkeypatch.setenv("TEAMS_ALLOWED_TENANTS", SLACK_WORKSPACE)
        _fresh_handlers()
        forged = _forged(intranet.url, "team create stolen")
        # WHEN its user asks to create a team
        assert _teams_on_aws(forged, keys.token(intranet.url)) == 200
    # THEN the Teams user is told they lack the org-admin role: they are teams:T111, not slack:T111
    (reply,) = intranet.requests
    card = reply.body["attachments"][0]["content"]
    assert "needs the org-admin role" in json.dumps(card)
    # AND the Slack org's directory is untouched
    assert "No teams yet" in _slack_on_aws("team list")


def test_on_aws_a_token_for_another_service_url_or_another_key_is_401_and_nothing_is_posted(
    aws: dict[str, str], intranet: CaptureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with bot_framework_keys() as keys:
        configure_teams(monkeypatch, keys)
        _fresh_handlers()
        activity = _forged(intranet.url, "whoami")
        # WHEN a genuine token issued for the real connector comes with a body naming another URL
        genuine_elsewhere = keys.token("https://smba.trafficmanager.net/emea/")
        assert _teams_on_aws(activity, genuine_elsewhere) == 401
        # AND when the token is signed by a key the metadata does not serve
        other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        assert _teams_on_aws(activity, keys.token(intranet.url, key=other_key)) == 401
        # AND when it is meant for another bot
        assert _teams_on_aws(activity, keys.token(intranet.url, audience="another-bot")) == 401
    # THEN the URL in the body was never posted to
    assert intranet.requests == []


def test_on_aws_slack_without_a_signing_secret_is_401(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the Slack function deployed without a signing secret
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    _fresh_handlers()
    # WHEN a slash command arrives, signed with whatever secret
    body = slash_command_body("team create stolen")
    event = http_api_event(body, signed_headers(body), "/slack/events")
    # THEN it is refused, not acknowledged as if it had run
    assert aws_slack.handler(event, LambdaContext())["statusCode"] == 401


def _serve(settings: Settings) -> tuple[str, Any]:
    services = for_local(settings, notifier=SurfaceNotifier(settings))
    server = make_server("127.0.0.1", 0, application(services))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def _http(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def _slack_served(base: str, command: str) -> str:
    body = slash_command_body(command)
    status, answer = _http(f"{base}/slack/events", body.encode(), signed_headers(body))
    assert status == 200
    return answer


def _teams_served(base: str, activity: dict[str, Any], authorization: str = "") -> int:
    headers = {"Content-Type": "application/json", "Authorization": authorization}
    return _http(f"{base}/api/messages", json.dumps(activity).encode(), headers)[0]


def test_sre_serve_without_an_app_id_does_not_serve_teams_and_says_why(
    tmp_path: Path, intranet: CaptureServer, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN `sre serve` with Slack configured and no TEAMS_APP_ID
    settings = Settings(
        home=tmp_path,
        slack_signing_secret=SIGNING_SECRET,
        org_admins=(f"slack:{SLACK_WORKSPACE}:{SLACK_ADMIN}",),
    )
    with caplog.at_level(logging.WARNING, logger="autosre.serve"):
        base, server = _serve(settings)
    try:
        # THEN the start-up warning says Teams is not served and why
        assert "not serving POST /api/messages: TEAMS_APP_ID is not set" in caplog.text
        # WHEN the forged activity is posted
        assert _teams_served(base, _forged(intranet.url, "team create stolen")) == 404
        # THEN nothing reached its serviceUrl and the Slack org has no such team
        assert intranet.requests == []
        assert "No teams yet" in _slack_served(base, "team list")
    finally:
        server.shutdown()


def test_sre_serve_with_teams_on_keeps_a_teams_tenant_apart_from_the_slack_org(
    tmp_path: Path, intranet: CaptureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with bot_framework_keys() as keys:
        configure_teams(monkeypatch, keys)  # the bot's own token for its reply
        # GIVEN `sre serve` with both surfaces on, Teams' keys served on loopback
        settings = Settings(
            home=tmp_path,
            slack_signing_secret=SIGNING_SECRET,
            org_admins=(f"slack:{SLACK_WORKSPACE}:{SLACK_ADMIN}",),
            teams_app_id=APP_ID,
            teams_openid_metadata_url=keys.metadata_url,
            teams_allowed_tenants=(SLACK_WORKSPACE,),
        )
        base, server = _serve(settings)
        try:
            _attack_through_serve(base, keys, intranet)
        finally:
            server.shutdown()


def _attack_through_serve(base: str, keys: BotFrameworkKeys, intranet: CaptureServer) -> None:
    activity = _forged(intranet.url, "team create stolen")
    # WHEN the activity comes unsigned, or signed for the real connector's URL: refused, unposted
    assert _teams_served(base, activity) == 401
    elsewhere = keys.token("https://smba.trafficmanager.net/emea/")
    assert _teams_served(base, activity, elsewhere) == 401
    assert intranet.requests == []
    # WHEN a genuine tenant named like the workspace asks: its user is not the org admin
    assert _teams_served(base, activity, keys.token(intranet.url)) == 200
    (reply,) = intranet.requests
    assert "needs the org-admin role" in json.dumps(reply.body)
    assert "No teams yet" in _slack_served(base, "team list")


def test_sre_serve_without_a_signing_secret_does_not_serve_slack_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="autosre.serve"):
        base, server = _serve(Settings(home=tmp_path, org_admins=("slack:T111:W111",)))
    try:
        assert "not serving POST /slack/events: SLACK_SIGNING_SECRET is not set" in caplog.text
        body = slash_command_body("team create stolen")
        status, answer = _http(f"{base}/slack/events", body.encode(), signed_headers(body))
        assert status == 404
        assert "SLACK_SIGNING_SECRET is not set" in answer
    finally:
        server.shutdown()
