"""What a Bot Framework activity must be before the bot reads it: small enough, a JSON object
with the fields every activity carries, of the types the Bot Framework gives them. Anything else
is refused with 400 (413 if too large), authenticated or not."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

MAX_ACTIVITY_BYTES = 256 * 1024
"""The largest activity read: the Bot Connector refuses larger ones ("MessageSizeTooBig: The
request content length exceeded limit of 262144 bytes",
https://github.com/microsoft/botframework-sdk/issues/6669), so a bigger body is not from it."""


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True, frozen=True, populate_by_name=True)


class _Account(_Loose):
    id: str


class _ChannelData(_Loose):
    """Teams' own fields, as the bot reads them: the tenant, and the channel's name."""

    tenant: _Account | None = None
    channel: dict[str, Any] | None = None


class _Entity(_Loose):
    type: str
    mentioned: _Account | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _mention(self) -> _Entity:
        if self.type == "mention" and self.mentioned is None:
            raise ValueError("a mention names who it mentions")
        return self


class _Activity(_Loose):
    type: str
    service_url: str = Field(alias="serviceUrl")
    sender: _Account = Field(alias="from")
    recipient: _Account
    conversation: _Account
    text: str | None = None
    channel_data: _ChannelData | None = Field(default=None, alias="channelData")
    entities: list[_Entity] | None = None


def refusal(body: str | bytes) -> tuple[int, dict[str, str]] | None:
    """Why this body cannot be a Bot Framework activity (status, answer); None if it can be."""
    if len(body) > MAX_ACTIVITY_BYTES:
        return 413, {"error": f"the body is over {MAX_ACTIVITY_BYTES // 1024} KiB"}
    try:
        payload = json.loads(body)
        _Activity.model_validate(payload)
    except (ValueError, RecursionError, ValidationError):  # JSONDecodeError is a ValueError
        return 400, {"error": "the body is not a Bot Framework activity"}
    return None
