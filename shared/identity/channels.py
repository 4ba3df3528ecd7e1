"""The channels of a team: where it is told things (a team posts only to its own channels)."""

from __future__ import annotations

from shared.identity.models import ChannelBinding, OrgId, Platform
from shared.identity.ports import Directory


def team_channels(directory: Directory, org: OrgId, team: str) -> list[ChannelBinding]:
    """The channels bound to `team` in `org`, in channel order (none: it cannot be told)."""
    return [binding for binding in directory.list_bindings(org) if binding.team == team]


def unknown_channel(channel: str, platform: Platform) -> str | None:
    """Why a channel named in a command is none its platform knows, or None if it may be one.

    Slack sends a channel it knows as its id (`#payments` picked from its list arrives as
    `<#C024BE91L|payments>`, read as `C024BE91L`; ids are upper case, names lower case), so
    text left as a name is a channel Slack did not recognise. Teams names channels by
    conversation id (`19:…@thread.tacv2`): a bare name is none."""
    if platform is Platform.SLACK and not channel[:1].isupper():
        return (
            f"Slack knows no channel #{channel}: pick the channel from the list Slack offers "
            "after `#` (it then sends the channel's id), or type the command in that channel."
        )
    if platform is Platform.TEAMS and ":" not in channel:
        return (
            f"`{channel}` is not a Teams channel: Teams names a channel by its conversation id "
            "(`19:…@thread.tacv2`), so type the command in that channel instead."
        )
    return None
