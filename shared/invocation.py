"""What a surface hands the bus: who typed what, where, and where the answer goes."""

from __future__ import annotations

import os
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.identity.models import Actor, OrgId, Platform


def new_correlation_id() -> str:
    """A fresh correlation id: 12 hex characters, 48 random bits (as many as the first 12 of a
    UUID4's, without building one: it is made on every request)."""
    return os.urandom(6).hex()


class ReplyTarget(BaseModel):
    """Where a later answer goes: a Slack response URL or thread, a Teams conversation."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    platform: Platform
    channel: str | None = None
    thread: str | None = None
    response_url: str | None = None
    conversation: dict[str, object] | None = None
    """A Teams conversation reference, as Bot Framework serialises it."""
    message: str | None = None
    """A posted message (Slack `ts`, Teams activity id), so it can be updated in place."""
    org: OrgId | None = None
    """The org it is in: a Slack app installed by OAuth posts there with that org's token."""


class Invocation(BaseModel):
    """A command as typed on one surface, with the caller and the reply target."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    actor: Actor
    channel: str | None
    text: str
    correlation_id: str
    delivery_id: str | None = None
    """The platform's id of this delivery: a retry carries the same one."""
    platform_retries: bool = True
    """Whether the platform may deliver it again (Slack's Events API, a queue): a command that
    changes nothing then still runs once per delivery, its answer posted once. A slash command
    is never delivered twice (its answer is the response): such a command just runs."""
    received_at: datetime
    reply_to: ReplyTarget
    names: dict[str, str] = Field(default_factory=dict)
    """The display names of the people the text mentions, by id, where the platform sends them
    (Teams), so a reply can mention them by name."""
    channel_name: str = ""
    """The name of the channel typed in, where the platform sends it with the message (Teams),
    so a reply names it rather than showing its conversation id."""


class DeferredCommand(BaseModel):
    """A slow command accepted by the bus, to be run by the worker and answered at `reply_to`."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    invocation: Invocation
    command: str
    """The canonical text of the command."""
    team: str | None
