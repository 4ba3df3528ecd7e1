"""Alert policies, the state of their alert, and silences."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import Field

from shared.alerts.states import Instance, Missing, State
from shared.identity.models import Platform
from shared.invocation import ReplyTarget
from shared.judging.condition import Condition
from shared.records import Frozen

NOT_EVALUATED = "not evaluated yet"
"""A policy's state before the scheduler first evaluated it."""


class Severity(StrEnum):
    """How loud a firing alert is."""

    PAGE = "page"
    TICKET = "ticket"
    INFO = "info"


class AlertStatus(Frozen):
    """A policy's alert as the scheduler left it: Prometheus' state and what people were told."""

    state: State = State.INACTIVE
    active_at: datetime | None = None
    fired_at: datetime | None = None
    resolved_at: datetime | None = None
    keep_firing_since: datetime | None = None
    evaluated_at: datetime | None = None
    value: float | None = None
    level: float | None = None
    """An anomaly condition's signal's latest value (`value` is then the detector's score):
    what a person reads first (None for a threshold, and as stored before)."""
    message: ReplyTarget | None = None
    """Where the firing notice was first posted (its Slack `ts` in `thread`), to update it in
    place (kept as it was stored before `messages`)."""
    messages: tuple[ReplyTarget, ...] = ()
    """Every channel's copy of the firing notice, each updated in place."""
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    escalated: bool = False
    escalated_at: datetime | None = None
    escalation_problem: str = ""
    """Why its page could not be escalated (no channel to tell), as its team was told: told once,
    and tried again every tick."""
    investigation: str | None = None
    problem: str = ""
    """Why the last evaluation could not judge the policy (its service is gone, its metrics could
    not be read), as its team was told: told again only when it changes or clears."""

    @property
    def no_data(self) -> bool:
        """Whether the last evaluation found no data point to judge (Grafana's NoData,
        CloudWatch's INSUFFICIENT_DATA): the state machine then sits at `inactive` (or keeps its
        state, or fires, as the policy's missing-data choice says), yet nothing was judged."""
        return self.evaluated_at is not None and self.value is None

    def posted(self) -> tuple[ReplyTarget, ...]:
        """Where the firing notice is, in every channel it was posted to."""
        return self.messages or ((self.message,) if self.message else ())

    def with_post(self, where: ReplyTarget) -> AlertStatus:
        """This status with one more channel's copy of the firing notice remembered."""
        posted = self.posted()
        if where in posted:
            return self
        return self.model_copy(
            update={"message": self.message or where, "messages": (*posted, where)}
        )

    def instance(self) -> Instance:
        """The state machine's view."""
        return Instance(
            state=self.state,
            active_at=self.active_at,
            fired_at=self.fired_at,
            resolved_at=self.resolved_at,
            keep_firing_since=self.keep_firing_since,
        )

    def moved_to(
        self, instance: Instance, at: datetime, value: float | None, level: float | None
    ) -> AlertStatus:
        """This status after an evaluation at `at` left the state machine at `instance` (`value`
        judged; `level`: an anomaly condition's signal's latest value)."""
        return self.model_copy(
            update={
                "state": instance.state,
                "active_at": instance.active_at,
                "fired_at": instance.fired_at,
                "resolved_at": instance.resolved_at,
                "keep_firing_since": instance.keep_firing_since,
                "evaluated_at": at,
                "value": value,
                "level": level,
            }
        )


class AlertPolicy(Frozen):
    """A team's rule: when a service's signal crosses a line, whom to tell and how."""

    org: str
    team: str
    name: str
    service: str
    condition: Condition
    severity: Severity = Severity.PAGE
    channel: str | None = None
    """Where to post (default: the team's bound channel)."""
    investigate: bool = False
    escalate_after: timedelta | None = None
    escalate_to: str | None = None
    missing: Missing = Missing.MISSING
    keep_firing_for: timedelta = timedelta(0)
    interval: timedelta = timedelta(minutes=1)
    created_by: str
    created_at: datetime
    platform: Platform = Platform.SLACK
    """Where its org chats (Slack, Teams, the terminal): how its notices are posted."""
    status: AlertStatus = Field(default_factory=AlertStatus)
    version: int = 0

    def shown_state(self) -> str:
        """The alert's state as people read it: `not evaluated yet` before its first evaluation
        (nothing was judged, so it is not `inactive`); `no data` rather than `inactive` when the
        last evaluation had nothing to judge (`inactive (no data)` when missing data counts as
        ok)."""
        state = self.status.state
        if self.status.evaluated_at is None:
            return NOT_EVALUATED
        if not self.status.no_data:
            return state.value
        if state is State.INACTIVE and self.missing is not Missing.OK:
            return "no data"
        return f"{state.value} (no data)"

    def due(self, now: datetime) -> bool:
        """Whether an evaluation is due at `now`: not yet evaluated for this minute."""
        last = self.status.evaluated_at
        minute = now.replace(second=0, microsecond=0)
        return last is None or minute - last >= self.interval


class Silence(Frozen):
    """Alerts matching every matcher are not posted until `ends_at` (Alertmanager's silence)."""

    id: str
    org: str
    team: str
    matchers: dict[str, str]
    """Label = value pairs: `alert`, `service`, `severity`."""
    created_by: str
    comment: str
    starts_at: datetime
    ends_at: datetime
    ended_by: str = ""
    """Who ended it before its time (`silence expire`, or deleting its alert); empty when it ran
    its course (and as stored before)."""

    def mutes(self, policy: AlertPolicy, at: datetime) -> bool:
        """Whether this silence hides `policy`'s notices at `at`."""
        labels = {"alert": policy.name, "service": policy.service, "severity": policy.severity}
        return (
            policy.team == self.team
            and self.starts_at <= at < self.ends_at
            and all(labels.get(k) == v for k, v in self.matchers.items())
        )
