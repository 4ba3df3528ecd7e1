"""The payloads in ../shared/fixtures (written by others), loaded and signed for our tests."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from slack_sdk.signature import SignatureVerifier

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # Slack's documented example secret


def text(path: str) -> str:
    """A fixture file's text, exactly as stored."""
    return (FIXTURES / path).read_text()


def load(path: str) -> Any:
    """A JSON fixture."""
    return json.loads(text(path))


def slash_command_body(command_text: str, **overrides: str) -> str:
    """bolt's recorded slash command body, as `/sre <command_text>`."""
    fields = dict(parse_qsl(text("slack/slash_command_body.txt"), keep_blank_values=True))
    fields.update({"command": "/sre", "text": command_text, **overrides})
    return urlencode(fields)


def message_activity(service_url: str | None = None, text: str | None = None) -> dict[str, Any]:
    """The recorded Teams message activity (a copy), sent from `service_url` and saying
    `@Custom Agent <text>` where given."""
    activity: dict[str, Any] = copy.deepcopy(load("teams/message_activity.json"))
    if service_url is not None:
        activity["serviceUrl"] = service_url
    if text is not None:
        activity["text"] = f"<at>Custom Agent</at> {text}"
    return activity


def channel_activity(service_url: str, channel: str, thread: str, n: int, **fields: Any) -> Any:
    """The recorded activity numbered `n` in thread `thread` of Teams channel `channel` (its
    conversation id names the thread), with `fields` set (e.g. `text`, or `value` of a card)."""
    activity = message_activity(service_url)
    activity["id"] = f"17000000{n:05d}"
    activity["conversation"] = {
        "isGroup": True,
        "conversationType": "channel",
        "tenantId": "REDACTED",
        "id": f"19:{channel}@thread.tacv2;messageid={thread}",
    }
    return {**activity, **fields}


def app_mention_body(
    text: str,
    event_id: str,
    *,
    team: str = "T111",
    user: str = "W111",
    grid: str | None = None,
    org_wide: bool = False,
) -> str:
    """An Events API `app_mention` by `user` in C111 of workspace `team`: `@autosre <text>`; in
    Enterprise Grid org `grid` if named, the app installed org-wide if `org_wide`. Slack names the
    installation the event is for in `authorizations[0]` (its `team_id` null when org-wide)."""
    authorization = {
        "enterprise_id": grid,
        "team_id": None if org_wide else team,
        "user_id": "U0BOT",
        "is_bot": True,
        "is_enterprise_install": org_wide,
    }
    return json.dumps(
        {
            "token": "verification_token",
            "team_id": team,
            **({"enterprise_id": grid} if grid else {}),
            "api_app_id": "A111",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1700000000,
            "authorizations": [authorization],
            "is_ext_shared_channel": False,
            "event": {
                "type": "app_mention",
                "user": user,
                "text": f"<@U0BOT|autosre> {text}",
                "ts": "1700000000.000100",
                "team": team,
                "channel": "C111",
                "event_ts": "1700000000.000100",
            },
        }
    )


def signed_headers(
    body: str,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> dict[str, str]:
    """Headers Slack would send with `body`, signed now (or at `timestamp`)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature or "",
    }


def http_api_event(body: str, headers: dict[str, str], path: str) -> dict[str, Any]:
    """powertools' recorded API Gateway HTTP API (v2) event, as a POST of `body` to `path`."""
    event: dict[str, Any] = copy.deepcopy(load("aws/apiGatewayProxyV2Event.json"))
    event.update(
        {
            "rawPath": path,
            "rawQueryString": "",
            "routeKey": f"POST {path}",
            "headers": headers,
            "body": body,
            "isBase64Encoded": False,
        }
    )
    event.pop("queryStringParameters", None)
    event.pop("cookies", None)
    event["requestContext"]["http"].update({"method": "POST", "path": path})
    event["requestContext"]["routeKey"] = f"POST {path}"
    return event


class LambdaContext:
    """The attributes of a Lambda context that Powertools reads."""

    function_name = "autosre-test"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:autosre-test"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name = "/aws/lambda/autosre-test"
    log_stream_name = "2026/11/22/[$LATEST]abc"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000
