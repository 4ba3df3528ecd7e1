"""A team's real outage, read from the features that know it: its page-severity alerts firing
and its investigations open (the one place that reads alerts and investigations together)."""

from __future__ import annotations

from datetime import timedelta

from shared.alerts.models import Severity
from shared.alerts.ports import AlertStore
from shared.alerts.states import State
from shared.identity.models import OrgId
from shared.investigations.models import live, ongoing_outage
from shared.investigations.ports import InvestigationStore
from shared.ports import Clock

LOOKING = timedelta(hours=1)
"""How long an open investigation that found no change still counts as someone looking into an
outage: one opened now may be a report still being read, or one that could not judge; one left
open for days after an all-clear is no outage."""
LISTED = 3
"""The investigations a refusal names (then how many more)."""


class StoredOutages:
    """The Outages port over the alert and investigation stores."""

    def __init__(
        self, *, alerts: AlertStore, investigations: InvestigationStore, clock: Clock
    ) -> None:
        self._alerts = alerts
        self._investigations = investigations
        self._clock = clock

    def firing(self, org: OrgId, team: str) -> list[str]:
        """Each page firing for `team`, and each of its open investigations that found a change
        still going on or was opened in the last hour, of what was going on then (one of last
        week's data is a postmortem, not an outage), in words (the first few, then how many
        more)."""
        pages = [
            f"page `{p.name}` firing on {p.service}"
            for p in self._alerts.list_for(org, team)
            if p.severity is Severity.PAGE and p.status.state is State.FIRING
        ]
        now = self._clock.now()
        open_ = [
            f"investigation {i.id} of {i.service} open"
            + (" (a change found)" if ongoing_outage(i) else "")
            for i in self._investigations.open_for(org, team)
            if ongoing_outage(i) or (live(i) and i.opened_at >= now - LOOKING)
        ]
        more = [f"{len(open_) - LISTED} more investigations open"] if len(open_) > LISTED else []
        return pages + open_[:LISTED] + more
