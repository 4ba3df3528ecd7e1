"""The channels of a team: where it is told things (a team posts only to its own channels)."""

from __future__ import annotations

from shared.identity.models import ChannelBinding, OrgId
from shared.identity.ports import Directory


def team_channels(directory: Directory, org: OrgId, team: str) -> list[ChannelBinding]:
    """The channels bound to `team` in `org`, in channel order (none: it cannot be told)."""
    return [binding for binding in directory.list_bindings(org) if binding.team == team]
