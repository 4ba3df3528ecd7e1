"""What a request must be before bolt reads it: small enough, a numeric timestamp, and a body of
the shape Slack sends. Anything else is refused with 400 (413 if too large), signed or not.

bolt parses the body before it verifies the signature, and its listeners index into the payload:
`payload=null`, a JSON array, JSON nested 100,000 deep, `"user": 5` or a modal's broken
`private_metadata` would otherwise end as a stack trace (500) or as "something went wrong" (200).
The signature itself is still bolt's to verify.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from slack_bolt.context import BoltContext
from slack_bolt.request.internals import build_context, parse_body

from bots.slack.render import ANSWER, ASK, RUN
from shared.commands.free_text import shown

log = logging.getLogger("autosre.slack.admission")

MAX_BODY_BYTES = 1024 * 1024
"""The largest body read. Slack truncates a message's text at 40,000 characters
(https://api.slack.com/changelog/2018-04-truncating-really-long-messages). The largest request
that text makes is a mention's JSON: the text twice (as `text` and in its rich-text blocks), each
character at worst an escaped surrogate pair (`\\ud83d\\ude00`, 12 bytes): 960,000 bytes. A slash
command's form body is at most 40,000 characters of 4 bytes percent-encoded (12 bytes): 480,000.
Buttons and modals carry our own messages, far smaller. 1 MiB leaves room for the other fields."""


_SECONDS = re.compile(r"[0-9]{1,12}")


class Refusal(NamedTuple):
    """The HTTP answer to a request that is not one Slack would send."""

    status: int
    error: str

    def body(self) -> str:
        """The JSON body of the answer."""
        return json.dumps({"error": self.error})


def _texts(mapping: dict[str, Any], *keys: str) -> bool:
    return all(isinstance(mapping.get(key), str) for key in keys)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True, frozen=True)


class _Named(_Loose):
    """A team, user or channel as interactive payloads carry them."""

    id: str


class _Label(_Loose):
    text: str


class _Action(_Loose):
    action_id: str
    value: str | None = None
    text: _Label | None = None

    @model_validator(mode="after")
    def _prompt(self) -> _Action:
        if self.action_id.startswith(f"{ASK}:"):
            asked = json.loads(self.value or "")
            if not (isinstance(asked, dict) and _texts(asked, "command", "prompt")):
                raise ValueError("a prompting button carries its command and prompt")
            if self.text is None:
                raise ValueError("a prompting button has its label (the modal's title)")
        if self.action_id.startswith(f"{RUN}:") and self.value is None:
            raise ValueError("a button carries the command it runs")
        return self


class _Message(_Loose):
    ts: str | None = None
    thread_ts: str | None = None


class _Answer(_Loose):
    value: str | None = None


class _State(_Loose):
    values: dict[str, dict[str, _Answer]]


class _View(_Loose):
    id: str
    type: str
    private_metadata: str = ""
    state: _State | None = None

    @field_validator("private_metadata")
    @classmethod
    def _metadata(cls, value: str) -> str:
        if value and not isinstance(json.loads(value), dict):
            raise ValueError("private_metadata is a JSON object")
        return value


class _Event(_Loose):
    type: str
    user: str | None = None
    text: str | None = None
    channel: str | None = None
    ts: str | None = None
    thread_ts: str | None = None

    @model_validator(mode="after")
    def _mention(self) -> _Event:
        if self.type == "app_mention" and not (self.user and self.channel):
            raise ValueError("a mention names its user and channel")
        return self


class _Payload(_Loose):
    """The fields bolt and our listeners read, with the types Slack gives them."""

    type: str | None = None
    command: str | None = None
    team_id: str | None = None
    user_id: str | None = None
    text: str | None = None
    trigger_id: str | None = None
    team: _Named | None = None
    user: _Named | None = None
    channel: _Named | None = None
    message: _Message | None = None
    container: dict[str, Any] | None = None
    response_url: str | None = None
    event_id: str | None = None
    event: _Event | None = None
    actions: list[_Action] | None = Field(default=None, min_length=1)
    view: _View | None = None

    @model_validator(mode="after")
    def _complete(self) -> _Payload:
        if self.command is not None and not (self.team_id and self.user_id):
            raise ValueError("a slash command names its team and user")
        if self.type == "block_actions" and not (
            self.user and self.actions and self.trigger_id and self.response_url
        ):
            raise ValueError("a click names its user, action, trigger and where to answer")
        if self.type == "event_callback" and not (self.team_id and self.event):
            raise ValueError("an event names its workspace and what happened")
        if self.type == "view_submission":
            _check_answer(self)
        if self.type is None and self.command is None:
            raise ValueError("neither a command nor a typed payload")
        return self


def _check_answer(payload: _Payload) -> None:
    view = payload.view
    if payload.user is None or view is None or view.state is None:
        raise ValueError("a modal's answer names its user, view and state")
    metadata = json.loads(view.private_metadata or "{}")
    if not isinstance(metadata.get("command"), str):
        raise ValueError("a modal's private_metadata carries its command")
    if not all(isinstance(metadata.get(key), str | None) for key in ("channel", "thread")):
        raise ValueError("a modal's private_metadata names its channel and thread as text")
    if ANSWER not in view.state.values.get(ANSWER, {}):
        raise ValueError("a modal's answer has its text field")


NOT_SLACK = Refusal(400, "the body is not a Slack payload")
FORGED = Refusal(401, "invalid request")
"""A signature bolt would refuse, answered as bolt answers one (a hex digest is ASCII)."""
UNREADABLE = (ValueError, RecursionError, LookupError, AttributeError, TypeError)
"""What bolt raises in reading a body into its request, before it verifies the signature: JSON that
does not parse or is nested too deep, and fields not of Slack's types, which bolt indexes while it
reads the request's context (`authorizations=x` in a form, `{"enterprise": 5}`)."""


def unread_refusal(
    body: bytes | str, *, timestamp: str | None, signature: str | None = None
) -> Refusal | None:
    """Why this request is refused before its body is parsed (too large, a timestamp that is not
    a number, a signature no secret could make, not UTF-8); None to parse it."""
    if len(body) > MAX_BODY_BYTES:
        return Refusal(413, f"the body is over {MAX_BODY_BYTES // 1024} KiB")
    if timestamp is not None and not _SECONDS.fullmatch(timestamp):
        return Refusal(400, "X-Slack-Request-Timestamp is not a number")
    if signature is not None and not signature.isascii():  # bolt's compare_digest would raise
        return FORGED
    try:
        text = body.decode() if isinstance(body, bytes) else body
        if len(text.encode()) > MAX_BODY_BYTES:
            return Refusal(413, f"the body is over {MAX_BODY_BYTES // 1024} KiB")
    except ValueError:  # UnicodeDecodeError, UnicodeEncodeError (a lone surrogate)
        return NOT_SLACK
    return None


def unreadable(error: Exception) -> Refusal:
    """The refusal of a body bolt could not read, logged with what bolt raised (a bolt that
    could read no request at all, after an upgrade, shows here and in `SlackRefused` 400s)."""
    log.warning("Slack body refused, bolt cannot read it: %s", shown(repr(error), limit=200))
    return NOT_SLACK


def payload_refusal(parsed: object) -> Refusal | None:
    """Why a parsed body is not a payload of the shape Slack sends; None if it is."""
    if not isinstance(parsed, dict):
        return NOT_SLACK
    try:
        _Payload.model_validate(parsed)
    except (ValueError, RecursionError, ValidationError):  # a broken private_metadata's JSON
        return NOT_SLACK
    return None


def refusal(
    body: bytes | str,
    *,
    timestamp: str | None,
    content_type: str | None,
    signature: str | None,
) -> Refusal | None:
    """Why this request cannot be from Slack, before bolt reads it; None to hand it to bolt."""
    refused = unread_refusal(body, timestamp=timestamp, signature=signature)
    if refused:
        return refused
    try:
        parsed: object = parse_body(
            body.decode() if isinstance(body, bytes) else body, content_type
        )
        if isinstance(parsed, dict):
            build_context(BoltContext({}), parsed)  # as bolt reads it, before any check
    except UNREADABLE as error:
        return unreadable(error)
    return payload_refusal(parsed)
