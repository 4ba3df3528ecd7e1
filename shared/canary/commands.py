"""Canary commands."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from shared.commands.base import Command, OptionalTeam
from shared.commands.duration import bounded
from shared.identity.rbac import Permission
from shared.services.commands import ServiceName

METRICS = ("errors", "p99_latency")
_EXAMPLE = "5,25,50,100"
_STEP = re.compile(r"[0-9]{1,3}")
"""A step as people write a percentage: a whole one, in ASCII digits (no `5.5`: every notice
says a step's share whole, so `5.5` read `6%`; no `1e2`, `nan`)."""
SMALLEST_STEP = 1.0
"""The smallest first step, in percent: below it the canary's share shows as 0% and it would take
hours to serve the requests a judgement needs."""


def _steps(text: str) -> str:
    parts = text.split(",")
    if not all(_STEP.fullmatch(part) for part in parts):
        raise ValueError(f"write steps as whole percentages, e.g. `{_EXAMPLE}`")
    steps = [float(part) for part in parts]
    if outside := [s for s in steps if not SMALLEST_STEP <= s <= 100]:
        raise ValueError(
            f"`{outside[0]:g}` is not a step: each is a percentage from {SMALLEST_STEP:g} to "
            f"100, e.g. `{_EXAMPLE}`"
        )
    if len(steps) < 2:
        raise ValueError(
            f"a canary needs a step below 100 to be judged on before all traffic moves, "
            f"e.g. `{_EXAMPLE}`"
        )
    if steps != sorted(set(steps)):
        raise ValueError(f"steps must rise, each above the one before, e.g. `{_EXAMPLE}`")
    if steps[-1] != 100:
        raise ValueError(f"the last step must be 100 (all traffic), e.g. `{_EXAMPLE}`")
    return text


ALSO = {"error_rate": "errors"}
"""The names other commands give a canary's metric (alerts, chaos and `service signal` say
`error_rate`): taken as the canary's own."""


def _metrics(text: str) -> str:
    named = [ALSO.get(m, m) for m in text.split(",")]
    unknown = [m for m in named if m not in METRICS]
    if unknown:
        raise ValueError(
            f"unknown metric {unknown[0]}: use {', '.join(METRICS)} (error_rate is errors)"
        )
    return ",".join(dict.fromkeys(named))


Steps = Annotated[str, AfterValidator(_steps)]
Metrics = Annotated[str, AfterValidator(_metrics)]
Interval = Annotated[str, bounded(at_least=timedelta(minutes=1), at_most=timedelta(days=1))]
"""How long each step lasts before it is judged."""
CanaryId = Annotated[str, Field(pattern=r"^can-[0-9a-f]{6,12}$")]


class StartCanary(Command):
    words = ("canary", "start")
    positional = ("service",)
    permission = Permission.CANARY_OPERATE
    target_kind = "service"
    target_field = "service"
    checked_before_queueing = True
    mutates = True
    deferred = True  # moves traffic (UpdateAlias): only the worker's role may
    purpose = (
        "Start a canary: the new version takes the first step's share of traffic, is judged "
        "against the stable version at every step, and is promoted or rolled back by itself."
    )
    examples = (
        "sre canary start checkout-api --version 43",
        "sre canary start checkout-api --version 43 --steps 5,25,50,100 --interval 5m "
        "--metrics errors,p99_latency --critical errors",
        "sre canary start autosre-worker --version 8 --replay",
    )
    service: ServiceName
    version: str = Field(pattern=r"^[0-9A-Za-z$._-]{1,40}$")
    steps: Steps = "5,25,50,100"
    interval: Interval = "5m"
    metrics: Metrics = Field(
        default=",".join(METRICS), json_schema_extra={"metavar": "errors,p99_latency"}
    )
    critical: Metrics = Field(default="errors", json_schema_extra={"metavar": "errors"})
    alias: str = Field(default="live", pattern=r"^[A-Za-z0-9_-]{1,128}$")
    replay: bool = False
    """The service is Auto SRE's own investigator: also replay scenarios on both versions."""
    team: OptionalTeam = None

    @field_validator("version")
    @classmethod
    def _numbered(cls, version: str) -> str:
        """`v42` is version 42 (Lambda numbers its versions; a deploy is often said `v42`), and
        so is `042`: taken as a version of its own it would be a release nobody shipped."""
        number = version[1:] if version[:1] in ("v", "V") else version
        return str(int(number)) if number.isascii() and number.isdigit() else version

    @model_validator(mode="after")
    def _critical_judged(self) -> StartCanary:
        """A critical metric named outside the judged ones would never be judged: refused (the
        default, `errors`, is critical only when errors are judged)."""
        outside = [m for m in self.critical.split(",") if m not in self.metrics.split(",")]
        if outside and "critical" in self.model_fields_set:
            raise ValueError(f"--critical {outside[0]} is not among --metrics {self.metrics}")
        return self


class ShowCanary(Command):
    words = ("canary", "status")
    positional = ("id",)
    permission = Permission.SERVICE_READ
    target_kind = "canary"
    target_field = "id"
    purpose = "Show a canary: its step, weight and every judgement (the latest first, by page)."
    examples = ("sre canary status can-3f9c2a", "sre canary status can-3f9c2a --page 2")
    id: CanaryId
    page: int = Field(default=1, ge=1, le=1000)
    team: OptionalTeam = None


class ListCanaries(Command):
    words = ("canary", "list")
    permission = Permission.SERVICE_READ
    target_kind = "team"
    target_field = "team"
    purpose = "List a team's canaries, newest first."
    examples = ("sre canary list",)
    team: OptionalTeam = None


class _Decision(Command):
    positional = ("id",)
    permission = Permission.CANARY_OPERATE
    target_kind = "canary"
    target_field = "id"
    mutates = True
    deferred = True  # run by the worker, which moves traffic and updates the canary's message
    id: CanaryId
    team: OptionalTeam = None


class PromoteCanary(_Decision):
    may_change_nothing = True
    words = ("canary", "promote")
    purpose = "Promote a canary now: the new version takes all the traffic."
    examples = ("sre canary promote can-3f9c2a",)


class RollbackCanary(_Decision):
    permission = Permission.CANARY_HALT  # the safe way: an on-call responder need not wait
    may_change_nothing = True
    words = ("canary", "rollback")
    purpose = "Roll a canary back now: the stable version takes all the traffic."
    examples = ("sre canary rollback can-3f9c2a",)


class HoldCanary(_Decision):
    permission = Permission.CANARY_HALT  # no more traffic to it; still judged and rolled back
    may_change_nothing = True
    words = ("canary", "hold")
    purpose = "Hold a canary at its weight (it is still judged, and still rolled back if it fails)."
    examples = ("sre canary hold can-3f9c2a",)


class ResumeCanary(_Decision):
    may_change_nothing = True
    words = ("canary", "resume")
    purpose = "Resume a held canary."
    examples = ("sre canary resume can-3f9c2a",)


CANARY_COMMANDS: tuple[type[Command], ...] = (
    StartCanary,
    ShowCanary,
    ListCanaries,
    PromoteCanary,
    RollbackCanary,
    HoldCanary,
    ResumeCanary,
)
