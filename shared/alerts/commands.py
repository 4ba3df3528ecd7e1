"""Alert policy, silence and scheduler commands."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from shared.alerts.models import Severity
from shared.alerts.states import Missing
from shared.commands.base import ChannelRef, Command, FreeText, OptionalTeam
from shared.commands.duration import bounded
from shared.identity.models import TeamName
from shared.identity.rbac import Permission
from shared.judging.condition import LONGEST, never_holds, parse
from shared.services.commands import ServiceName


def _condition(text: str) -> str:
    never_holds(parse(text))  # raises ValueError with what is wrong
    return " ".join(text.split())


AlertName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$")]
When = Annotated[str, Field(max_length=120), AfterValidator(_condition)]
AlertDuration = Annotated[str, bounded(at_least=timedelta(0), at_most=LONGEST)]
"""An alert's duration (silence, escalation, keep firing): the kernel's one duration grammar and
conversion, in any unit, up to LONGEST."""
EscalationDelay = Annotated[str, bounded(at_least=timedelta(minutes=1), at_most=LONGEST)]
"""How long a page waits for an acknowledgement before it escalates: at least a minute (a page
escalated as it fires gives nobody the time to take it), up to LONGEST."""
SilenceDuration = Annotated[str, bounded(at_least=timedelta(minutes=1), at_most=LONGEST)]
"""How long a silence lasts: at least a minute (a silence of 0m silences nothing), up to LONGEST."""


class _PolicyOptions(Command):
    """What `create` and `edit` share."""

    severity: Severity | None = None
    channel: ChannelRef | None = None
    investigate: bool = False
    escalate_after: EscalationDelay | None = Field(
        default=None, json_schema_extra={"metavar": "15m"}
    )
    escalate_to: TeamName | None = Field(default=None, json_schema_extra={"metavar": "TEAM"})
    missing: Missing | None = None
    keep_firing_for: AlertDuration | None = Field(default=None, json_schema_extra={"metavar": "5m"})
    team: OptionalTeam = None

    @model_validator(mode="after")
    def _escalation(self) -> _PolicyOptions:
        if bool(self.escalate_after) != bool(self.escalate_to):
            raise ValueError("give --escalate-after and --escalate-to together")
        return self


class CreateAlert(_PolicyOptions):
    """CONDITION is a threshold, `SIGNAL > | >= | < | <= VALUE[ms|s|%]` (`p99_latency > 800ms`,
    `error_rate > 2%`, `traffic < 100`), or an anomaly, `SIGNAL anomalous` (the detector over
    the last four hours); then `for 5m` (it holds that long, every minute, before it fires) or
    `3 of 5` (3 of the series' last 5 points breach). Signals: p50_latency, p99_latency,
    error_rate, traffic, saturation.
    --severity: page (the default: escalated with --escalate-after and --escalate-to),
    ticket or info. --missing (what a missing point counts as): missing (the default: judged
    on the points there are; with none, no data, and a firing alert stays firing), ok,
    alerting, keep (its state as it was). --keep-firing-for: a firing alert stays firing that
    long after its condition stops (off by default). Posts to the team's channel unless
    --channel names another of its channels."""

    words = ("alert", "create")
    positional = ("name",)
    permission = Permission.ALERT_WRITE
    target_kind = "alert"
    target_field = "name"
    mutates = True
    purpose = "Create an alert policy on a service's signal, evaluated every minute."
    examples = (
        'sre alert create slow-checkout --service checkout-api --when "p99_latency > 800ms for 5m"',
        'sre alert create errors --service checkout-api --when "error_rate > 2% 3 of 5" '
        "--investigate --escalate-after 15m --escalate-to platform",
        'sre alert create odd-errors --service checkout-api --when "error_rate anomalous for 10m" '
        "--severity ticket",
    )
    name: AlertName
    service: ServiceName
    when: When = Field(json_schema_extra={"metavar": '"CONDITION"'})


class EditAlert(_PolicyOptions):
    may_change_nothing = True
    words = ("alert", "edit")
    positional = ("name",)
    permission = Permission.ALERT_WRITE
    target_kind = "alert"
    target_field = "name"
    mutates = True
    purpose = (
        "Change an alert policy (options not given stay as they are; --no-investigate, "
        "--no-escalation and --keep-firing-for 0m turn those off)."
    )
    examples = (
        'sre alert edit slow-checkout --when "p99_latency > 1s for 5m"',
        "sre alert edit slow-checkout --no-investigate --no-escalation",
    )
    name: AlertName
    when: When | None = Field(default=None, json_schema_extra={"metavar": '"CONDITION"'})
    no_investigate: bool = False
    """Stop opening an investigation when it fires."""
    no_escalation: bool = False
    """Stop escalating its page."""

    @model_validator(mode="after")
    def _escalation(self) -> EditAlert:
        """Turning an option on and off in one edit is said first (before: a lone
        --escalate-after with --no-escalation was asked for its --escalate-to)."""
        if self.investigate and self.no_investigate:
            raise ValueError("give --investigate or --no-investigate, not both")
        if (self.escalate_after or self.escalate_to) and self.no_escalation:
            raise ValueError("give --escalate-after/--escalate-to or --no-escalation, not both")
        return self  # one of the pair alone changes that one (`_edited` keeps the other)


class ListAlerts(Command):
    words = ("alert", "list")
    permission = Permission.ALERT_READ
    target_kind = "team"
    target_field = "team"
    purpose = "List a team's alert policies and their state."
    examples = ("sre alert list",)
    team: OptionalTeam = None


class ShowAlert(Command):
    words = ("alert", "show")
    positional = ("name",)
    permission = Permission.ALERT_READ
    target_kind = "alert"
    target_field = "name"
    purpose = "Show an alert policy and its alert's state."
    examples = ("sre alert show slow-checkout",)
    name: AlertName
    team: OptionalTeam = None


class DeleteAlert(Command):
    words = ("alert", "delete")
    positional = ("name",)
    permission = Permission.ALERT_WRITE
    target_kind = "alert"
    target_field = "name"
    mutates = True
    purpose = "Delete an alert policy."
    examples = ("sre alert delete slow-checkout",)
    name: AlertName
    team: OptionalTeam = None


class TestAlert(Command):
    __test__ = False  # not a pytest class
    words = ("alert", "test")
    positional = ("name",)
    permission = Permission.ALERT_READ
    target_kind = "alert"
    target_field = "name"
    deferred = True
    purpose = (
        "Evaluate a policy now over recent data and say what would happen (nobody is told); its "
        "reads count against the team's provider-calls-per-hour quota, refused once it is spent."
    )
    examples = ("sre alert test slow-checkout",)
    name: AlertName
    team: OptionalTeam = None


class AcknowledgeAlert(Command):
    may_change_nothing = True
    words = ("alert", "ack")
    aliases = (("alert", "acknowledge"),)
    positional = ("name",)
    permission = Permission.ALERT_RESPOND
    target_kind = "alert"
    target_field = "name"
    mutates = True
    purpose = "Acknowledge a firing alert: you are on it (stops its escalation)."
    examples = ("sre alert ack slow-checkout",)
    name: AlertName
    team: OptionalTeam = None


class SilenceAlert(Command):
    may_change_nothing = True
    words = ("alert", "silence")
    positional = ("name", "comment")
    rest = "comment"
    permission = Permission.ALERT_RESPOND
    target_kind = "alert"
    target_field = "name"
    mutates = True
    purpose = "Silence an alert for a while: it is still evaluated, nobody is told."
    examples = ("sre alert silence slow-checkout --duration 4h load test",)
    name: AlertName
    duration: SilenceDuration = Field(default="1h", json_schema_extra={"metavar": "1h"})
    comment: FreeText = ""
    team: OptionalTeam = None


class ListSilences(Command):
    words = ("silence", "list")
    permission = Permission.ALERT_READ
    target_kind = "team"
    target_field = "team"
    purpose = "List a team's silences, active and expired."
    examples = ("sre silence list",)
    team: OptionalTeam = None


class ExpireSilence(Command):
    may_change_nothing = True
    words = ("silence", "expire")
    positional = ("id",)
    permission = Permission.ALERT_RESPOND
    target_kind = "silence"
    target_field = "id"
    mutates = True
    purpose = "End a silence now."
    examples = ("sre silence expire sil-3f9c2a",)
    id: str = Field(pattern=r"^sil-[0-9a-f]{6,12}$")
    team: OptionalTeam = None


ALERT_COMMANDS: tuple[type[Command], ...] = (
    CreateAlert,
    EditAlert,
    ListAlerts,
    ShowAlert,
    DeleteAlert,
    TestAlert,
    AcknowledgeAlert,
    SilenceAlert,
    ListSilences,
    ExpireSilence,
)
