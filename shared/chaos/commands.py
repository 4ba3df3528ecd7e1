"""Chaos commands: plan, start, approve, status, list, halt (one, or all with the lever) and
unhalt."""

from __future__ import annotations

from datetime import timedelta

from pydantic import model_validator

from shared.chaos.expectations import unseen
from shared.chaos.models import Fault
from shared.chaos.options import (
    Every,
    Expectations,
    ExperimentId,
    FaultText,
    GameDayId,
    HaltedId,
    Percents,
    StepDuration,
    ValidFor,
    WindowText,
)
from shared.chaos.schedules import WINDOW_USAGE, Window
from shared.chaos.steps import too_short
from shared.commands.base import Command, OptionalTeam
from shared.commands.duration import to_timedelta
from shared.identity.rbac import Permission
from shared.services.commands import ServiceName


class _Design(Command):
    positional = ("service",)
    target_kind = "service"
    target_field = "service"
    service: ServiceName
    fault: FaultText
    percent: Percents = "1,5,25"
    duration: StepDuration = "11m"
    """11m by default: the shortest a latency steady state is judged in at the default steps."""
    expect: Expectations
    """The steady state, once per expectation (`--expect A --expect B`)."""
    team: OptionalTeam = None

    @model_validator(mode="after")
    def _seen(self) -> _Design:
        said = unseen(Fault.parse(self.fault), self.expect)
        if said:
            raise ValueError(said)
        return self

    @model_validator(mode="after")
    def _long_enough(self) -> _Design:
        steps = len(self.percent.split(","))
        said = too_short(steps, self.expect, to_timedelta(self.duration))
        if said:
            raise ValueError(f"--duration {self.duration} is too short: {said}")
        return self


class PlanExperiment(_Design):
    words = ("chaos", "plan")
    permission = Permission.CHAOS_OPERATE
    mutates = True  # changes nothing, but a dry run is on the record (as FIS's are)
    deferred = True  # preflight's dry run takes seconds on FIS: run by the worker
    checked_before_queueing = True  # a service the team has not is answered at once
    purpose = (
        "Dry-run an experiment: what would be injected where, at which steps, the preflight "
        "problems with their fixes, and what would halt it. Nothing is injected."
    )
    examples = (
        'sre chaos plan checkout-api --fault delay:1500ms --expect "p99_latency < 2s"',
        "sre chaos plan checkout-api --fault delay:1500ms --percent 5,25 "
        '--expect "p99_latency < 2s" --expect "error_rate < 1%"',
    )


class StartExperiment(_Design):
    words = ("chaos", "start")
    permission = Permission.CHAOS_OPERATE
    mutates = True
    deferred = True  # injects a fault: run by the worker
    may_change_nothing = True  # a game day the team keeps already
    checked_before_queueing = True  # a service the team has not is answered at once
    purpose = (
        "Start an experiment: the fault on a growing share of the service's invocations, the "
        "steady state judged at every step; halted and rolled back when it deviates. On a "
        "production service a second operator approves it first. With `--every` and "
        "`--window` (UTC): a game day, started by the scheduler inside the window."
    )
    examples = (
        'sre chaos start checkout-api --fault delay:1500ms --expect "p99_latency < 2s"',
        "sre chaos start checkout-api --fault delay:1500ms --percent 5,25,50 --duration 11m "
        '--expect "error_rate < 1%" --expect "p99_latency < 2s" --valid-for 14d',
        'sre chaos start checkout-api --fault delay:1500ms --expect "p99_latency < 2s" --every 7d '
        '--window "Tue 10:00-12:00"',
    )
    valid_for: ValidFor = "30d"
    """How long a held outcome stands as verified resilience (1d to 365d)."""
    every: Every | None = None
    """A game day: start it every period (whole weeks, 7d to 84d) inside `--window`, not now."""
    window: WindowText | None = None

    @model_validator(mode="after")
    def _game_day(self) -> StartExperiment:
        if (self.every is None) != (self.window is None):
            raise ValueError(
                "a game day needs both --every (whole weeks: 7d to 84d) and --window: "
                f"{WINDOW_USAGE}"
            )
        if self.every is not None and self.window is not None:
            weeks = to_timedelta(self.every) / timedelta(days=7)
            if weeks != int(weeks):
                window = Window.parse(self.window).written
                every = f"{max(int(weeks), 1) * 7}d"
                raise ValueError(
                    f"the window {window} opens once a week, so a game day in it runs at most "
                    f"weekly, whole weeks apart: use --every {every}"
                )
        return self


class _OneExperiment(Command):
    positional = ("id",)
    target_kind = "experiment"
    target_field = "id"
    id: ExperimentId
    team: OptionalTeam = None


class ApproveExperiment(_OneExperiment):
    words = ("chaos", "approve")
    permission = Permission.CHAOS_OPERATE
    mutates = True
    deferred = True
    checked_before_queueing = True  # an id the team has not is answered at once
    purpose = "Approve an experiment on a production service (an operator other than its starter)."
    examples = ("sre chaos approve chx-3f9c2a",)


class ShowExperiment(_OneExperiment):
    words = ("chaos", "status")
    permission = Permission.SERVICE_READ
    purpose = "Show an experiment: its step, verdicts and rollbacks (`--journal`: Chaos Toolkit's)."
    examples = ("sre chaos status chx-3f9c2a", "sre chaos status chx-3f9c2a --journal")
    journal: bool = False


LISTED = 25
"""The most experiments one `chaos list` shows (the newest): a chat message's blocks and card
stay within what Slack (50 blocks) and Teams (28 KB) take."""


class ListExperiments(Command):
    words = ("chaos", "list")
    permission = Permission.SERVICE_READ
    target_kind = "team"
    target_field = "team"
    purpose = (
        f"List a team's experiments under way, the newest {LISTED} (`--all`: ended ones too; "
        "`--service`: only one service's; `--verified`: the resilience its held experiments "
        "verified, expired and revoked ones marked; `--scheduled`: its game days), newest first."
    )
    examples = (
        "sre chaos list",
        "sre chaos list --all",
        "sre chaos list --all --service checkout-api",
        "sre chaos list --verified",
        "sre chaos list --scheduled",
    )
    all: bool = False
    service: ServiceName | None = None
    verified: bool = False
    scheduled: bool = False
    team: OptionalTeam = None

    @model_validator(mode="after")
    def _one_list(self) -> ListExperiments:
        if self.all + self.verified + self.scheduled > 1:
            raise ValueError("list one thing: `--all`, `--verified` or `--scheduled`")
        if self.service is not None and (self.verified or self.scheduled):
            raise ValueError("`--service` narrows the experiments (`--all` or none), not these")
        return self

    def audit_target(self, channel: str | None, *, team: str | None) -> str:
        """`--all` is read as every `--all` is (the audit's): of the org's whole record."""
        return "org" if self.all else super().audit_target(channel, team=team)


class HaltExperiment(Command):
    words = ("chaos", "halt")
    positional = ("id",)
    permission = Permission.CHAOS_HALT
    target_kind = "experiment"
    target_field = "id"
    mutates = True
    deferred = True  # removes the fault: run by the worker (the button is answered at once)
    checked_before_queueing = True  # one naming nothing is answered at once, never queued
    may_change_nothing = True
    safe_without_audit = True  # a kill switch works during an audit outage (its entries owed)
    purpose = (
        "Halt an experiment now and remove its fault (responder and above); `--all` (org "
        "admin): engage the safety lever, halt every experiment of the org, start none."
    )
    examples = ("sre chaos halt chx-3f9c2a", "sre chaos halt --all")
    id: HaltedId | None = None
    all: bool = False
    team: OptionalTeam = None

    @model_validator(mode="after")
    def _one_or_all(self) -> HaltExperiment:
        if self.id is not None and self.all:
            raise ValueError("name one experiment (`sre chaos halt chx-…`) or `--all`, not both")
        return self

    def required(self) -> Permission:
        """`--all` engages the org's lever: an org admin's."""
        return Permission.ORG_ADMIN if self.all else self.permission

    def audit_target(self, channel: str | None, *, team: str | None) -> str:
        """`--all` acts on the whole org."""
        return "org" if self.all else super().audit_target(channel, team=team)


class UnscheduleGameDay(Command):
    words = ("chaos", "unschedule")
    positional = ("id",)
    permission = Permission.CHAOS_OPERATE
    target_kind = "experiment"  # a game day is a scheduled experiment
    target_field = "id"
    mutates = True
    purpose = (
        "Remove a game day: the scheduler starts it no more (an experiment under way runs on)."
    )
    examples = ("sre chaos unschedule chs-3f9c2a",)
    id: GameDayId
    team: OptionalTeam = None


class UnhaltChaos(Command):
    words = ("chaos", "unhalt")
    permission = Permission.ORG_ADMIN
    target_kind = "org"
    mutates = True
    may_change_nothing = True
    purpose = "Release the org's safety lever: experiments may start again (org admin)."
    examples = ("sre chaos unhalt",)


CHAOS_COMMANDS: tuple[type[Command], ...] = (
    PlanExperiment,
    StartExperiment,
    ApproveExperiment,
    ShowExperiment,
    ListExperiments,
    HaltExperiment,
    UnhaltChaos,
    UnscheduleGameDay,
)
