"""Which team a command acts for: `--team`, else the channel it names or was typed in."""

from __future__ import annotations

from shared.commands import models as m
from shared.commands.base import Command
from shared.commands.invocation import Invocation
from shared.errors import InvalidCommandError
from shared.identity.models import ChannelId
from shared.identity.ports import Directory


def team_for(command: Command, invocation: Invocation, *, directory: Directory) -> str | None:
    """The team `command` acts for, or None for org-wide commands."""
    if isinstance(command, m.UnbindChannel):
        return _bound_team(command, invocation, directory=directory)
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


def _bound_team(command: m.UnbindChannel, invocation: Invocation, *, directory: Directory) -> str:
    channel = (command.channel or "").removeprefix("#") or invocation.channel
    binding = directory.get_binding(invocation.actor.org, ChannelId(channel)) if channel else None
    if binding is None:
        raise InvalidCommandError(
            f"#{channel or 'this channel'} is not bound to a team, so there is nothing to unbind.",
            usage="sre team unbind [CHANNEL]",
        )
    if command.team and command.team != binding.team:
        raise InvalidCommandError(
            f"#{channel} is bound to team {binding.team}, not {command.team}.",
            usage="sre team unbind [CHANNEL]",
        )
    return binding.team
