"""The baseline: a minimal bolt app on the same Lambda adapter, answering /sre with an ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_bolt.adapter.aws_lambda import SlackRequestHandler

from benchmarks.bolt_minimal import minimal_app

app = minimal_app()


@app.command("/sre")
def on_sre(ack: Ack) -> None:
    ack("ok")


slack = SlackRequestHandler(app)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response: dict[str, Any] = slack.handle(event, context)
    return response
