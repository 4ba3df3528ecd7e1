"""Reply to Block Kit: a section per part, fields, buttons, and the receipt in a context line."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from shared.commands.free_text import LONG_TEXT_MAX
from shared.replies import Button, Reply, Tone

ICON = {
    Tone.OK: ":white_check_mark:",
    Tone.INFO: ":information_source:",
    Tone.ACCEPTED: ":hourglass_flowing_sand:",
    Tone.USAGE: ":grey_question:",
    Tone.DENIED: ":no_entry:",
    Tone.ERROR: ":x:",
}
SECTION_LIMIT = 2900
FIELD_LIMIT = 1900
"""Slack takes at most 3,000 characters in a section's text and 2,000 in a field (escaping
lengthens text: the margins are for `&amp;` and mentions)."""
RUN = "sre"
"""The action id prefix of a button that runs its command at once."""
ASK = "sre-ask"
"""The action id prefix of a button that asks for text first, and the callback id of its modal."""
ANSWER = "answer"
_MENTION = re.compile(r"(?<![<\w])@([UW][A-Z0-9]{6,})\b")
_GROUP = re.compile(r"(?<![<\w])@(S[A-Z0-9]{6,})\b")


@functools.lru_cache(maxsize=256)  # help and usage texts repeat: each is escaped once
def mrkdwn(text: str) -> str:
    """Our text in Slack's markup: user and user group ids become mentions; &, < and > are
    escaped."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _GROUP.sub(r"<!subteam^\1>", _MENTION.sub(r"<@\1>", escaped))


def _cut(line: str, limit: int = SECTION_LIMIT) -> list[str]:
    """A line in pieces of at most `limit` characters, cut between words where there is a space."""
    pieces = []
    while len(line) > limit:
        space = line.rfind(" ", limit // 2, limit + 1)
        at = space if space > 0 else limit
        pieces.append(line[:at])
        line = line[at:].lstrip(" ")
    return [*pieces, line]


@functools.lru_cache(maxsize=256)
def _chunks(text: str) -> tuple[str, ...]:
    """Split text into pieces Slack accepts in one section, at line ends where possible, else
    between words."""
    pieces = [piece for line in text.split("\n") for piece in _cut(line)]
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + len(piece) + 1 <= SECTION_LIMIT:
            chunks[-1] = f"{chunks[-1]}\n{piece}"
        else:
            chunks.append(piece)
    return tuple(chunk for chunk in chunks if chunk.strip())


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _button(index: int, button: Button) -> dict[str, Any]:
    """A button whose value is the command it runs (or, if it asks first, the command and the
    question, which `prompt_view` turns into a modal)."""
    value = json.dumps({"command": button.command, "prompt": button.prompt})
    return {
        "type": "button",
        "action_id": f"{ASK if button.prompt else RUN}:{index}",
        "text": {"type": "plain_text", "text": button.label[:75]},
        "value": value if button.prompt else button.command[:2000],
        **({"style": button.style} if button.style in {"primary", "danger"} else {}),
    }


def prompt_view(action: dict[str, Any], metadata: dict[str, str | None]) -> dict[str, Any]:
    """The modal a prompting button opens: one line of text, sent back with `metadata`."""
    asked = json.loads(action["value"])
    metadata = {**metadata, "command": asked["command"]}
    return {
        "type": "modal",
        "callback_id": ASK,
        "title": {"type": "plain_text", "text": action["text"]["text"][:24]},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(metadata),
        "blocks": [
            {
                "type": "input",
                "block_id": ANSWER,
                "label": {"type": "plain_text", "text": asked["prompt"][:2000]},
                "element": {
                    "type": "plain_text_input",
                    "action_id": ANSWER,
                    "max_length": LONG_TEXT_MAX,
                },
            }
        ],
    }


def blocks(reply: Reply, files: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The Block Kit blocks for a reply; `files` maps an inline image's name to the id of its
    uploaded Slack file (an image without one is left out)."""
    out = [_section(f"{ICON[reply.tone]} *{mrkdwn(reply.title)}*")]
    out += [_section(mrkdwn(chunk)) for chunk in _chunks(reply.text)]
    short = [(k, v) for k, v in reply.fields if len(k) + len(v) < FIELD_LIMIT]
    fields = [{"type": "mrkdwn", "text": f"*{mrkdwn(k)}*\n{mrkdwn(v)}"} for k, v in short]
    out += [{"type": "section", "fields": fields[i : i + 10]} for i in range(0, len(fields), 10)]
    for key, value in reply.fields:  # a long one (a summary) does not fit a field: sections
        if (key, value) not in short:
            out += [_section(mrkdwn(c)) for c in _chunks(f"*{key}*\n{value}")]
    out += [
        {
            "type": "image",
            "slack_file": {"id": (files or {})[image.name]},
            "alt_text": image.title[:2000],
            "title": {"type": "plain_text", "text": image.title[:2000]},
        }
        for image in reply.images
        if image.inline and image.name in (files or {})
    ]
    if reply.buttons:
        out.append({"type": "actions", "elements": [_button(*b) for b in enumerate(reply.buttons)]})
    notes = [reply.receipt] if reply.receipt else []
    if reply.failed and reply.correlation_id:
        notes.append(f"ref {reply.correlation_id}")
    if notes:
        out.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(notes)}]})
    return out


def message(reply: Reply, files: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A message payload: fallback text, blocks, and whether only the caller sees it."""
    return {
        "text": f"{reply.title}",
        "blocks": blocks(reply, files),
        "response_type": "ephemeral" if reply.ephemeral else "in_channel",
    }
