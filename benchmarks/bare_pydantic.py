"""The bare bolt app with one pydantic model validated per request: the least a Slack function
costs once pydantic (the project's model library) is on the answer path at all."""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, ConfigDict
from slack_bolt import Ack, App
from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult


class Typed(BaseModel):
    """A slash command's text and caller, as the product's command models take them."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    text: str
    user_id: str


def _authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
    return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token="xoxb-bench")


app = App(
    process_before_response=True,
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    authorize=_authorize,
    token_verification_enabled=False,
)


@app.command("/sre")
def on_sre(ack: Ack, command: dict[str, Any]) -> None:
    typed = Typed.model_validate({"text": command["text"], "user_id": command["user_id"]})
    ack(typed.text or "ok")


slack = SlackRequestHandler(app)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response: dict[str, Any] = slack.handle(event, context)
    return response
