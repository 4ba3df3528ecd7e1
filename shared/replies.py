"""The neutral answer every surface renders: Block Kit, an Adaptive Card or terminal text."""

from __future__ import annotations

import base64
import re
import shlex
from collections.abc import Sequence
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
    optional: bool = False
    """The prompt's answer may be left empty (the command runs without it)."""
    answer_max: int | None = None
    """The longest answer its command takes (None: the longest any command's text takes): the
    box stops the typing there, rather than the command refusing (and losing) what was typed."""

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


class RefKind(StrEnum):
    """What a reference names."""

    USER = "user"
    GROUP = "group"
    """A user group (a Slack user group, an on-call handle): mentioning it notifies its members."""
    CHANNEL = "channel"


class Ref(BaseModel):
    """A person, user group or channel a reply names by id, written `@id` (`#id` for a channel)
    in its text: Slack shows it as a mention, Teams as a mention entity, the terminal as typed."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: RefKind
    id: str
    name: str = ""
    """The display name where the platform told us (Teams writes it in the mention)."""

    @property
    def shown(self) -> str:
        """How a reply's text writes it: `#C1` for a channel, `@alice` otherwise."""
        return f"{'#' if self.kind is RefKind.CHANNEL else '@'}{self.id}"


def counted(amount: int, noun: str, nouns: str = "") -> str:
    """A count with its noun in the right number: `1 trail`, `2 trails`, `1 entry`, `0 entries`
    (`nouns`: the plural when it is not the noun and an s)."""
    return f"{amount:,} {noun if amount == 1 else nouns or noun + 's'}"


def user_ref(user: str, name: str = "") -> Ref:
    """A reference to a person."""
    return Ref(kind=RefKind.USER, id=user, name=name)


def channel_ref(channel: str) -> Ref:
    """A reference to a channel."""
    return Ref(kind=RefKind.CHANNEL, id=channel)


def group_ref(group: str) -> Ref:
    """A reference to a user group (its members are notified where the platform can)."""
    return Ref(kind=RefKind.GROUP, id=group)


def pieces(text: str, refs: Sequence[Ref]) -> list[str | Ref]:
    """`text` as plain runs and the references it names, in order. Only an `@id`/`#id` of one of
    `refs` is a reference, and only whole (`#C1` is not in `#C10`, `@al` not in `@al.b`);
    anything else, whatever it looks like, stays text."""
    by_shown = {ref.shown: ref for ref in refs if ref.id}
    if not by_shown or not text:
        return [text] if text else []
    names = "|".join(re.escape(s) for s in sorted(by_shown, key=len, reverse=True))
    found = re.compile(rf"(?<!\w)(?:{names})(?![\w-]|[.:@]\w)")
    out: list[str | Ref] = []
    start = 0
    for match in found.finditer(text):
        out += [text[start : match.start()], by_shown[match.group()]]
        start = match.end()
    out.append(text[start:])
    return [piece for piece in out if piece != ""]


class Reply(BaseModel):
    """An answer: a title, text (`code` in backticks), fields, buttons and its audit receipt."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    tone: Tone
    title: str
    text: str = ""
    fields: list[tuple[str, str]] = Field(default_factory=list)
    buttons: list[Button] = Field(default_factory=list)
    ephemeral: bool = False
    """Shown only to the person who asked (help, usage, errors) where a surface answers a command
    so (a slash command); a mention's answer is in its thread, for the channel."""
    private: bool = False
    """Shown only to the person who asked, however they asked (a mention too): another team's
    answer in a channel bound to a team (ephemeral as well)."""
    receipt: str | None = None
    correlation_id: str = ""
    images: list[Image] = Field(default_factory=list)
    replayed: bool = False
    """The stored answer of an earlier delivery of the same request: already shown, not rerun."""
    unposted: bool = False
    """Already told to its audience (a scheduled refusal said once per quota window): the worker
    does not post it again."""
    refs: tuple[Ref, ...] = ()
    """The people, groups and channels the title, text and fields name (as `@id`, `#id`): each
    surface renders them its own way. Nothing else is ever rendered as a mention, so user text
    cannot mention anyone (a channel, a group) the reply does not name itself."""

    def pieces(self, text: str) -> list[str | Ref]:
        """`text` (this reply's title, text or a field) split at the references it names."""
        return pieces(text, self.refs)

    @property
    def failed(self) -> bool:
        """Whether the command was refused or went wrong."""
        return self.tone in {Tone.USAGE, Tone.DENIED, Tone.ERROR}
