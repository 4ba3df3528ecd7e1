"""Escalating pages nobody acknowledged: told to the escalation team's channels once, and only
then audited and reported as escalated. With no channel to tell, the alert's own team is told
once why (`could not escalate q to payments: payments has no channel bound`), and it is tried
again every tick, so it escalates as soon as a channel is bound (PagerDuty's escalation, which
never counts a level nobody could be notified on as reached)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from shared.alerts.models import AlertPolicy, AlertStatus, Severity
from shared.alerts.notices import escalation_notice
from shared.alerts.ports import AlertStore
from shared.alerts.states import State
from shared.errors import AuditUnavailableError, ConflictError
from shared.identity.models import OrgId
from shared.identity.ports import Directory
from shared.invocation import ReplyTarget
from shared.messages import channel_targets, post_or_update
from shared.ports import Notifier
from shared.replies import Reply, Tone


def escalation_due(policy: AlertPolicy, now: datetime) -> bool:
    """Whether `policy` is a page still firing, unacknowledged and not yet escalated after its
    `escalate_after`."""
    status = policy.status
    return (
        policy.severity is Severity.PAGE
        and policy.escalate_after is not None
        and bool(policy.escalate_to)
        and status.state is State.FIRING
        and not status.acknowledged_by
        and not status.escalated
        and status.fired_at is not None
        and now - status.fired_at >= policy.escalate_after
    )


def undeliverable(policy: AlertPolicy) -> str:
    """Why `policy` could not be escalated: its escalation team has no channel."""
    team = policy.escalate_to
    return f"could not escalate {policy.name} to {team}: {team} has no channel bound"


def undeliverable_notice(policy: AlertPolicy) -> Reply:
    """What the alert's team is told, once, when its page cannot be escalated."""
    said = undeliverable(policy)
    return Reply(
        tone=Tone.ERROR,
        title=f"{said[:1].upper()}{said[1:]}",
        text=f"The page stays with team {policy.team} and escalates as soon as a channel is "
        f"bound: `sre team bind CHANNEL --team {policy.escalate_to}`.",
    )


class Escalator:
    """Escalates one due page: tells the escalation team, or its own team why it cannot."""

    def __init__(
        self,
        *,
        store: AlertStore,
        directory: Directory,
        notifier: Notifier,
        record: Callable[[AlertPolicy, str], None],
        own_channels: Callable[[AlertPolicy], list[ReplyTarget]],
    ) -> None:
        self._store = store
        self._directory = directory
        self._notifier = notifier
        self._record = record
        self._own_channels = own_channels

    def escalate(self, policy: AlertPolicy, now: datetime, problems: list[str]) -> bool:
        """Escalate `policy` at `now`; whether it was (audited, then posted); why not, in
        `problems` (each told to the alert's team once)."""
        team = policy.escalate_to or ""
        channels = channel_targets(self._directory, OrgId(policy.org), team, policy.platform)
        if not channels:
            self._tell_undeliverable(policy, problems)
            return False
        status = policy.status.model_copy(
            update={"escalated": True, "escalated_at": now, "escalation_problem": ""}
        )
        try:
            saved = self._store.save(policy.model_copy(update={"status": status}))
            self._record(saved, f"escalated to {team}")
        except (ConflictError, AuditUnavailableError):
            return False
        told = post_or_update(
            self._notifier, escalation_notice(saved, now), message=None, channels=channels
        )
        for _, error in told.failed:
            problems.append(f"{policy.name}: could not escalate ({error})")
        return True

    def _tell_undeliverable(self, policy: AlertPolicy, problems: list[str]) -> None:
        said = undeliverable(policy)
        problems.append(f"{policy.name}: {said}")
        if policy.status.escalation_problem == said:
            return  # told already: again only once a channel is bound and it escalates
        status: AlertStatus = policy.status.model_copy(update={"escalation_problem": said})
        try:
            saved = self._store.save(policy.model_copy(update={"status": status}))
        except ConflictError:
            return  # another run wrote it first, and tells
        told = post_or_update(
            self._notifier,
            undeliverable_notice(saved),
            message=None,
            channels=self._own_channels(saved),
        )
        for _, error in told.failed:
            problems.append(f"{policy.name}: could not tell it ({error})")
