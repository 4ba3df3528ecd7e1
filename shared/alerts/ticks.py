"""What one alert tick did, and the investigations it asks for."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.alerts.models import AlertPolicy
from shared.invocation import ReplyTarget


@dataclass(frozen=True)
class WantedInvestigation:
    """An investigation a tick asks for, of a policy's service as the scheduler, its report
    posted at `thread` (the alert message's thread); `key` makes a retried tick ask once."""

    policy: AlertPolicy
    thread: ReplyTarget
    key: str


@dataclass
class TickReport:
    """What one tick did."""

    evaluated: int = 0
    fired: list[str] = field(default_factory=list)
    silenced: list[str] = field(default_factory=list)
    """Of those that fired, the ones a silence kept from being told."""
    resolved: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    investigations: list[WantedInvestigation] = field(default_factory=list)
    """Run after the tick, as follow-ups of its command."""

    def add(self, other: TickReport) -> None:
        """Count in what one org's part of the tick did."""
        self.evaluated += other.evaluated
        self.fired += other.fired
        self.silenced += other.silenced
        self.resolved += other.resolved
        self.escalated += other.escalated
        self.problems += other.problems
        self.investigations += other.investigations
