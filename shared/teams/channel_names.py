"""How a reply names a channel: Slack shows `#C1` as the channel's name; Teams only has a
conversation id (`19:…@thread.tacv2`), which no person reads, so its name or "this channel"."""

from __future__ import annotations

from shared.identity.models import Platform
from shared.invocation import Invocation


def channel_named(channel: str | None, invocation: Invocation) -> str:
    """`#C1` (a reference Slack shows by name, the terminal as typed); in Teams, the channel
    typed in by its name (`channel Payments`), else `this channel`."""
    here = not channel or channel == invocation.channel
    if invocation.actor.platform is Platform.TEAMS and here:
        return f"channel {invocation.channel_name}" if invocation.channel_name else "this channel"
    return f"#{channel}" if channel else "this channel"


def sentence(words: str) -> str:
    """`words` with a capital first letter, to begin a title."""
    return words[:1].upper() + words[1:]


def typed_channel(named: str | None, invocation: Invocation) -> str:
    """The channel a command names (`#C1` or `C1`), else the one it was typed in ("": none)."""
    return (named or "").removeprefix("#") or (invocation.channel or "")
