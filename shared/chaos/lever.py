"""The org's kill switch as the chaos commands see it: the org's own halt record in the chaos
store, then the lever itself (FIS's on AWS). A halt is recorded before the lever is engaged, so
a lever that cannot be engaged still refuses every start; a release releases the lever before
the record, so a lever that cannot be released leaves the org halted."""

from __future__ import annotations

from datetime import datetime

from shared.chaos.models import LeverState
from shared.chaos.ports import ChaosStore, SafetyLever
from shared.errors import ConflictError
from shared.identity.models import OrgId


class RecordedLever:
    """The SafetyLever port over the org's halt record and the lever."""

    def __init__(self, *, store: ChaosStore, lever: SafetyLever) -> None:
        self._store = store
        self._lever = lever

    def state(self, org: OrgId) -> LeverState:
        """The org's record if it is halted; else the lever's state (an error if unreadable)."""
        kept = self._store.halt_record(org)
        return kept if kept.engaged else self._lever.state(org)

    def held(self, org: OrgId) -> LeverState:
        """The org's own halt record, whatever the lever."""
        return self._store.halt_record(org)

    def lever(self, org: OrgId) -> LeverState:
        """The lever itself, whatever the org's record (an error if unreadable)."""
        return self._lever.state(org)

    def hold(self, org: OrgId, *, by: str, reason: str, at: datetime) -> None:
        """Record the org halted: no start from now, whatever the lever."""
        self._store.keep_halt_record(org, LeverState(engaged=True, by=by, at=at, reason=reason))

    def engage(self, org: OrgId, *, by: str, reason: str, at: datetime) -> LeverState:
        """Record the org halted, then engage the lever."""
        self.hold(org, by=by, reason=reason, at=at)
        return self._lever.engage(org, by=by, reason=reason, at=at)

    def pull(self, org: OrgId, *, by: str, reason: str, at: datetime) -> LeverState:
        """Engage the lever alone: the org's record cannot be written (the state store down)."""
        return self._lever.engage(org, by=by, reason=reason, at=at)

    def release(self, org: OrgId, *, by: str, at: datetime) -> LeverState:
        """Release the lever, then the org's record; a lever another org engaged (an
        account-wide lever) is left to it, and the org's own record released all the same."""
        try:
            released = self._lever.release(org, by=by, at=at)
        except ConflictError:
            released = self._lever.state(org)
            if not released.foreign:
                raise
        self._store.keep_halt_record(org, LeverState(engaged=False, by=by, at=at))
        return released
