"""The bare bolt app with one pydantic model validated per request: the least a Slack function
costs once pydantic (the project's model library) is on the answer path at all."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from slack_bolt import Ack
from slack_bolt.adapter.aws_lambda import SlackRequestHandler

from benchmarks.bolt_minimal import minimal_app


class Typed(BaseModel):
    """A slash command's text and caller, as the product's command models take them."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    text: str
    user_id: str


app = minimal_app()


@app.command("/sre")
def on_sre(ack: Ack, command: dict[str, Any]) -> None:
    typed = Typed.model_validate({"text": command["text"], "user_id": command["user_id"]})
    ack(typed.text or "ok")


slack = SlackRequestHandler(app)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response: dict[str, Any] = slack.handle(event, context)
    return response
