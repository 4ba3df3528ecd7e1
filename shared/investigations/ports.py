"""What investigations need from outside: where they are kept, and who tells them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from shared.identity.models import OrgId
from shared.investigations.models import Investigation


class Summariser(Protocol):
    """Tells an investigation in a few sentences (a rule-based narrative; an AI model later)."""

    def summarise(self, investigation: Investigation) -> str:
        """The account shown first in the report and on the page."""


class InvestigationStore(Protocol):
    """Investigations, versioned like teams (a stale write is a ConflictError)."""

    def get(self, org: OrgId, investigation_id: str) -> Investigation | None:
        """One investigation, or None."""

    def save(self, investigation: Investigation) -> Investigation:
        """Store it if the stored version is still `investigation.version` (0: new)."""

    def list_for(self, org: OrgId, team: str) -> Sequence[Investigation]:
        """A team's investigations, newest first."""
