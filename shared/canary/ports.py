"""What canaries need from outside: where they are kept, the traffic split, each release's
metrics, and versions of the investigator to replay."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from shared.canary.models import Canary
from shared.canary.routing import Route
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.judging.judge import MetricData

if TYPE_CHECKING:  # replay imports the investigator, which imports telemetry's ports
    from shared.canary.replay import Scenario, ScenarioFindings


class TargetTakenError(ConflictError):
    """A new canary's target is held by another canary of its org not yet over."""

    def __init__(self, holder: Canary) -> None:
        super().__init__(f"{holder.id} is already {holder.state.said} on {holder.target}.")
        self.holder = holder
        """The canary that holds the target."""


class CanaryStore(Protocol):
    """Canaries, versioned: every step is a conditional write (a stale one is a ConflictError).
    One canary at a time holds a target in its org: from the write that first records it to the
    write that ends it (promoted or rolled back); recording another is a TargetTakenError."""

    def get(self, org: OrgId, canary_id: str) -> Canary | None:
        """One canary, or None."""

    def save(self, canary: Canary) -> Canary:
        """Store it if the stored version is still `canary.version` (0: new, claiming its
        target, TargetTakenError while another holds it); a write that ends it releases it."""

    def list_for(self, org: OrgId, team: str) -> Sequence[Canary]:
        """A team's canaries, newest first."""

    def every(self) -> Sequence[Canary]:
        """Every canary still running or holding, of every org (what the scheduler advances)."""


class VersionMetrics(Protocol):
    """The stable and the canary release of one target, measured over the same minutes."""

    def compare(self, canary: Canary, *, start: datetime, end: datetime) -> dict[str, MetricData]:
        """Per metric of the canary: per-minute samples of each release (control = stable,
        experiment = canary) and, for counts, the requests each served."""


class InvestigatorVersions(Protocol):
    """Versions of Auto SRE's own investigator, to replay scenarios against (canary item 6)."""

    def findings(self, target: str, version: str, cases: Sequence[Scenario]) -> ScenarioFindings:
        """What `version` of the investigator at `target` (`FUNCTION:ALIAS`) finds in each
        scenario; raises VersionFailedError if that version's code fails on them."""


class TrafficRouter(Protocol):
    """Splits a target's traffic between its stable version and a canary (Lambda alias weights)."""

    def route(self, target: str) -> Route:
        """Where the target's traffic goes now."""

    def shift(self, target: str, *, canary: str, weight: float) -> Route:
        """Send `weight` (0 < weight < 1) of the traffic to `canary`; the stable version keeps the
        rest and stays the target's version."""

    def promote(self, target: str, *, canary: str) -> Route:
        """Make `canary` the target's version, its weight cleared (only its own)."""

    def rollback(self, target: str, *, canary: str) -> Route:
        """Send `canary`'s traffic back to the stable version (a weight another version holds
        is not this canary's to clear: left as it is)."""
