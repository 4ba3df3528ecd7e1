"""Where alert policies and silences are kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from shared.alerts.models import AlertPolicy, Silence
from shared.identity.models import OrgId
from shared.records import Frozen


class AlertStore(Protocol):
    """Alert policies (each with its alert's state, versioned: a stale write is a ConflictError)
    and silences."""

    def get(self, org: OrgId, team: str, name: str) -> AlertPolicy | None:
        """One policy, or None."""

    def save(self, policy: AlertPolicy) -> AlertPolicy:
        """Store it if the stored version is still `policy.version` (0: new)."""

    def delete(self, org: OrgId, team: str, name: str) -> None:
        """Remove a policy; NotFoundError if there is none."""

    def list_for(self, org: OrgId, team: str) -> Sequence[AlertPolicy]:
        """A team's policies, by name."""

    def every(self) -> Sequence[AlertPolicy]:
        """Every policy of every org (what the scheduler evaluates)."""

    def save_silence(self, silence: Silence) -> None:
        """Store or replace a silence."""

    def silences(self, org: OrgId, team: str) -> Sequence[Silence]:
        """A team's silences, expired ones included, newest first."""


class EvaluationChart(Frozen):
    """What `alert test` draws: the signal's recent values, the threshold, the periods judged."""

    title: str
    signal: str
    """The signal as people say it, with its unit: `error rate (%)`."""
    points: tuple[tuple[datetime, float], ...]
    threshold: float | None = None
    """The line the values cross (none for an anomaly condition)."""
    judged_from: datetime
    """Where the last N periods, the ones that decide, begin."""
    end: datetime
    breaching: tuple[datetime, ...] = ()
    """The judged points that breach."""


ChartRenderer = Callable[[EvaluationChart], bytes]
"""Draws an evaluation as a small PNG chart."""
