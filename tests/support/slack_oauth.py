"""OAuth mode on the AWS deployment (moto): the Slack function's install page and redirect,
as API Gateway delivers them, against a loopback Slack Web API."""

from __future__ import annotations

import copy
import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest

from handlers import aws_runtime, aws_slack
from shared.audit.models import ORG_STREAM, StreamKey
from shared.identity.models import OrgId
from tests.fakes.slack_api import SlackApi
from tests.support.handlers import post_slack
from tests.support.payloads import LambdaContext, load, signed_headers

CLIENT_ID = "1111.2222"
STATE_COOKIE = re.compile(r"slack-app-oauth-state=([^;]+)")


def oauth_mode(monkeypatch: pytest.MonkeyPatch, api: SlackApi) -> None:
    """Turn OAuth mode on (client id and secret set) with the Web API at `api`; fresh caches."""
    from bots.slack import oauth

    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "shh-client-secret")
    monkeypatch.setenv("SLACK_API_URL", api.url)
    for cached in (aws_runtime.settings, aws_runtime.services, aws_slack.slack):
        cached.cache_clear()
    oauth.installations.cache_clear()


def get(path: str, query: dict[str, str] | None = None, cookie: str = "") -> dict[str, Any]:
    """GET `path` on the Slack function, as API Gateway's HTTP API (v2) delivers it."""
    event: dict[str, Any] = copy.deepcopy(load("aws/apiGatewayProxyV2Event.json"))
    event.update(
        rawPath=path,
        rawQueryString=urlencode(query or {}),
        routeKey=f"GET {path}",
        headers={"user-agent": "Mozilla/5.0"},
        body=None,
        isBase64Encoded=False,
        cookies=[cookie] if cookie else [],
    )
    event["queryStringParameters"] = dict(query or {})
    event["requestContext"]["http"].update({"method": "GET", "path": path})
    event["requestContext"]["routeKey"] = f"GET {path}"
    response: dict[str, Any] = aws_slack.handler(event, LambdaContext())
    return response


def install_page() -> tuple[str, str]:
    """Open the install page as one browser: the state it sends to Slack and its state cookie."""
    page = get("/slack/install")
    assert page["statusCode"] == 200, page
    cookie = _state_cookie(page)
    state = STATE_COOKIE.search(cookie)
    assert state is not None, cookie
    return state.group(1), cookie


def installed(code: str) -> dict[str, Any]:
    """Open the install page, then come back to the redirect with `code` and the state Slack
    would send back (from the page's state cookie); the redirect's response."""
    state, cookie = install_page()
    return get("/slack/oauth_redirect", {"code": code, "state": state}, cookie)


def stored(team: str) -> bool:
    """Whether the installation store holds an installation of workspace `team`."""
    from bots.slack.oauth import installations

    store = installations(aws_runtime.settings())
    return store.find_installation(enterprise_id=None, team_id=team) is not None


def install_audited(org: str) -> bool:
    """Whether the trail of `org` (`slack:T…`) has an install entry."""
    stream = StreamKey(org=OrgId(org), team=ORG_STREAM)
    return any(r.command == "app install" for r in aws_runtime.services().audit.records(stream))


def _state_cookie(response: dict[str, Any]) -> str:
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    multi = {k.lower(): v for k, v in (response.get("multiValueHeaders") or {}).items()}
    found = headers.get("set-cookie") or next(iter(multi.get("set-cookie", [])), "")
    return str(found).split(";")[0]


def install_answer(
    team: str | None, token: str, *, enterprise: str | None = None, refresh: str | None = None
) -> dict[str, Any]:
    """oauth.v2.access's answer for a bot install into `team` (None: org-wide into `enterprise`)."""
    answer: dict[str, Any] = {
        "ok": True,
        "app_id": "A0APP",
        "authed_user": {"id": "U0INSTALLER"},
        "scope": "commands,app_mentions:read,chat:write,files:write,files:read",
        "token_type": "bot",
        "access_token": token,
        "bot_user_id": f"U0BOT{team or enterprise}",
        "team": {"id": team, "name": f"ws-{team}"} if team else None,
        "enterprise": {"id": enterprise, "name": "Grid"} if enterprise else None,
        "is_enterprise_install": team is None,
    }
    if refresh:
        answer.update(refresh_token=refresh, expires_in=60)  # expiring: rotated at first use
    return answer


def event_callback(event: dict[str, Any], *, team: str, event_id: str) -> dict[str, Any]:
    """`event` from workspace `team`, signed and sent as Slack's Events API sends it; the Slack
    function's response."""
    body = json.dumps(
        {
            "token": "verification_token",
            "team_id": team,
            "api_app_id": "A0APP",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1700000000,
            "event": event,
        }
    )
    return post_slack(body, signed_headers(body, content_type="application/json"))
