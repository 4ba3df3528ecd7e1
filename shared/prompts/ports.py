"""What prompt variants need from outside: where variants and the feedback on their narratives
are kept."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from shared.identity.models import OrgId
from shared.prompts.experiments import Experiment
from shared.prompts.models import Feedback, Variant


class VariantStore(Protocol):
    """An org's variants, every version of each (a version, once added, keeps its content)."""

    def add(self, variant: Variant) -> None:
        """Keep a new version; ConflictError if that name already has that version."""

    def retire(self, variant: Variant) -> None:
        """Keep `variant` (an existing version) with its `retired_at` set."""

    def list_for(self, org: OrgId) -> Sequence[Variant]:
        """Every version of every variant of the org, by name then version."""


class FeedbackStore(Protocol):
    """Verdicts on narratives: one per person per investigation."""

    def add(self, feedback: Feedback) -> Feedback | None:
        """Keep it unless its author already gave one on that investigation: then keep nothing
        and return theirs."""

    def for_investigation(self, org: OrgId, investigation_id: str) -> Sequence[Feedback]:
        """The verdicts on one investigation's narrative, oldest first."""

    def list_for(self, org: OrgId) -> Sequence[Feedback]:
        """Every verdict of the org, oldest first."""


class ExperimentStore(Protocol):
    """An org's prompt experiments, each written as the next version of what was read."""

    def save(self, experiment: Experiment) -> Experiment:
        """Keep it as version + 1 if the stored one is still at its version (0: new);
        ConflictError if someone saved it meanwhile. A new live one (gating or running) claims
        its scope (its team, or the org) in the same write: ConflictError, nothing kept, while
        another live one holds it; the save that ends the holder (stopped, promoted) frees it."""

    def get(self, org: OrgId, experiment_id: str) -> Experiment | None:
        """One experiment, if the org has it."""

    def list_for(self, org: OrgId) -> Sequence[Experiment]:
        """Every experiment of the org, newest first."""
