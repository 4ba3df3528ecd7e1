"""A canary record for tests of the canary's pure parts: version 43 of checkout-api over 41,
started by oli at NOW, in four steps of five minutes; any field can be changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shared.canary.models import Canary
from tests.support import NOW


def a_canary(**changes: Any) -> Canary:
    """The canary above, with `changes` applied (e.g. `state=CanaryState.HOLDING`)."""
    fields: dict[str, Any] = {
        "id": "can-0a1b2c",
        "org": "slack:T1",
        "team": "payments",
        "service": "checkout-api",
        "target": "checkout:live",
        "stable": "41",
        "release": "43",
        "steps": [0.05, 0.25, 0.5, 1.0],
        "interval": timedelta(minutes=5),
        "metrics": ["errors"],
        "critical": ["errors"],
        "step_started_at": NOW,
        "started_by": "oli",
        "started_at": NOW,
    }
    return Canary(**{**fields, **changes})
