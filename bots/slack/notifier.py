"""Post a deferred command's result to Slack: in its thread or channel, else the response URL."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bots.slack.render import message
from shared.commands.invocation import ReplyTarget
from shared.replies import Reply


class SlackNotifier:
    """Delivers replies through the Web API (`chat.postMessage`, `chat.postEphemeral`)."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        """Post `reply` where `target` says; raise if Slack refuses it. Returns the posted
        message's place (its channel and `ts`) when it was posted with the Web API."""
        payload = message(reply)
        del payload["response_type"]
        if reply.ephemeral and target.response_url:
            WebhookClient(target.response_url).send(**payload, response_type="ephemeral")
            return None
        if reply.ephemeral and target.channel and user:
            self._client.chat_postEphemeral(channel=target.channel, user=user, **payload)
            return None
        if target.channel:
            posted = self._client.chat_postMessage(
                channel=target.channel, thread_ts=target.thread, **payload
            )
            thread = target.thread or posted.get("ts")
            for image in reply.images:  # the chart, in the message's thread
                self._client.files_upload_v2(
                    channel=target.channel,
                    thread_ts=thread,
                    filename=image.name,
                    title=image.title,
                    content=image.png(),
                )
            return target.model_copy(update={"message": posted.get("ts")})
        if target.response_url:
            WebhookClient(target.response_url).send(**payload, response_type="in_channel")
            return None
        raise ValueError("the reply has nowhere to go: no channel and no response URL")

    def update(self, target: ReplyTarget, reply: Reply) -> None:
        """Replace the message at `target` (`chat.update`); raise if Slack refuses it."""
        if not (target.channel and target.message):
            raise ValueError("no message to update: a channel and a message ts are needed")
        payload = message(reply)
        del payload["response_type"]
        self._client.chat_update(channel=target.channel, ts=target.message, **payload)
