"""Post a deferred command's result to Slack: in its thread or channel, else the response URL."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from bots.slack.render import posted
from shared.errors import UnavailableError
from shared.invocation import ReplyTarget
from shared.replies import Image, Reply

log = logging.getLogger("autosre.slack")
READY_WAITS = (0.0, 0.25, 0.5, 1.0, 2.0)
"""Seconds before each look at an uploaded file: Slack finishes an upload after answering, and
refuses a block naming a file it has not processed yet (`invalid_blocks`)."""
NOT_A_MEMBER = ("not_in_channel", "channel_not_found")
"""What `chat.postMessage` answers where the bot is not a member (a channel it was never added to,
a direct message between people): the command's `response_url` still reaches it."""
ADD_ME = (
    "Add me to the channel with `/invite @Auto SRE` (in a direct message, use a channel I am in)."
)
INVITE = (
    "I am not a member of this conversation, so this came through the command itself and I "
    f"cannot follow up in a thread. {ADD_ME}"
)
NOT_POSTED = "I could not post this in {where} (Slack answered `{error}`), so it comes to you here."
NOT_POSTED_INVITE = (
    "I could not post this in {where}: I am not a member of that conversation, so it comes to you "
    f"here. {ADD_ME}"
)
NO_CHANNEL = "I could not tell which channel the button was in, so this comes to you here."
"""What a modal's answer says when it comes as a direct message: the command has taken effect
but its channel could not be told (a modal has no response URL)."""
_CHANNEL_ID = re.compile(r"[A-Z0-9]+")
POSTS = ("chat.postMessage", "chat.postEphemeral")
"""The calls that post a reply itself: when Slack refuses one, the reply did not go out."""


def respond(url: str, payload: dict[str, Any], *, response_type: str) -> None:
    """Answer at a command's `response_url` (valid 30 minutes, 5 times); raise if Slack refuses."""
    answer = WebhookClient(url).send(**payload, response_type=response_type)
    if answer.status_code >= 300:
        raise UnavailableError(
            f"Slack refused the command's response URL ({answer.status_code} {answer.body[:100]})"
        )


class SlackNotifier:
    """Delivers replies through the Web API (`chat.postMessage`, `chat.postEphemeral`)."""

    def __init__(self, client: WebClient, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = client
        self._sleep = sleep

    def _uploaded(self, reply: Reply) -> dict[str, str]:
        """Upload the reply's inline images (shared nowhere yet); their names' file ids, for
        those Slack has finished processing."""
        files: dict[str, str] = {}
        for image in (i for i in reply.images if i.inline):
            try:
                uploaded = self._client.files_upload_v2(
                    filename=image.name, title=image.title, content=image.png()
                )
                file_id = uploaded["file"]["id"]
                for wait in READY_WAITS:
                    self._sleep(wait)
                    if self._client.files_info(file=file_id)["file"].get("mimetype"):
                        files[image.name] = file_id
                        break
                else:
                    log.warning("Slack had not processed %s in time: sent without it", image.name)
            except SlackApiError as error:
                log.warning("could not upload %s: %s", image.name, error.response.get("error"))
        return files

    def _send(self, call: Callable[..., Any], reply: Reply, **where: Any) -> Any:
        """`call` with the reply's payload; if Slack refuses its image blocks, again without."""
        files = self._uploaded(reply)
        payload = posted(reply, files)
        try:
            return call(**where, **payload)
        except SlackApiError as error:
            if not files or error.response.get("error") != "invalid_blocks":
                raise
            log.warning("Slack refused the images' blocks: sent without them")
            return call(**where, **posted(reply))

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        """Post `reply` where `target` says; raise if Slack refuses it. Returns the posted
        message's place (its channel and `ts`) when it was posted with the Web API."""
        payload = posted(reply)
        if reply.ephemeral and target.response_url:
            respond(target.response_url, payload, response_type="ephemeral")
            return None
        if reply.ephemeral and target.channel and user:
            self._ephemeral(target.channel, target.thread, reply, user)
            return None
        if target.channel:
            try:
                return self._in_channel(target, reply)
            except SlackApiError as error:
                refused = str(error.response.get("error"))
                if refused not in NOT_A_MEMBER or not (target.response_url or user):
                    raise
                if user and not target.response_url:  # a modal's slow command: its user only
                    log.info("not a member of %s: told its user directly", target.channel)
                    self._tell_directly(user, reply, _not_posted(target.channel, refused))
                    return None
                log.info("not a member of %s: answered at the response URL", target.channel)
                note = {"type": "context", "elements": [{"type": "mrkdwn", "text": INVITE}]}
                payload["blocks"].append(note)
        if target.response_url:
            respond(target.response_url, payload, response_type="in_channel")
            return None
        raise ValueError("the reply has nowhere to go: no channel and no response URL")

    def _ephemeral(self, channel: str, thread: str | None, reply: Reply, user: str) -> None:
        """`reply` for `user` alone in `channel` (or its `thread`); where the bot is not a
        member, to them directly."""
        try:
            self._client.chat_postEphemeral(
                channel=channel, user=user, thread_ts=thread, **posted(reply)
            )
        except SlackApiError as error:
            refused = str(error.response.get("error"))
            if refused not in NOT_A_MEMBER:
                raise
            self._tell_directly(user, reply, _not_posted(channel, refused))

    def answer(self, target: ReplyTarget, reply: Reply, *, user: str) -> None:
        """A modal's answer, where its button was clicked; if Slack refuses that post (the
        command has already taken effect), to `user` directly, saying why; logged if that is
        refused too. A modal has no response URL to fall back on."""
        if not target.channel:
            self._tell_directly(user, reply, NO_CHANNEL)
            return
        try:
            self.post(target, reply, user=user)
        except SlackApiError as error:
            if not str(error.response.api_url).endswith(POSTS):  # posted; its images were not
                raise
            refused = str(error.response.get("error"))
            log.info(
                "a modal's answer was refused in %s (%s): told its user", target.channel, refused
            )
            self._tell_directly(user, reply, _not_posted(target.channel, refused))

    def _tell_directly(self, user: str, reply: Reply, note: str) -> None:
        """`reply` with `note` in the app's direct messages with `user` (without its images)."""
        payload = posted(reply)
        payload["blocks"].append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}
        )
        try:
            self._client.chat_postMessage(channel=user, **payload)
        except SlackApiError as error:
            log.warning("could not tell %s directly either: %s", user, error.response.get("error"))

    def _in_channel(self, target: ReplyTarget, reply: Reply) -> ReplyTarget:
        """`chat.postMessage` in the target's channel or thread, then its other images in the
        message's thread; where the message now is."""
        posted = self._send(
            self._client.chat_postMessage, reply, channel=target.channel, thread_ts=target.thread
        )
        thread = target.thread or posted.get("ts")
        for image in (i for i in reply.images if not i.inline):  # in the message's thread
            self._attach(target, thread, image)
        return target.model_copy(update={"message": posted.get("ts")})

    def _attach(self, target: ReplyTarget, thread: str | None, image: Image) -> None:
        """Upload `image` into the posted message's thread. A refusal is logged, not raised: the
        message is out, and a retried delivery would post it again (once per SQS delivery)."""
        try:
            self._client.files_upload_v2(
                channel=target.channel,
                thread_ts=thread,
                filename=image.name,
                title=image.title,
                content=image.png(),
            )
        except (SlackApiError, SlackClientError) as error:
            log.warning(
                "the chart was not uploaded: its message is posted",
                extra={"image": image.name, "error": str(error)[:300]},
            )

    def update(self, target: ReplyTarget, reply: Reply) -> None:
        """Replace the message at `target` (`chat.update`); raise if Slack refuses it."""
        if not (target.channel and target.message):
            raise ValueError("no message to update: a channel and a message ts are needed")
        self._send(self._client.chat_update, reply, channel=target.channel, ts=target.message)


def _not_posted(channel: str | None, error: str) -> str:
    """Why a modal's answer comes as a direct message, and for a channel without the bot, how to
    add it (as a command's answer through its response URL says, `INVITE`)."""
    where = f"<#{channel}>" if channel and _CHANNEL_ID.fullmatch(channel) else "the channel"
    if error in NOT_A_MEMBER:
        return NOT_POSTED_INVITE.format(where=where)
    return NOT_POSTED.format(where=where, error=error)
