"""What chaos experiments need from outside: where they are kept, what injects and removes a
fault, the checks before a start, the org's safety lever, and each share's metrics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from shared.chaos.models import (
    Experiment,
    Fault,
    Injection,
    LeverState,
    Problem,
    VerifiedResilience,
)
from shared.chaos.schedules import GameDay
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.judging.judge import MetricData
from shared.telemetry.models import Service, Signal


class FaultInjector(Protocol):
    """Injects a fault into a share of a service's invocations (AWS FIS; the sample's
    simulation locally)."""

    has_stop_conditions: bool
    """Whether its injections carry stop conditions of their own that stop them without Auto
    SRE (FIS: the guard alarm); the plan names them as a halt path only then."""

    delays_fail: bool
    """Whether a delay it injects can fail requests (FIS: past the function's timeout), so an
    error-rate bound alone sees it; the simulation only slows them."""

    def preflight(self, service: Service, fault: Fault) -> Sequence[Problem]:
        """Everything that would make an injection a silent no-op, each with its fix; empty
        when the target is ready (for FIS: the extension layer, the exec wrapper, the S3
        configuration location, no response streaming, the poll wait of fast functions, the
        experiment role's permissions, then a `skip-all` dry run that resolves the targets)."""

    def inject(self, service: Service, fault: Fault, injection: Injection, *, minutes: int) -> str:
        """Start faulting `injection.percent`% of the service's invocations for at most
        `minutes`; the same `injection.key` twice is one injection. Returns its handle."""

    def remove(self, handle: str) -> None:
        """Stop the injection (idempotent: removing a removed one is not an error)."""

    def tripped(self, handle: str) -> str:
        """Why the injection's own stop conditions fired (FIS: its customer-impact alarm is in
        ALARM), in words; empty while they have not. FIS stops the experiment by itself; Auto
        SRE still reads this every tick and halts (moto, and a lagging FIS, do not stop it)."""

    def removed(self, handle: str) -> bool:
        """Whether the injection is verified gone (FIS: the experiment is stopped, completed
        or failed; never just `stopping`)."""

    def remove_unmade(self, key: str) -> bool:
        """Remove whatever a start of injection `key` may have left though its handle was never
        kept (a start that failed or stopped half way; FIS: an experiment tagged with the key,
        its guard alarm); whether nothing of it injects any more (False while it stops)."""


class SafetyLever(Protocol):
    """The org-wide kill switch (FIS's account safety lever on AWS)."""

    def state(self, org: OrgId) -> LeverState:
        """Engaged or not, by whom and why."""

    def engage(self, org: OrgId, *, by: str, reason: str, at: datetime) -> LeverState:
        """Engage it: running experiments stop, new ones are refused."""

    def release(self, org: OrgId, *, by: str, at: datetime) -> LeverState:
        """Disengage it."""


class FaultMetrics(Protocol):
    """The faulted and the unfaulted share of a service's traffic over the same minutes."""

    splits_shares: bool
    """Whether it reads the faulted and the unfaulted share apart (False: the whole service
    during a step is the experiment, its minutes before the step the control)."""

    def compare(
        self, service: Service, signals: Sequence[str], *, start: datetime, end: datetime
    ) -> dict[str, MetricData]:
        """Per signal (`error_rate`, `p99_latency`): per-minute samples of the unfaulted share
        (control) and the faulted share (experiment); for counts, the requests each served.
        UnavailableError, saying why, for a service whose minutes it cannot read (the local
        simulation: any service but the sample): never figures that are not the service's."""

    def fault_alone(self, fault: Fault, signal: Signal, percent: int) -> float:
        """The least `signal` (an error rate in %, a latency in ms) `fault` on `percent`% of the
        invocations makes the judged side show by itself, whatever the service does: on a
        faulted share read apart, 100% of errors under a fault that fails requests and the
        delay under a delay; on the whole service, `percent`% of errors, and the delay as its
        p99 once more than 1% is delayed; 0 where the fault alone makes nothing certain."""


class ServiceTakenError(ConflictError):
    """A new experiment's service is held by another experiment of its org not yet ended."""

    def __init__(self, holder: Experiment) -> None:
        super().__init__(f"{holder.id} is already {holder.standing} on {holder.service}.")
        self.holder = holder
        """The experiment that holds the service."""


class ChaosStore(Protocol):
    """Experiments, versioned: every change is a conditional write (a stale one is a
    ConflictError). One experiment at a time holds a service (`Experiment.service_key`) in its
    org: from the write that first records it to the write that ends it."""

    def get(self, org: OrgId, experiment_id: str) -> Experiment | None:
        """One experiment, or None."""

    def save(self, experiment: Experiment) -> Experiment:
        """Store it if the stored version is still `experiment.version` (0: new). A new one
        (not ended) also claims its `service_key` in the same atomic write: ServiceTakenError,
        nothing stored, while another experiment of the org holds it. The write that ends an
        experiment releases its claim with it (the release of a claim it no longer holds is
        none); no other write claims or releases."""

    def list_for(self, org: OrgId, team: str) -> Sequence[Experiment]:
        """A team's experiments, newest first."""

    def every(self) -> Sequence[Experiment]:
        """Every experiment not yet ended, of every org (what the scheduler advances and what
        `halt --all` stops)."""

    def keep_verified(self, result: VerifiedResilience) -> None:
        """Store a verified resilience result, replacing the one of the same team and key."""

    def verified(self, org: OrgId, team: str) -> Sequence[VerifiedResilience]:
        """A team's verified resilience results (expired and revoked ones too), newest first."""

    def save_game_day(self, game_day: GameDay) -> GameDay:
        """Store a game day if its stored version is still `game_day.version` (0: new)."""

    def game_days(self, org: OrgId, team: str) -> Sequence[GameDay]:
        """A team's game days, newest first."""

    def every_game_day(self) -> Sequence[GameDay]:
        """Every game day of every org (what the scheduler's tick starts)."""

    def remove_game_day(self, org: OrgId, game_day_id: str) -> bool:
        """Remove a game day; whether there was one."""

    def halt_record(self, org: OrgId) -> LeverState:
        """The org's own record of its kill switch (kept beside the lever, so that a lever that
        cannot be engaged still refuses starts); not engaged if never kept."""

    def keep_halt_record(self, org: OrgId, state: LeverState) -> None:
        """Keep the org's record of its kill switch."""


class Outages(Protocol):
    """A real outage of a team: what halts its experiments and refuses new ones."""

    def firing(self, org: OrgId, team: str) -> list[str]:
        """Why the team is in an outage, in words (each page-severity alert firing, each
        investigation open); empty when it is not."""
