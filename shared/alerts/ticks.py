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
    not_due: int = 0
    """Policies judged already in this minute, or not yet at their interval: not evaluated."""
    fired: list[str] = field(default_factory=list)
    silenced: list[str] = field(default_factory=list)
    """Of those that fired, the ones a silence kept from being told."""
    resolved: list[str] = field(default_factory=list)
    no_data: list[str] = field(default_factory=list)
    """Firing alerts whose data stopped: not resolved, and told so."""
    data_back: list[str] = field(default_factory=list)
    """Firing alerts whose data came back still breaching: not fired anew."""
    escalated: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    investigations: list[WantedInvestigation] = field(default_factory=list)
    """Run after the tick, as follow-ups of its command."""

    def told(self, change: str) -> list[str]:
        """The names of the alerts of one transition (`fired`, `resolved`, `no data`,
        `data back`)."""
        return {
            "fired": self.fired,
            "resolved": self.resolved,
            "no data": self.no_data,
            "data back": self.data_back,
        }[change]

    def sort(self) -> None:
        """Each transition's names in order, whichever org's part told them first."""
        for names in (self.fired, self.resolved, self.no_data, self.data_back, self.escalated):
            names.sort()

    def add(self, other: TickReport) -> None:
        """Count in what one org's part of the tick did."""
        self.evaluated += other.evaluated
        self.not_due += other.not_due
        self.fired += other.fired
        self.silenced += other.silenced
        self.resolved += other.resolved
        self.no_data += other.no_data
        self.data_back += other.data_back
        self.escalated += other.escalated
        self.problems += other.problems
        self.investigations += other.investigations
