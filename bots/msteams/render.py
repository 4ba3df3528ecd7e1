"""Reply to an Adaptive Card: title, text, a fact set, buttons that run commands, the receipt."""

from __future__ import annotations

from typing import Any

from shared.commands.free_text import LONG_TEXT_MAX
from shared.replies import Button, Reply, Tone

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


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def card(reply: Reply) -> dict[str, Any]:
    """The Adaptive Card for a reply."""
    body: list[dict[str, Any]] = [
        _text(reply.title, weight="Bolder", size="Medium", color=COLOR[reply.tone])
    ]
    if reply.text:
        body.append(_text(reply.text))
    if reply.fields:
        facts = [{"title": label, "value": value} for label, value in reply.fields]
        body.append({"type": "FactSet", "facts": facts})
    notes = [reply.receipt] if reply.receipt else []
    if reply.failed and reply.correlation_id:
        notes.append(f"ref {reply.correlation_id}")
    if notes:
        body.append(_text(" · ".join(notes), isSubtle=True, size="Small"))
    document: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
    }
    if reply.buttons:
        document["actions"] = [_action(*b) for b in enumerate(reply.buttons)]
    return document


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
                    "maxLength": LONG_TEXT_MAX,
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
