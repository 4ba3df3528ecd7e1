"""An investigation: what it found, who works it, its timeline."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import Field

from shared.invocation import ReplyTarget
from shared.quotas.models import Refused
from shared.records import Frozen
from shared.telemetry.models import Event, Finding, LogEvidence, Signal, Verdict


class InvestigationStatus(StrEnum):
    """Where an investigation stands."""

    OPEN = "open"
    RESOLVED = "resolved"


class TimelineEntry(Frozen):
    """One thing that happened in an investigation: opened, joined, a comment, resolved."""

    time: datetime
    actor: str
    kind: str
    text: str

    def told(self) -> str:
        """`@rey comment: rolled back v7`, or `@rey reopened` when the text only names the kind."""
        said = "" if self.text in {"", self.kind} else f": {self.text}"
        return f"@{self.actor} {self.kind}{said}"


class Narrative(Frozen):
    """The account of an investigation and who wrote it (`cause-first v1 · 3f9c2a1b7d0e`, or
    `rule-based` for the fallback)."""

    text: str
    by: str
    refused: Refused | None = None
    """The team's model-token quota that kept the AI narrative from being written (the text is
    then the rule-based account)."""


class Investigation(Frozen):
    """An investigation of one service, owned by one team, worked by its participants."""

    id: str
    org: str
    team: str
    service: str
    opened_by: str
    opened_at: datetime
    start: datetime
    end: datetime
    headline: str
    findings: list[Finding] = Field(default_factory=list)
    status: InvestigationStatus = InvestigationStatus.OPEN
    participants: list[str] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    summary: str = ""
    cause: str = ""
    """What the responders said was the cause (asked at resolve: a finding's signal, an event of
    the report, or their own words); empty until someone says it."""
    cause_by: str = ""
    """Who said the cause last."""
    narrative: str = ""
    """What happened, in a few sentences (the summariser's account)."""
    narrated_by: str = ""
    """Who wrote the narrative: a prompt variant and its hash, or `rule-based` (older ones: "")."""
    logs: list[LogEvidence] = Field(default_factory=list)
    """What the service's logs say about the window, where it has a log workspace."""
    shared_with: list[str] = Field(default_factory=list)
    """Teams it was escalated to: they may see and join it, and nothing else of the owner's."""
    series: dict[Signal, list[tuple[datetime, float]]] = Field(default_factory=dict)
    """The window's golden signals, kept for the chart and the page."""
    units: dict[Signal, str] = Field(default_factory=dict)
    """How each signal's values read (`units_of` its service); empty for investigations stored
    before (each signal's usual unit)."""
    events: list[Event] = Field(default_factory=list)
    """What the report listed as happening around the window, most relevant first."""
    verdicts: list[Verdict] = Field(default_factory=list)
    """One per signal read: changed, steady, or why it could not be judged (older investigations
    have none)."""
    reported_in: ReplyTarget | None = None
    """Where its report was posted (the channel, or thread, it was asked in): what happens to it
    later is told there (older investigations: in their team's channels)."""
    version: int = 0


LIVE = timedelta(hours=1)
"""How close to its opening an investigation's window must end for it to be of what was going on
then (one read with `--since` of last week's data is history, however open)."""


def ongoing_outage(investigation: Investigation) -> bool:
    """Whether an open investigation is of an outage still going on: it was of what was going on
    when it was opened, and found a change still going on at its window's end (an outage left
    open is one until someone resolves it). One about a spike that recovered inside its window,
    or about older data, is history: an alert firing now does not join it, and chaos does not
    wait for it."""
    return live(investigation) and any(finding.end is None for finding in investigation.findings)


def live(investigation: Investigation) -> bool:
    """Whether it was of what was going on when it was opened (its window ended within LIVE of
    its opening), not of older data."""
    return investigation.opened_at - investigation.end <= LIVE
