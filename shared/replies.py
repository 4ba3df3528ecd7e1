"""The neutral answer every surface renders: Block Kit, an Adaptive Card or terminal text."""

from __future__ import annotations

import base64
import shlex
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Tone(StrEnum):
    """What kind of answer it is; surfaces pick colours and icons from it."""

    OK = "ok"
    INFO = "info"
    ACCEPTED = "accepted"
    USAGE = "usage"
    DENIED = "denied"
    ERROR = "error"


class Button(BaseModel):
    """A button that runs a command when clicked (checked and audited like typed text)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    label: str
    command: str
    style: str = ""
    prompt: str = ""
    """If set, the button first asks for a line of text (a comment, a team), which is added to
    the command as its last argument."""

    def with_answer(self, text: str) -> str:
        """The command to run once the person answered the prompt with `text`."""
        # quoted as the command grammar splits words (like a shell), so the answer stays one value
        return f"{self.command} {shlex.quote(text.strip())}" if text.strip() else self.command


class Image(BaseModel):
    """A picture that goes with a reply (a chart): uploaded in Slack, attached in Teams."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    name: str
    title: str
    png_base64: str
    inline: bool = False
    """Shown in the message itself, so an update replaces it (Slack: an image block of the
    uploaded file); otherwise Slack gets it in the message's thread. Teams always attaches it."""

    def png(self) -> bytes:
        """The image's bytes."""
        return base64.b64decode(self.png_base64)


class Reply(BaseModel):
    """An answer: a title, text (`code` in backticks), fields, buttons and its audit receipt."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    tone: Tone
    title: str
    text: str = ""
    fields: list[tuple[str, str]] = Field(default_factory=list)
    buttons: list[Button] = Field(default_factory=list)
    ephemeral: bool = False
    """Shown only to the person who asked (help, usage, errors)."""
    receipt: str | None = None
    correlation_id: str = ""
    images: list[Image] = Field(default_factory=list)
    replayed: bool = False
    """The stored answer of an earlier delivery of the same request: already shown, not rerun."""

    @property
    def failed(self) -> bool:
        """Whether the command was refused or went wrong."""
        return self.tone in {Tone.USAGE, Tone.DENIED, Tone.ERROR}
