"""A chaos experiment: the fault, where it goes, the hypothesis it tests, and what happened."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import Field

from shared.identity.models import Platform
from shared.invocation import ReplyTarget
from shared.records import Frozen
from shared.telemetry.models import ResourceKind, Signal


class FaultKind(StrEnum):
    """What is injected into an invocation (FIS's `aws:lambda:invocation-*` actions)."""

    DELAY = "delay"
    """`aws:lambda:invocation-add-delay`: the invocation starts late by `delay_ms`."""
    ERROR = "error"
    """`aws:lambda:invocation-error`: the invocation fails."""
    HTTP_STATUS = "http-status"
    """`aws:lambda:invocation-http-integration-response`: the integration answers `status`."""


LARGEST_PERCENT = 50
"""The largest share a step may fault: the rest, unfaulted, is what it is judged against."""
LONGEST_DELAY_MS = 900_000
"""FIS's longest invocation delay."""
_FAULT = re.compile(r"^(?:delay:(?P<ms>[0-9]{1,6})ms|error|http-status:(?P<status>[0-9]{3}))\Z")


class Fault(Frozen):
    """One fault, as written: `delay:1500ms`, `error`, `http-status:503`."""

    kind: FaultKind
    delay_ms: int = 0
    status: int = 0

    @classmethod
    def parse(cls, text: str) -> Fault:
        """The fault `text` names; ValueError saying what is allowed otherwise."""
        found = _FAULT.match(text.strip())
        if found is None:
            raise ValueError(f"unknown fault `{text}`: use delay:1500ms, error or http-status:503")
        if found["ms"] is not None:
            if not 1 <= int(found["ms"]) <= LONGEST_DELAY_MS:
                raise ValueError(
                    f"`{text}`: a delay is from 1ms to {LONGEST_DELAY_MS:,}ms (FIS's longest), "
                    "like delay:1500ms"
                )
            return cls(kind=FaultKind.DELAY, delay_ms=int(found["ms"]))
        if found["status"] is not None:
            if not 400 <= int(found["status"]) <= 599:
                raise ValueError(
                    f"`{text}` is not an error: a status fault is 400 to 599, like "
                    "http-status:503 (5xx counts as an error in the error rate; 4xx does not)"
                )
            return cls(kind=FaultKind.HTTP_STATUS, status=int(found["status"]))
        return cls(kind=FaultKind.ERROR)

    @property
    def fails(self) -> bool:
        """Whether it fails the requests it faults (`error`, a 5xx)."""
        return self.kind is FaultKind.ERROR or (
            self.kind is FaultKind.HTTP_STATUS and self.status >= 500
        )

    @property
    def seen_by(self) -> frozenset[Signal]:
        """The signals a steady state bounds that this fault can move: a delay slows requests
        (and, past a timeout, fails them); `error` and a 5xx fail them; a 4xx is the client's
        answer, no error, and slows nothing: no signal sees it."""
        if self.kind is FaultKind.DELAY:
            return frozenset({Signal.P50_LATENCY, Signal.P99_LATENCY, Signal.ERROR_RATE})
        if self.kind is FaultKind.HTTP_STATUS and self.status < 500:
            return frozenset()
        return frozenset({Signal.ERROR_RATE})

    @property
    def written(self) -> str:
        """The fault as a person writes it."""
        if self.kind is FaultKind.DELAY:
            return f"delay:{self.delay_ms}ms"
        if self.kind is FaultKind.HTTP_STATUS:
            return f"http-status:{self.status}"
        return "error"


class Problem(Frozen):
    """Something that would make an experiment a silent no-op (or unsafe), with its fix."""

    what: str
    """What is wrong, in words: `checkout-api has no FIS extension layer`."""
    fix: str
    """How to fix it, concretely (a command, a setting, a policy statement)."""


class Injection(Frozen):
    """A fault injected at one step: what removes it later (safe by order: recorded on the
    experiment before the injector is called, with the key that makes a retry the same call)."""

    key: str
    """Idempotency key (FIS `clientToken`): `<experiment id>-<step>`."""
    percent: int
    """The share of invocations faulted (FIS `invocationPercentage`)."""
    handle: str = ""
    """What the injector returned (the FIS experiment id; the local simulation's key)."""
    at: datetime | None = None
    refused: bool = False
    """The injector's call answered with an error: nothing of it is still being made (a
    recorded injection neither made nor refused may still land; see `rollback.in_flight`)."""


class LeverState(Frozen):
    """The org's kill switch: while engaged, running experiments stop and none starts."""

    engaged: bool
    by: str = ""
    at: datetime | None = None
    reason: str = ""
    foreign: bool = False
    """Engaged by another organisation of this deployment (an account-wide lever): who and why
    are not said, and only that organisation's admins may release it."""

    @property
    def said_by(self) -> str:
        """` by @oli`, ` (by another organisation of this deployment)`, or empty if unknown."""
        if self.foreign:
            return " (by another organisation of this deployment)"
        return f" by @{self.by}" if self.by else ""


class ExperimentState(StrEnum):
    """Where an experiment stands."""

    AWAITING_APPROVAL = "awaiting-approval"
    """On a production service: waits for a second operator of the team (nothing injected)."""
    STARTING = "starting"
    """Recorded before its first injection (safe by order)."""
    RUNNING = "running"
    ROLLING_BACK = "rolling-back"
    """Its outcome decided, its injections not yet verified removed: the scheduler retries."""
    ENDED = "ended"

    @property
    def said(self) -> str:
        """The state in a person's words: `awaiting approval`, `rolling back`."""
        return self.value.replace("-", " ")

    @property
    def live(self) -> bool:
        """Whether the scheduler still has something to do with it."""
        return self in {
            ExperimentState.STARTING,
            ExperimentState.RUNNING,
            ExperimentState.ROLLING_BACK,
        }


class ExperimentOutcome(StrEnum):
    """How an experiment ended (set when its rollback begins)."""

    HELD = "held"
    """The steady state held at every step."""
    DEVIATED = "deviated"
    """The fault broke the steady state (a significant degradation past an expectation)."""
    INCONCLUSIVE = "inconclusive"
    """Too little traffic to judge, even after the step was extended."""
    HALTED = "halted"
    """Stopped by a person, the safety lever, a real outage or the injection's stop conditions."""
    FAILED = "failed"
    """An injection or its removal failed: said loudly, the removal retried until verified."""


class ChaosStep(Frozen):
    """One judgement or action, for the experiment's message, history and journal."""

    at: datetime
    percent: int
    what: str
    """`started`, `injected`, `judged`, `extended`, `advanced`, `deviated`, `halted`, ..."""
    reason: str = ""
    by: str = "scheduler"


class RollbackAttempt(Frozen):
    """One try at removing an injection, and whether its removal was verified."""

    at: datetime
    key: str
    """The injection's key."""
    verified: bool
    error: str = ""
    stopping: bool = False
    """Removal asked without an error but not verified yet (FIS reads `stopping` for a while):
    a failure only once it has stayed so past the grace (see `rollback.STOPPING_GRACE`)."""


class SteadyState(Frozen):
    """The hypothesis judged at one moment (a Chaos Toolkit `steady_states` entry)."""

    at: datetime
    percent: int
    met: bool
    verdict: str
    """`held`, `deviated`, `inconclusive`."""
    reasons: list[str] = Field(default_factory=list)
    requests: int = 0
    """Before a start: the requests the service served in the minutes checked."""
    needed: int = 0
    """Before a start: the faulted requests a step needs for a verdict at those minutes' error
    rate (a held: an error rate at the bound, or double, would show)."""
    errors: int = 0
    """Before a start: the errors among those requests (the unfaulted error rate a plan sizes
    its steps by)."""
    latency: dict[str, float] = Field(default_factory=dict)
    """Before a start: the upper quartile of each bounded latency's per-minute values (ms), by
    signal (`p99_latency`): what a delay comes on top of (above the median, as it drifts)."""


class Experiment(Frozen):
    """A fault injected into a growing share of a service's invocations, its steady state judged
    at every step; versioned (every change is a conditional write)."""

    id: str
    """`chx-<hex>`."""
    org: str
    team: str
    service: str
    kind: ResourceKind
    fault: Fault
    percents: list[int] = Field(default_factory=lambda: [1, 5, 25])
    step_duration: timedelta = timedelta(minutes=10)
    """How long each percent is held before it is judged (`--duration`)."""
    expectations: list[str]
    """The steady state, as written (`p99_latency < 2s`)."""
    state: ExperimentState = ExperimentState.STARTING
    outcome: ExperimentOutcome | None = None
    reason: str = ""
    """Why it ended (or is ending), in words."""
    step: int = 0
    step_started_at: datetime
    extensions: int = 0
    """How many times the current step was extended for want of traffic."""
    started_by: str
    started_at: datetime
    approved_by: str = ""
    ended_at: datetime | None = None
    production: bool = False
    platform: Platform = Platform.SLACK
    history: list[ChaosStep] = Field(default_factory=list)
    injections: list[Injection] = Field(default_factory=list)
    rollbacks: list[RollbackAttempt] = Field(default_factory=list)
    steady_states: list[SteadyState] = Field(default_factory=list)
    """The judgements of the steady state at each step's end and at a deviation (the journal's
    `during`)."""
    valid_for: timedelta = timedelta(days=30)
    """How long a held outcome stands as verified resilience (`--valid-for`)."""
    latest: SteadyState | None = None
    """The guard's latest judgement of the steady state (every minute's, kept in the journal
    only at a step's end or a deviation): what `chaos status` shows while a step runs."""
    looks: int = 0
    """How many times its steady state was judged (every minute's guard included): the
    significance of each test is shared among them."""
    before: SteadyState | None = None
    """The unfaulted traffic checked against the steady state before the first injection."""
    service_key: str = ""
    """What it holds in its org from its first record to its end, one experiment at a time: its
    service's resource (`aws-lambda:checkout-fn`, every registration of it; for the bundled
    sample, the team's registration: `sample:payments/checkout-api`); empty on one recorded
    before services were claimed."""
    message: ReplyTarget | None = None
    """The one message per experiment, updated at every step."""
    unwatched_since: datetime | None = None
    """Since when its guard or its metrics could not be read, every tick since (None while
    watched): halted once that lasts `UNWATCHED_FOR`."""
    version: int = 0

    @property
    def over(self) -> bool:
        """Whether it has ended (its every injection verified removed)."""
        return self.state is ExperimentState.ENDED

    @property
    def percent(self) -> int:
        """The share of invocations faulted now (0 once it is rolling back or over)."""
        if self.state in {ExperimentState.RUNNING, ExperimentState.STARTING}:
            return self.percents[self.step]
        return 0

    @property
    def standing(self) -> str:
        """Where it stands: `running at 5% (step 2/3)`, `ended: deviated`."""
        step = f"step {self.step + 1}/{len(self.percents)}"
        if self.state is ExperimentState.ENDED:
            return f"ended: {self.outcome.value if self.outcome else 'unknown'}"
        if self.state is ExperimentState.ROLLING_BACK:
            outcome = self.outcome.value if self.outcome else "ending"
            return f"rolling back ({outcome}) at {step}"
        if self.state is ExperimentState.AWAITING_APPROVAL:
            return "awaiting approval"
        return f"{self.state.said} at {self.percent}% ({step})"

    def due(self, now: datetime) -> bool:
        """Whether the current step has run its duration."""
        return self.state is ExperimentState.RUNNING and now - self.step_started_at >= (
            self.step_duration
        )

    def pending(self) -> list[Injection]:
        """The injections whose removal is not verified yet: the latest try of each decides
        (one said removed by its key before it landed is tried again once it has)."""
        latest = {r.key: r.verified for r in self.rollbacks}
        return [i for i in self.injections if not latest.get(i.key, False)]


class VerifiedResilience(Frozen):
    """A held experiment's result, one per service and hypothesis (the fault and the steady
    state): it stands until it expires or a later deviated or failed run of the same service and
    fault revokes it."""

    org: str
    team: str
    service: str
    fault: Fault
    expectations: list[str]
    percent: int
    """The largest share of invocations faulted at which the steady state held."""
    at: datetime
    expires_at: datetime
    experiment: str
    """The experiment that verified it."""
    revoked_at: datetime | None = None
    revoked_by: str = ""
    """The experiment whose run revoked it."""
    revoked_reason: str = ""
    service_key: str = ""
    """The resource the service read when it was verified (`service_key`; empty: recorded
    before it was kept): a service removed, or registered again for another resource, proves
    nothing by this result."""

    @property
    def key(self) -> str:
        """What one result is kept per: the service, the fault and the steady state."""
        return "|".join([self.service, self.fault.written, *sorted(self.expectations)])

    def standing(self, now: datetime) -> str:
        """`current`, `expired` or `revoked`."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if now >= self.expires_at else "current"
