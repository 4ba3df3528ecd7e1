"""What investigations need from outside: where they are kept, who tells them, and what other
features do to a service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from shared.identity.models import OrgId
from shared.investigations.models import Investigation, Narrative
from shared.telemetry.models import Event

MAX_ASKED = 20
"""The most teams one investigation asks for help (`investigation escalate --to`): past that, the
owner is asking the org, which has its own channel."""

MAX_OPEN = 100
"""The most open investigations of a team one read returns (people resolve them; a team with
more has bigger problems than the ones past this bound)."""


class Summariser(Protocol):
    """Tells an investigation in a few sentences (a rule-based narrative; an AI model later)."""

    def summarise(self, investigation: Investigation) -> Narrative:
        """The account shown first in the report and on the page, and who wrote it."""


class InvestigationStore(Protocol):
    """Investigations, versioned like teams (a stale write is a ConflictError)."""

    def get(self, org: OrgId, investigation_id: str) -> Investigation | None:
        """One investigation, or None."""

    def save(self, investigation: Investigation) -> Investigation:
        """Store it if the stored version is still `investigation.version` (0: new)."""

    def recent(self, org: OrgId, team: str, *, newest: int) -> Sequence[Investigation]:
        """A team's newest `newest` investigations (at most), newest first: the read is bounded
        however many the team ever opened."""

    def open_for(self, org: OrgId, team: str) -> Sequence[Investigation]:
        """A team's open investigations, however old, newest first, at most MAX_OPEN of them."""

    def asked_of(self, org: OrgId, team: str, *, newest: int) -> Sequence[Investigation]:
        """Other teams' investigations that escalated to `team` (it is in their `shared_with`),
        newest first, at most `newest` of them."""


class ServiceActivity(Protocol):
    """What other features do to a service that its audit trail does not say in time (chaos
    runs: when each began, what it injected, how it ended)."""

    def events(
        self, org: OrgId, team: str, service: str, *, start: datetime, end: datetime
    ) -> Sequence[Event]:
        """What was done to `service` in [start, end], as events of the report."""

    def ongoing(self, org: OrgId, team: str, service: str) -> Sequence[str]:
        """What is being done to `service` now, in words (`chaos experiment chx-1 injects
        delay:1500ms into 5% of checkout-api`); empty when nothing is."""
