"""A prompt experiment: two or three variants (the control always among them) sharing an org's or
a team's narratives, each arm's share of the traffic, its evidence, and which investigation went to
which arm (kept, so a thread's narrative never changes variant)."""

from __future__ import annotations

import statistics
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from shared.prompts.gate import GateRuns
from shared.prompts.models import CONTROL_NAME, Variant
from shared.records import Frozen

MOST_ARMS = 3
BURN_IN = 20
"""Investigations narrated before the shares follow the evidence (equal shares until then)."""
MAX_ASSIGNED = 5_000
"""Investigations an experiment narrates at most: its assignments are kept on its record (a
DynamoDB item holds about ten thousand), so at this many it is stopped, saying why."""
LOOK_EVERY = 10
"""Investigations with a result between two looks at the shares. Shares are recomputed at looks,
as a production bandit does (GrowthBook recomputes its weights on a schedule, not per request),
so each change of the allocation is a countable event, posted and audited, and the channel hears
of at most one every LOOK_EVERY results. Counted in results rather than hours: at a handful of
investigations a week most hourly looks would find nothing new, a burst would wait for the clock,
and the benchmark (which has no clock) runs the same cadence the product does."""
MOST_LATENCIES = 200
"""Latencies an arm keeps (the newest) for its median."""

ExperimentId = Annotated[str, Field(pattern=r"^pe-[0-9a-f]{4,12}$")]
"""A prompt experiment's id: `pe-1a2b3c`."""


class ExperimentState(StrEnum):
    """Where an experiment is: running, stopped by hand, or ended by a promotion."""

    GATING = "gating"
    """Its variants' offline gate runs (over several invocations): no traffic yet."""
    RUNNING = "running"
    STOPPED = "stopped"
    PROMOTED = "promoted"


class Arm(Frozen):
    """One variant in an experiment: its share now and what it did."""

    variant: Variant
    weight: float = Field(ge=0, le=1)
    gate: str = ""
    """What the offline gate said at start (empty: no gate was run)."""
    prior_successes: float = Field(default=0, ge=0)
    prior_failures: float = Field(default=0, ge=0)
    errors: int = 0
    """Narratives the model did not give (error, timeout, refusal, no quota): not a quality
    failure, the control's narrative was posted instead."""
    ungrounded: int = 0
    latencies_ms: list[int] = Field(default_factory=list)
    tokens: int = 0
    halted: str = ""
    """Why it gets no traffic any more (`demoted: …`, `worse than the control`), or empty."""

    @property
    def name(self) -> str:
        """The variant's name."""
        return self.variant.name

    @property
    def median_latency_ms(self) -> int | None:
        """The median of its recorded latencies, if any."""
        return round(statistics.median(self.latencies_ms)) if self.latencies_ms else None


class Step(Frozen):
    """A decision or a change of the shares, when it was made: `what` is one word (`started`,
    `shares`, `demoted`, `stopped`, `promoted`), `text` says it in full."""

    at: datetime
    what: str
    text: str
    team: str | None = None
    """The team whose investigation the step is about: in an org-wide experiment, only its
    channels are told `text`; the other teams', `others` (never a team's investigation)."""
    others: str = ""


class Experiment(Frozen):
    """A running or ended prompt experiment of an org (`team` None: org-wide)."""

    id: ExperimentId
    org: str
    team: str | None = None
    arms: list[Arm]
    floor: float = Field(ge=0.01, le=0.3)
    burn_in: int = BURN_IN
    state: ExperimentState = ExperimentState.RUNNING
    started_by: str
    started_at: datetime
    ended_at: datetime | None = None
    winner: str = ""
    """The promoted variant's name (when `state` is promoted)."""
    assignments: dict[str, str] = Field(default_factory=dict)
    """Investigation id → the arm (variant name) that narrated it (at most MAX_ASSIGNED)."""
    history: list[Step] = Field(default_factory=list)
    looked_at: int = 0
    """Investigations with a result at the last look at the shares (see LOOK_EVERY)."""
    version: int = 0
    gate_runs: GateRuns | None = None
    """The offline gate's runs so far, while it is `gating`."""

    @property
    def scope(self) -> str:
        """`org-wide` or `team payments`."""
        return f"team {self.team}" if self.team else "org-wide"

    @property
    def running(self) -> bool:
        """Whether it still routes narratives."""
        return self.state is ExperimentState.RUNNING

    @property
    def live(self) -> bool:
        """Whether it runs, or its offline gate does: either holds its scope (one live
        experiment per scope, claimed by the store)."""
        return self.state in (ExperimentState.RUNNING, ExperimentState.GATING)

    def covers(self, team: str) -> bool:
        """Whether an investigation of `team` is in its scope."""
        return self.team is None or self.team == team

    def arm(self, name: str) -> Arm | None:
        """The arm of variant `name`, if it has one."""
        return next((a for a in self.arms if a.name == name), None)

    def control(self) -> Arm:
        """The control's arm (every experiment has one)."""
        found = self.arm(CONTROL_NAME)
        if found is None:
            raise ValueError(f"experiment {self.id} has no control arm")
        return found

    def weights(self) -> dict[str, float]:
        """Each arm's share of the traffic now."""
        return {a.name: a.weight for a in self.arms}

    def with_arm(self, arm: Arm) -> Experiment:
        """The experiment with `arm` in place of its namesake."""
        arms = [arm if a.name == arm.name else a for a in self.arms]
        return self.model_copy(update={"arms": arms})

    def noted(self, at: datetime, what: str, text: str) -> Experiment:
        """The experiment with one more step in its history."""
        step = Step(at=at, what=what, text=text)
        return self.model_copy(update={"history": [*self.history, step]})
