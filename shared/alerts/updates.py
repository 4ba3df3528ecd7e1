"""Updating a firing message in place: every channel's copy, with every alert it names as it
stands now (an ack, a resolve, its data stopped, a delete), so an alert that fired with others
never drops them from their shared message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shared.alerts.models import AlertPolicy
from shared.alerts.notices import group_notice
from shared.alerts.ports import AlertStore
from shared.identity.models import OrgId
from shared.invocation import ReplyTarget
from shared.messages import post_or_update
from shared.ports import Notifier
from shared.replies import Reply


def siblings(store: AlertStore, policy: AlertPolicy) -> list[AlertPolicy]:
    """The alerts named in `policy`'s firing message (`policy` as given among them), by name. A
    message is known by its id: a surface that gives none (the terminal) shares no message."""
    posted = messages(policy)  # compared, not hashed: a Teams target holds a dict
    found = {
        p.name: p
        for p in store.list_for(OrgId(policy.org), policy.team)
        if any(message in posted for message in messages(p))
    }
    found[policy.name] = policy
    return [found[name] for name in sorted(found)]


def messages(policy: AlertPolicy) -> tuple[ReplyTarget, ...]:
    """The copies of `policy`'s firing message that can be found again (they have an id)."""
    return tuple(target for target in policy.status.posted() if target.message)


def update_message(
    notifier: Notifier,
    policy: AlertPolicy,
    reply: Reply,
    *,
    channels: Sequence[ReplyTarget] = (),
) -> list[str]:
    """Put `reply` in place of each copy of `policy`'s firing message (or post it to `channels`
    when it has none); the platforms' errors of the copies not updated."""
    errors: list[str] = []
    for message in policy.status.posted() or (None,):
        told = post_or_update(notifier, reply, message=message, channels=channels)
        errors += [str(error) for _, error in told.failed]
    return errors


def update_group(
    store: AlertStore,
    notifier: Notifier,
    policy: AlertPolicy,
    today: datetime | None,
    *,
    channels: Sequence[ReplyTarget] = (),
) -> list[str]:
    """Update `policy`'s firing message with every alert it names as they stand now."""
    reply = group_notice(siblings(store, policy), today)
    return update_message(notifier, policy, reply, channels=channels)
