"""Which team a command acts for: its own choice, `--team`, else the channel it was typed in."""

from __future__ import annotations

from shared.commands.base import Command
from shared.errors import InvalidCommandError
from shared.identity.models import ChannelId
from shared.identity.ports import Directory
from shared.invocation import Invocation


def team_for(command: Command, invocation: Invocation, *, directory: Directory) -> str | None:
    """The team `command` acts for, or None for org-wide commands."""
    own = command.own_team(invocation, directory=directory)
    if own:
        return own
    if not command.required().team_scoped:
        return None
    explicit = command.team_option()
    if explicit:
        return explicit
    if invocation.channel:
        binding = directory.get_binding(invocation.actor.org, ChannelId(invocation.channel))
        if binding:
            return binding.team
    raise InvalidCommandError(
        "This channel is not bound to a team, so say which one with `--team NAME` "
        "(or bind it: `sre team bind --team NAME`).",
        usage=f"sre {command.phrase()} … --team NAME",
    )
