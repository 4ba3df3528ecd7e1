"""Render a Reply as terminal text."""

from __future__ import annotations

import re

from shared.replies import Reply, Tone

_CHANNEL = re.compile(r"(?<=\s)(#[A-Za-z0-9][\w.-]*)")
"""A `#channel` in an example: a shell reads `#` as the start of a comment."""

_MARK = {
    Tone.OK: "✓",
    Tone.INFO: "•",
    Tone.ACCEPTED: "…",
    Tone.USAGE: "?",
    Tone.DENIED: "✗",
    Tone.ERROR: "✗",
}


def _runnable(line: str) -> str:
    """An example line (`e.g. sre team bind #payments`) as a shell runs it: its `#channel`
    quoted (`'#payments'`), else the shell would drop it and all after it, and run another
    command (`sre team unbind`, unbinding this channel)."""
    if not line.lstrip().startswith("e.g. sre "):
        return line
    return _CHANNEL.sub(r"'\1'", line)


def render_text(reply: Reply) -> str:
    """A reply as plain lines: title, text, fields, buttons as commands, receipt."""
    lines = [f"{_MARK[reply.tone]} {reply.title}"]
    if reply.text:
        text = reply.text.replace("```\n", "").replace("\n```", "")
        lines.append("\n".join(map(_runnable, text.split("\n"))))
    width = max((len(label) for label, _ in reply.fields), default=0)
    for label, value in reply.fields:
        indent = "\n" + " " * (width + 4)
        lines.append(f"  {label:<{width}}  {value.replace(chr(10), indent)}")
    lines += [
        f"  [{b.label}] {b.command}" + (f" <{b.prompt.lower()}>" if b.prompt else "")
        for b in reply.buttons
    ]
    lines += [
        f"  (chart {image.name}, {len(image.png()) // 1024} KB: "
        f"{'in the message in Slack and Teams' if image.inline else 'on the page'})"
        for image in reply.images
    ]
    if reply.receipt:
        lines.append(f"  ({reply.receipt})")
    return "\n".join(lines)
