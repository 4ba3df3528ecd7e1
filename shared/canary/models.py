"""A canary deployment: a new release of a Lambda function taking more and more of the traffic,
judged at every step against the stable release."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import Field

from shared.identity.models import Platform
from shared.invocation import ReplyTarget
from shared.records import Frozen
from shared.telemetry.models import ResourceKind

TICK_DRIFT = timedelta(seconds=5)
"""How early the scheduler's minute tick may come (EventBridge's, or a loop of `run-once`,
drifts by a second or so): a step that far from its interval is due."""


class CanaryState(StrEnum):
    """Where a canary stands."""

    STARTING = "starting"
    """Recorded before its first shift (safe by order): the start finishes it, else the scheduler
    undoes it."""
    RUNNING = "running"
    HOLDING = "holding"
    """Held by a person (or waiting for one after an inconclusive step): the weight stays."""
    PROMOTED = "promoted"
    ROLLED_BACK = "rolled-back"
    PROMOTING = "promoting"
    """Recorded as promoted, its traffic not yet moved (safe by order): the scheduler ends it."""
    ROLLING_BACK = "rolling-back"
    """Recorded as rolled back, the traffic not yet moved: the scheduler finishes it."""

    @property
    def said(self) -> str:
        """The state in a person's words: `rolled back`, `held`."""
        return "held" if self is CanaryState.HOLDING else self.value.replace("-", " ")

    @property
    def over(self) -> bool:
        """Whether nothing more will happen to it."""
        return self in {CanaryState.PROMOTED, CanaryState.ROLLED_BACK}

    @property
    def moving(self) -> bool:
        """Whether it is recorded on its way to promoted or rolled back, the traffic not yet."""
        return self in {CanaryState.PROMOTING, CanaryState.ROLLING_BACK}

    @property
    def decidable(self) -> bool:
        """Whether a person may promote, roll back, hold or resume it now."""
        return not self.over and not self.moving and self is not CanaryState.STARTING


class StepRecord(Frozen):
    """One judgement or action, for the canary's message and history."""

    at: datetime
    weight: float
    what: str
    """`judged`, `extended`, `advanced`, `promoted`, `rolled back`, `held`, `resumed`, ..."""
    reason: str
    """Why, in words; empty for a person's decision (who made it says it)."""
    by: str = "scheduler"
    repeats: int = 1
    """How many judgements in a row this line stands for (the same outcome at the same weight,
    `extended` or `judged while held` every interval of a long hold: one line, so a canary's
    record stays small however long it waits); `at` is the first, `last_at` the latest."""
    last_at: datetime | None = None
    failed_reads: int = 0
    """Failed metric reads (`query error`s, no judgement) folded into this line when a long
    history was compacted (see `steps.compacted`)."""

    def again(self, newer: StepRecord) -> StepRecord | None:
        """This line standing also for `newer`, when `newer` repeats it (the scheduler's same
        outcome at the same weight, not a move); None when it is a line of its own."""
        same = (newer.what, newer.weight, newer.by) == (self.what, self.weight, self.by)
        if not same or newer.by != "scheduler" or newer.what not in REPEATED:
            return None
        update = {"repeats": self.repeats + 1, "last_at": newer.at, "reason": newer.reason}
        return self.model_copy(update=update)

    def merged(self, newer: StepRecord) -> StepRecord | None:
        """This line and the `newer` one after it as one, when both are the scheduler's
        repeated outcomes at the same weight: the same outcome, or a judgement and failed reads
        (counted apart: a failed read is no judgement); None otherwise."""
        both = (self, newer)
        if any(r.by != "scheduler" or r.what not in REPEATED for r in both):
            return None
        if self.weight != newer.weight:
            return None
        kinds = {r.what for r in both} - {"query error"}
        if len(kinds) > 1:
            return None
        what = kinds.pop() if kinds else "query error"
        judged = [r for r in both if r.what == what]
        errors = sum(r.repeats for r in both if r.what != what)
        return self.model_copy(
            update={
                "what": what,
                "reason": judged[-1].reason,
                "repeats": sum(r.repeats for r in judged),
                "failed_reads": self.failed_reads + newer.failed_reads + errors,
                "last_at": newer.last_at or newer.at,
            }
        )


REPEATED = frozenset({"extended", "judged while held", "query error"})
"""The scheduler's outcomes that can recur every interval without anything moving."""


class Canary(Frozen):
    """A release under canary: its target (`FUNCTION:ALIAS`), the two releases and the plan."""

    id: str
    org: str
    team: str
    service: str
    target: str
    stable: str
    release: str
    steps: list[float]
    """Weights, ending at 1.0 (promote)."""
    interval: timedelta
    metrics: list[str]
    critical: list[str]
    state: CanaryState = CanaryState.RUNNING
    step: int = 0
    step_started_at: datetime
    started_by: str
    started_at: datetime
    kind: ResourceKind = ResourceKind.AWS_LAMBDA
    platform: Platform = Platform.SLACK
    history: list[StepRecord] = Field(default_factory=list)
    message: ReplyTarget | None = None
    """The one message per canary, updated at every step."""
    query_errors: int = 0
    unjudged: int = 0
    """Judgements in a row that could judge nothing (too few canary requests, a metric without
    data): held at `UNJUDGED_LIMIT`."""
    replay: bool = False
    """The release is Auto SRE's own investigator: also judge it on the replay set."""
    version: int = 0

    @property
    def weight(self) -> float:
        """The canary's share of the traffic now."""
        if self.state is CanaryState.PROMOTED:
            return 1.0
        if self.state is CanaryState.ROLLED_BACK:
            return 0.0
        return self.steps[self.step]

    @property
    def standing(self) -> str:
        """Where it stands: `running at 5% (step 1/4)`, `rolled back at step 1/4`."""
        step = f"step {min(self.step + 1, len(self.steps))}/{len(self.steps)}"
        if self.state is CanaryState.PROMOTED:
            return "promoted at 100%"
        if self.state is CanaryState.ROLLED_BACK:
            return f"rolled back at {step}"
        return f"{self.state.said} at {self.weight:.0%} ({step})"

    def due(self, now: datetime) -> bool:
        """Whether the current step has baked long enough to be judged: its interval, less the
        tick's drift (a tick a second short of the interval is the tick it meant: a 1m canary
        was judged every other tick, a 5m one after 6; counting whole minutes instead would
        judge a 90s step after 61 s)."""
        baked = now - self.step_started_at
        return not self.state.over and baked + TICK_DRIFT >= self.interval
