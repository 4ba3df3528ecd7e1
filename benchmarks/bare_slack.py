"""The baseline: a minimal bolt app on the same Lambda adapter, answering /sre with an ack."""

from __future__ import annotations

import os
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult


def _authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
    return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token="xoxb-bench")


app = App(
    process_before_response=True,
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    authorize=_authorize,
    token_verification_enabled=False,
)


@app.command("/sre")
def on_sre(ack: Ack) -> None:
    ack("ok")


slack = SlackRequestHandler(app)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response: dict[str, Any] = slack.handle(event, context)
    return response
