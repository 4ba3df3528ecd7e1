"""Chaos commands: plan, start, approve, status, list, halt (one, or all with the lever) and
unhalt."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from shared.chaos.hypothesis import expectation
from shared.chaos.models import LARGEST_PERCENT, LONGEST_DELAY_MS, Fault
from shared.chaos.schedules import WINDOW_USAGE, Window
from shared.chaos.steps import (
    EXTENSIONS,
    LONGEST_ACTION,
    LONGEST_STEP,
    SHORTEST_STEP,
    too_short,
)
from shared.commands.base import Command, OptionalTeam
from shared.commands.duration import bounded, to_timedelta, written
from shared.identity.rbac import Permission
from shared.judging.condition import well_formed
from shared.services.commands import ServiceName
from shared.telemetry.models import Signal

MOST_STEPS = 5
MOST_EXPECTATIONS = 5


def _percents(text: str) -> str:
    try:
        steps = [int(part) for part in text.split(",")]
    except ValueError:
        raise ValueError("write the percent steps as whole percentages, like 1,5,25") from None
    if any(not 1 <= s <= LARGEST_PERCENT for s in steps) or steps != sorted(set(steps)):
        raise ValueError(
            f"percent steps rise, each from 1 to {LARGEST_PERCENT} (like 1,5,25): each step is "
            "judged against the same minutes' unfaulted share, so at least half stays unfaulted"
        )
    if len(steps) > MOST_STEPS:
        raise ValueError(f"at most {MOST_STEPS} percent steps (like 1,5,25)")
    return text


_DELAY = re.compile(r"^delay:(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>ms|s)$")


def _fault(text: str) -> str:
    """A fault as `Fault.parse` takes it: a delay in seconds (`delay:1.5s`) in whole ms; a
    delay out of FIS's range said with the range."""
    delay = _DELAY.match(text.strip())
    if delay is not None:
        ms = float(delay["amount"]) * (1000 if delay["unit"] == "s" else 1)
        if not ms.is_integer() or not 1 <= ms <= LONGEST_DELAY_MS:
            raise ValueError(
                f"`{text[:40]}`: a delay is 1 to {LONGEST_DELAY_MS:,} ms, in whole ms, e.g. "
                "`delay:1500ms`"
            )
        text = f"delay:{int(ms)}ms"
    Fault.parse(text)
    return text


def _expectations(texts: list[str]) -> list[str]:
    if not texts:
        raise ValueError('give the steady state with --expect, like --expect "p99_latency < 2s"')
    if len(texts) > MOST_EXPECTATIONS:
        raise ValueError(
            f"at most {MOST_EXPECTATIONS} --expect: each one more is another test the same "
            "minutes must pass, and the chance of a false deviation grows with them"
        )
    if len({" ".join(t.split()) for t in texts}) < len(texts):
        raise ValueError("the same --expect is given twice: give each steady state once")
    for text in texts:
        _steady_state(text)
    return texts


def _steady_state(text: str) -> None:
    """One `--expect`: a steady state, its latency with a unit; ValueError with steady-state
    examples otherwise."""
    if not well_formed(text):
        raise ValueError(
            f"`{text}` is not a steady state: write a bound that must hold, like "
            "`p99_latency < 2s` or `error_rate < 1%`"
        )
    condition = expectation(text)
    if condition.signal is not Signal.ERROR_RATE and not _TIMED.search(text):
        raise ValueError(
            f"{condition.signal.label} is a time: use ms or s, e.g. `{condition.signal.value} < 2s`"
        )


_TIMED = re.compile(r"\d\s*(?:ms|s)\s*$")


Percents = Annotated[str, AfterValidator(_percents)]
FaultText = Annotated[str, AfterValidator(_fault)]
Expectations = Annotated[list[str], AfterValidator(_expectations)]


def _fits_fis(text: str) -> str:
    """A step no longer than `LONGEST_STEP`, refused with why (FIS's longest action)."""
    if to_timedelta(text) > LONGEST_STEP:
        raise ValueError(
            f"`{text[:40]}` is too long for --duration: at most {written(LONGEST_STEP)}: AWS FIS "
            f"runs an action at most {LONGEST_ACTION.total_seconds() / 3600:g} hours, and a step "
            f"may be extended {EXTENSIONS} times"
        )
    return text


StepDuration = Annotated[
    str, bounded(at_least=SHORTEST_STEP, at_most=timedelta(days=1)), AfterValidator(_fits_fis)
]
"""How long each percent step lasts before it is judged (a latency steady state needs longer:
`steps.shortest_step`)."""
ExperimentId = Annotated[str, Field(pattern=r"^chx-[0-9a-f]{6,12}$")]


def _halted(text: object) -> object:
    if isinstance(text, str) and re.fullmatch(r"chs-[0-9a-f]{6,12}", text):
        raise ValueError(
            f"`{text}` is a game day, not an experiment: `sre chaos unschedule {text}` removes it "
            "(an experiment it started is halted by its own `chx-…` id)"
        )
    return text


HaltedId = Annotated[str, BeforeValidator(_halted), Field(pattern=r"^chx-[0-9a-f]{6,12}$")]


def _window(text: str) -> str:
    Window.parse(text)
    return text


WindowText = Annotated[str, AfterValidator(_window)]
"""A game day's weekly window, `Tue 10:00-12:00` (UTC)."""
Every = Annotated[str, bounded(at_least=timedelta(days=1), at_most=timedelta(days=90))]
"""How often a game day runs."""
GameDayId = Annotated[str, Field(pattern=r"^chs-[0-9a-f]{6,12}$")]
ValidFor = Annotated[str, bounded(at_least=timedelta(days=1), at_most=timedelta(days=365))]
"""How long a held experiment stands as verified resilience."""


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
    purpose = (
        "Dry-run an experiment: what would be injected where, at which steps, the preflight "
        "problems with their fixes, and what would halt it. Nothing is injected."
    )
    examples = (
        'sre chaos plan checkout-api --fault delay:1500ms --expect "p99_latency < 2s"',
        'sre chaos plan checkout-api --fault error --percent 1,5 --expect "error_rate < 1%"',
    )


class StartExperiment(_Design):
    words = ("chaos", "start")
    permission = Permission.CHAOS_OPERATE
    mutates = True
    deferred = True  # injects a fault: run by the worker
    purpose = (
        "Start an experiment: the fault on a growing share of the service's invocations, the "
        "steady state judged at every step; halted and rolled back when it deviates. On a "
        "production service a second operator approves it first. With `--every` and "
        "`--window` (UTC): a game day, started by the scheduler inside the window."
    )
    examples = (
        'sre chaos start checkout-api --fault delay:1500ms --expect "p99_latency < 2s"',
        "sre chaos start checkout-api --fault error --percent 1,5,25 --duration 11m "
        '--expect "error_rate < 1%" --expect "p99_latency < 2s" --valid-for 14d',
        'sre chaos start checkout-api --fault error --expect "error_rate < 1%" --every 7d '
        '--window "Tue 10:00-12:00"',
    )
    valid_for: ValidFor = "30d"
    """How long a held outcome stands as verified resilience (1d to 365d)."""
    every: Every | None = None
    """A game day: start it every period (1d to 90d) inside `--window`, not now."""
    window: WindowText | None = None

    @model_validator(mode="after")
    def _game_day(self) -> StartExperiment:
        if (self.every is None) != (self.window is None):
            raise ValueError(
                f"a game day needs both --every (1d to 90d) and --window: {WINDOW_USAGE}"
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
    purpose = "Approve an experiment on a production service (an operator other than its starter)."
    examples = ("sre chaos approve chx-3f9c2a",)


class ShowExperiment(_OneExperiment):
    words = ("chaos", "status")
    permission = Permission.SERVICE_READ
    purpose = "Show an experiment: its step, verdicts and rollbacks (`--journal`: Chaos Toolkit's)."
    examples = ("sre chaos status chx-3f9c2a", "sre chaos status chx-3f9c2a --journal")
    journal: bool = False


class ListExperiments(Command):
    words = ("chaos", "list")
    permission = Permission.SERVICE_READ
    target_kind = "team"
    target_field = "team"
    purpose = (
        "List a team's experiments under way (`--all`: ended ones too; `--verified`: the "
        "resilience its held experiments verified, expired and revoked ones marked; "
        "`--scheduled`: its game days), newest first."
    )
    examples = (
        "sre chaos list",
        "sre chaos list --all",
        "sre chaos list --verified",
        "sre chaos list --scheduled",
    )
    all: bool = False
    verified: bool = False
    scheduled: bool = False
    team: OptionalTeam = None

    @model_validator(mode="after")
    def _one_list(self) -> ListExperiments:
        if self.all + self.verified + self.scheduled > 1:
            raise ValueError("list one thing: `--all`, `--verified` or `--scheduled`")
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
    may_change_nothing = True
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
        if (self.id is None) == (not self.all):
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
