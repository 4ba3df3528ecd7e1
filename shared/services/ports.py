"""What the service catalog needs from the features that use a service: what uses it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from shared.identity.models import OrgId
from shared.records import Frozen


class ServiceUse(Frozen):
    """One thing of a team that uses one of its services."""

    kind: Literal["alert policy", "canary", "chaos experiment", "game day"]
    name: str
    """The policy's name, the canary's, the experiment's or the game day's id."""


class ServiceUsers(Protocol):
    """Answers, for the features that use services, what uses one."""

    def uses(self, org: OrgId, team: str, service: str) -> Sequence[ServiceUse]:
        """What of `team` uses `service`: its alert policies, its canaries and chaos experiments
        not yet over, and its game days."""
