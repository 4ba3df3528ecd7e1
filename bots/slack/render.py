"""Reply to Block Kit: a section per part, fields, buttons, and the receipt in a context line."""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Mapping
from typing import Any

from shared.commands.free_text import LONG_TEXT_MAX
from shared.replies import Button, Ref, RefKind, Reply, Tone

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
"""Where text is cut for a section and what a field may hold, before Slack's markup."""
SLACK_SECTION = 3000
SLACK_FIELD = 2000
"""Slack takes at most 3,000 characters in a section's text and 2,000 in a field, as sent:
escaped (`<` is `&lt;`, `&` is `&amp;`: five times longer at most) and with mentions."""
RUN = "sre"
"""The action id prefix of a button that runs its command at once."""
ASK = "sre-ask"
"""The action id prefix of a button that asks for text first, and the callback id of its modal."""
ANSWER = "answer"
_SLACK_IDS = {
    RefKind.USER: re.compile(r"^[UW][A-Z0-9]+\Z"),
    RefKind.GROUP: re.compile(r"^S[A-Z0-9]+\Z"),
    RefKind.CHANNEL: re.compile(r"^[CGD][A-Z0-9]+\Z"),
}
_MENTION = {RefKind.USER: "<@{}>", RefKind.GROUP: "<!subteam^{}>", RefKind.CHANNEL: "<#{}>"}
_URL = re.compile(r"https?://[^\s<>|`]+[^\s<>|`.,;:!?)'\"]")


@functools.lru_cache(maxsize=256)  # help and usage texts repeat: each is escaped once
def mrkdwn(text: str) -> str:
    """Text as Slack shows it literally: &, < and > escaped (so no `<!channel>`, no
    `<!subteam^…>` and no link can come from it); web addresses stay links."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _URL.sub(r"<\g<0>>", escaped)


def mention(ref: Ref) -> str:
    """A reference as Slack's mention (`<@U…>`, `<!subteam^S…>`, `<#C…>`), which Slack shows
    with its name; an id that is not Slack's (a local login, `scheduler`) stays text."""
    if _SLACK_IDS[ref.kind].match(ref.id):
        return _MENTION[ref.kind].format(ref.id)
    return mrkdwn(ref.shown)


def markup(reply: Reply, text: str) -> str:
    """One of the reply's texts in Slack's markup: its references as mentions, the rest
    escaped."""
    return "".join(
        mention(piece) if isinstance(piece, Ref) else mrkdwn(piece) for piece in reply.pieces(text)
    )


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
def _chunks(text: str, limit: int = SECTION_LIMIT) -> tuple[str, ...]:
    """Split text into pieces of at most `limit` characters, at line ends where possible, else
    between words."""
    pieces = [piece for line in text.split("\n") for piece in _cut(line, limit)]
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + len(piece) + 1 <= limit:
            chunks[-1] = f"{chunks[-1]}\n{piece}"
        else:
            chunks.append(piece)
    return tuple(chunk for chunk in chunks if chunk.strip())


def _sections(reply: Reply, text: str, limit: int = SECTION_LIMIT) -> list[dict[str, Any]]:
    """`text` in sections Slack accepts: each piece's markup within its 3,000 characters (a
    piece that escaping lengthens past them is cut smaller)."""
    out = []
    for chunk in _chunks(text, limit):
        shown = markup(reply, chunk)
        if len(shown) <= SLACK_SECTION:
            out.append(_section(shown))
        else:
            out += _sections(reply, chunk, limit // 2)
    return out


def _mrkdwn(text: str) -> dict[str, Any]:
    """A text object Slack does not parse further: no `@here` or channel name in plain text
    becomes a mention or a link (`verbatim`); only our explicit markup does."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def _button(index: int, button: Button) -> dict[str, Any]:
    """A button whose value is the command it runs (or, if it asks first, the command and the
    question, which `prompt_view` turns into a modal)."""
    asked: dict[str, object] = {"command": button.command, "prompt": button.prompt}
    asked |= {"optional": True} if button.optional else {}
    asked |= (
        {"max": button.answer_max} if (button.answer_max or LONG_TEXT_MAX) < LONG_TEXT_MAX else {}
    )
    value = json.dumps(asked)
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
                "optional": asked.get("optional") is True,
                "label": {"type": "plain_text", "text": asked["prompt"][:2000]},
                "element": {
                    "type": "plain_text_input",
                    "action_id": ANSWER,
                    "max_length": _answer_max(asked),
                },
            }
        ],
    }


def _answer_max(asked: dict[str, Any]) -> int:
    """The longest answer a prompt's box takes: its command's (a forged value: at most the
    longest any command takes)."""
    given = asked.get("max")
    return given if isinstance(given, int) and 0 < given < LONG_TEXT_MAX else LONG_TEXT_MAX


def _fits(key: str, value: str, shown: str) -> bool:
    """Whether a field is shown as one: short as written and as sent."""
    return len(key) + len(value) < FIELD_LIMIT and len(shown) <= SLACK_FIELD


def blocks(reply: Reply, files: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The Block Kit blocks for a reply; `files` maps an inline image's name to the id of its
    uploaded Slack file (an image without one is left out)."""
    out = [_section(f"{ICON[reply.tone]} *{markup(reply, reply.title)}*")]
    out += _sections(reply, reply.text)
    shown = [(k, v, f"*{markup(reply, k)}*\n{markup(reply, v)}") for k, v in reply.fields]
    fields = [_mrkdwn(text) for k, v, text in shown if _fits(k, v, text)]
    out += [{"type": "section", "fields": fields[i : i + 10]} for i in range(0, len(fields), 10)]
    for key, value, text in shown:  # a long one (a summary) does not fit a field: sections
        if not _fits(key, value, text):
            out += _sections(reply, f"*{key}*\n{value}")
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
    tail = []
    if reply.buttons:
        tail.append(
            {"type": "actions", "elements": [_button(*b) for b in enumerate(reply.buttons)]}
        )
    notes = [reply.receipt] if reply.receipt else []
    if reply.failed and reply.correlation_id:
        notes.append(f"ref {reply.correlation_id}")
    if notes:
        tail.append({"type": "context", "elements": [_mrkdwn(mrkdwn(" · ".join(notes)))]})
    return _within_limit(out, tail)


MAX_BLOCKS = 50
"""The most blocks Slack takes in one message: it refuses a longer one whole (`invalid_blocks`)."""


def _within_limit(body: list[dict[str, Any]], tail: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The body's blocks and then the tail's (buttons, receipt), at most MAX_BLOCKS: a body too
    long for them is cut, saying so, and its buttons and receipt are kept."""
    if len(body) + len(tail) <= MAX_BLOCKS:
        return body + tail
    kept = MAX_BLOCKS - len(tail) - 1
    cut = _section(
        f"_…and {len(body) - kept} more parts not shown: Slack shows at most {MAX_BLOCKS} in "
        "one message. Narrow the command to see them._"
    )
    return [*body[:kept], cut, *tail]


def message(reply: Reply, files: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A message payload: fallback text, blocks, and whether only the caller sees it."""
    return {
        "text": markup(reply, reply.title),
        "blocks": blocks(reply, files),
        "response_type": "ephemeral" if reply.ephemeral else "in_channel",
    }


def posted(reply: Reply, files: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`message(reply)` as the Web API posts it (`chat.postMessage` and its kin take no
    `response_type`: where it goes says who sees it)."""
    payload = message(reply, files)
    del payload["response_type"]
    return payload


_RENDERED: list[tuple[Reply, str]] = []
"""The last few replies answered in a request's response, with their JSON (help and usage texts
repeat): looked up by equality with the whole reply, so only an equal reply gets its answer."""
_RENDERED_MAX = 16
_RENDERED_LOCK = threading.Lock()


def message_json(reply: Reply) -> str:
    """`message(reply)` as the JSON bolt's `ack(**message(reply))` sends: the same keys in the same
    order and the same encoding, so `ack(message_json(reply))` answers byte for byte the same
    (bolt sends a text that starts with `{` as `application/json`). An equal reply is rendered
    and encoded once; one that is its request's own is never kept: a failed one (it names its
    `ref`), one with an audit receipt or one naming people, groups or channels."""
    if reply.failed or reply.receipt or reply.refs:
        return _encoded(reply)
    key = reply.model_copy(update={"correlation_id": ""})  # not shown unless it failed
    with _RENDERED_LOCK:
        for at, (seen, encoded) in enumerate(_RENDERED):
            if seen == key:
                _RENDERED.insert(0, _RENDERED.pop(at))
                return encoded
    encoded = _encoded(key)
    with _RENDERED_LOCK:
        _RENDERED.insert(0, (key, encoded))
        del _RENDERED[_RENDERED_MAX:]
    return encoded


def _encoded(reply: Reply) -> str:
    payload = message(reply)
    # the order bolt's ack builds its body in: text, response_type, then blocks
    ordered = {
        "text": payload["text"],
        "response_type": payload["response_type"],
        "blocks": payload["blocks"],
    }
    return json.dumps(ordered)
