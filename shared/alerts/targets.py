"""Where an alert's notices go: the policy's channel while it is bound to the policy's team, else
the team's own channels (a team posts only to its own channels)."""

from __future__ import annotations

import logging

from shared.alerts.models import AlertPolicy
from shared.identity.models import ChannelId, OrgId
from shared.identity.ports import Directory
from shared.invocation import ReplyTarget
from shared.messages import channel_targets

log = logging.getLogger("autosre.alerts")


def alert_targets(
    directory: Directory, policy: AlertPolicy, team: str | None = None
) -> list[ReplyTarget]:
    """The policy's channel while it is bound to the policy's team, else every channel bound to
    `team` (by default the policy's)."""
    org = OrgId(policy.org)
    platform = policy.platform
    if policy.channel and team is None:
        channel = policy.channel.removeprefix("#")
        binding = directory.get_binding(org, ChannelId(channel))
        if binding is not None and binding.team == policy.team:
            conversation = binding.conversation
            return [
                ReplyTarget(platform=platform, channel=channel, conversation=conversation, org=org)
            ]
        log.warning(
            "alert %s of team %s: channel %s is not bound to the team; posting to the "
            "team's own channels",
            policy.name,
            policy.team,
            channel,
        )
    return channel_targets(directory, org, team or policy.team, platform)
