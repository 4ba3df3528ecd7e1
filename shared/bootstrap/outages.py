"""A team's real outage, read from the features that know it: its page-severity alerts firing
and its investigations open (the one place that reads alerts and investigations together)."""

from __future__ import annotations

from shared.alerts.models import Severity
from shared.alerts.ports import AlertStore
from shared.alerts.states import State
from shared.identity.models import OrgId
from shared.investigations.ports import InvestigationStore


class StoredOutages:
    """The Outages port over the alert and investigation stores."""

    def __init__(self, *, alerts: AlertStore, investigations: InvestigationStore) -> None:
        self._alerts = alerts
        self._investigations = investigations

    def firing(self, org: OrgId, team: str) -> list[str]:
        """Each page firing and each investigation open for `team`, in words."""
        pages = [
            f"page `{p.name}` firing on {p.service}"
            for p in self._alerts.list_for(org, team)
            if p.severity is Severity.PAGE and p.status.state is State.FIRING
        ]
        open_ = [
            f"investigation {i.id} of {i.service} open"
            for i in self._investigations.open_for(org, team)
        ]
        return pages + open_
