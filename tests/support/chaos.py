"""An experiment record for tests of chaos's pure parts and its stores: `error` on 1, 5 and 25%
of checkout-api (the sample) for 10 minutes each, `error_rate < 1%`, started by oli at NOW."""

from __future__ import annotations

from typing import Any

from shared.chaos.models import Experiment, Fault
from shared.telemetry.models import ResourceKind
from tests.support import NOW


def an_experiment(**changes: Any) -> Experiment:
    """The experiment above, with `changes` applied (e.g. `state=ExperimentState.RUNNING`)."""
    fields: dict[str, Any] = {
        "id": "chx-0a1b2c",
        "org": "slack:T1",
        "team": "payments",
        "service": "checkout-api",
        "kind": ResourceKind.SAMPLE,
        "fault": Fault.parse("error"),
        "expectations": ["error_rate < 1%"],
        "step_started_at": NOW,
        "started_by": "oli",
        "started_at": NOW,
    }
    return Experiment(**{**fields, **changes})
