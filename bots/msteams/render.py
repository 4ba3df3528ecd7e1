"""Reply to an Adaptive Card: title, text, a fact set, buttons that run commands, the receipt."""

from __future__ import annotations

import re
from typing import Any

from botbuilder.schema import ChannelAccount, Mention

from shared.commands.free_text import LONG_TEXT_MAX
from shared.replies import Button, Ref, RefKind, Reply, Tone

CARD_VERSION = "1.4"
COLOR = {
    Tone.OK: "Good",
    Tone.INFO: "Default",
    Tone.ACCEPTED: "Accent",
    Tone.USAGE: "Warning",
    Tone.DENIED: "Attention",
    Tone.ERROR: "Attention",
}
SUBMIT_KEY = "sre"
"""The key of a button's submit data that holds the command it runs."""
ANSWER_KEY = "answer"
"""The key naming the text box whose value a prompting button adds to its command."""


_TEAMS_USER = re.compile(
    r"^(?:29:[\w-]+|(?:8:orgid:)?[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})\Z"
)
"""A Teams user id (`29:…`) or a Microsoft Entra object id: what a mention entity can name."""
_AT_TAG = re.compile(r"<(/?at\b)", re.IGNORECASE)
_LINK = re.compile(r"\]\(")
"""Where a Markdown link's label meets its address (`[Verify your session](https://…)`): a card's
text renders Markdown, so text someone typed (a team's description, a comment) could show a link
under any label. Our own replies write no Markdown link."""


def plain(text: str) -> str:
    """Text as Teams shows it literally: an `<at>` tag in it can never match a mention entity,
    and a Markdown link in it shows its address, not a label."""
    return _LINK.sub("]\u200b(", _AT_TAG.sub("<\u200b\\1", text))


def mention(ref: Ref) -> Mention | None:
    """A person as a Teams mention entity (`<at>name</at>`), if the id is Teams'."""
    if ref.kind is not RefKind.USER or not _TEAMS_USER.match(ref.id):
        return None
    name = re.sub(r"[<>]", "", ref.name) or ref.id
    return Mention(
        mentioned=ChannelAccount(id=ref.id, name=name), text=f"<at>{name}</at>", type="mention"
    )


class _Writer:
    """Writes a reply's texts for a card, gathering the mention entities they use."""

    def __init__(self, reply: Reply) -> None:
        self._reply = reply
        self.mentions: dict[str, Mention] = {}

    def __call__(self, text: str) -> str:
        out = []
        for piece in self._reply.pieces(text):
            found = mention(piece) if isinstance(piece, Ref) else None
            if found is not None:
                self.mentions[found.text] = found
                out.append(found.text)
            else:
                out.append(plain(piece.shown if isinstance(piece, Ref) else piece))
        return "".join(out)


TEXT_MAX = 16_000
"""The most characters of a reply's text a card shows: Teams refuses a message over about 28 KB
whole, and a card's JSON, escapes and facts take room too."""


def _within_limit(text: str) -> str:
    """The text, or as many of its whole lines as fit TEXT_MAX, saying how many more there are."""
    if len(text) <= TEXT_MAX:
        return text
    lines = text[:TEXT_MAX].splitlines()[:-1] or [text[:TEXT_MAX]]
    more = len(text.splitlines()) - len(lines)
    return "\n".join(lines) + (
        f"\n\n…and {more} more lines not shown: Teams takes no longer message. Narrow the "
        "command to see them."
    )


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def card(reply: Reply) -> dict[str, Any]:
    """The Adaptive Card for a reply; the people it names are mentioned (`msteams.entities`)."""
    write = _Writer(reply)
    body: list[dict[str, Any]] = [
        _text(write(reply.title), weight="Bolder", size="Medium", color=COLOR[reply.tone])
    ]
    if reply.text:
        body.append(_text(write(_within_limit(reply.text))))
    if reply.fields:
        facts = [{"title": write(label), "value": write(value)} for label, value in reply.fields]
        body.append({"type": "FactSet", "facts": facts})
    notes = [reply.receipt] if reply.receipt else []
    if reply.failed and reply.correlation_id:
        notes.append(f"ref {reply.correlation_id}")
    if notes:
        body.append(_text(plain(" · ".join(notes)), isSubtle=True, size="Small"))
    document: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
    }
    if write.mentions:
        document["msteams"] = {"entities": [m.serialize() for m in write.mentions.values()]}
    if reply.buttons:
        document["actions"] = [_action(*b) for b in enumerate(reply.buttons)]
    return document


def summary(reply: Reply) -> str:
    """The reply's title as the message's plain text (notifications, previews): names as typed,
    no tag that could mention anyone."""
    return "".join(
        plain(piece.shown if isinstance(piece, Ref) else piece)
        for piece in reply.pieces(reply.title)
    )


def _action(index: int, button: Button) -> dict[str, Any]:
    """A submit button carrying its command; a prompting one shows a text box first."""
    if not button.prompt:
        return {
            "type": "Action.Submit",
            "title": button.label,
            "data": {SUBMIT_KEY: button.command},
        }
    field = f"{ANSWER_KEY}{index}"
    return {
        "type": "Action.ShowCard",
        "title": button.label,
        "card": {
            "type": "AdaptiveCard",
            "body": [
                {
                    "type": "Input.Text",
                    "id": field,
                    "label": button.prompt,
                    "maxLength": min(button.answer_max or LONG_TEXT_MAX, LONG_TEXT_MAX),
                }
            ],
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": "Send",
                    "data": {SUBMIT_KEY: button.command, ANSWER_KEY: field},
                }
            ],
        },
    }


def attachment(reply: Reply) -> dict[str, Any]:
    """The card as a Bot Framework attachment."""
    return {"contentType": "application/vnd.microsoft.card.adaptive", "content": card(reply)}
