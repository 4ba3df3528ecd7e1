"""The one message of something that changes (a canary, the alerts of a service): posted once
into its team's channels, then updated in place wherever it was posted."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.identity.channels import team_channels
from shared.identity.models import OrgId, Platform
from shared.identity.ports import Directory
from shared.invocation import ReplyTarget
from shared.ports import Notifier
from shared.replies import Reply

log = logging.getLogger("autosre.messages")


def channel_targets(
    directory: Directory, org: OrgId, team: str, platform: Platform
) -> list[ReplyTarget]:
    """Where to post to each channel bound to `team` on `platform`."""
    return [
        ReplyTarget(platform=platform, channel=b.channel, conversation=b.conversation, org=org)
        for b in team_channels(directory, org, team)
    ]


@dataclass
class Told:
    """Where the message now is (the one updated, or each new post), and the channels that
    refused it, each with the platform's error."""

    where: list[ReplyTarget] = field(default_factory=list)
    failed: list[tuple[ReplyTarget, Exception]] = field(default_factory=list)


def post_or_update(
    notifier: Notifier,
    reply: Reply,
    *,
    message: ReplyTarget | None,
    channels: Sequence[ReplyTarget],
) -> Told:
    """Update `message` in place if it was posted (it has a message id); else post `reply` to
    each of `channels`. One channel refusing does not stop the others."""
    told = Told()
    if message is not None and message.message:
        try:
            notifier.update(message, reply)
            told.where.append(message)
        except Exception as error:  # noqa: BLE001 (the caller says what was not told)
            log.warning("could not update message %s: %s", message.message, error)
            told.failed.append((message, error))
        return told
    for target in channels:
        try:
            told.where.append(notifier.post(target, reply) or target)
        except Exception as error:  # noqa: BLE001 (one channel failing must not stop the others)
            log.warning("could not post in %s: %s", target.channel, error)
            told.failed.append((target, error))
    return told
