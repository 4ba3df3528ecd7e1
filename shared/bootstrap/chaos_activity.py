"""Chaos runs as investigations see them: each run of a service an event of its report, and one
under way named in its headline (the one place that reads chaos for investigations, which never
import chaos)."""

from __future__ import annotations

from datetime import datetime

from shared.chaos.models import Experiment, ExperimentOutcome, ExperimentState
from shared.chaos.ports import ChaosStore
from shared.identity.models import OrgId
from shared.telemetry.models import Event
from shared.times import moment


def _share(experiment: Experiment) -> str:
    """The shares it faulted: `5%`, or `1% → 5% → 25%` when it grew."""
    shares = list(dict.fromkeys(i.percent for i in experiment.injections))
    return " → ".join(f"{p}%" for p in shares)


def _ending(experiment: Experiment, today: datetime) -> str:
    """How it ended and when (`halted 10:09 UTC`, dated when not of `today`), or that it still
    goes on."""
    if experiment.state is ExperimentState.ROLLING_BACK:
        return "rolling back"
    if experiment.ended_at is None:
        return "still injecting"
    at = moment(experiment.ended_at, today=today)
    if experiment.outcome is ExperimentOutcome.HALTED:
        return f"halted {at}"
    outcome = experiment.outcome.value if experiment.outcome else "ended"
    return f"ended {at} ({outcome})"


def run_event(experiment: Experiment, today: datetime) -> Event:
    """`chaos: delay:1500ms on 5% of checkout-api, started 10:02 UTC by @x, halted 10:09 UTC`,
    its times dated when not of `today` (the investigation's)."""
    summary = (
        f"chaos: {experiment.fault.written} on {_share(experiment)} of {experiment.service}, "
        f"started {moment(experiment.started_at, today=today)} "
        f"by @{experiment.started_by}, "
        f"{_ending(experiment, today)}"
    )
    return Event(
        time=experiment.started_at, kind="chaos", summary=summary, by=experiment.started_by
    )


def _within(experiment: Experiment, start: datetime, end: datetime) -> bool:
    """Whether it injected anything and ran at some time in [start, end]."""
    ended = experiment.ended_at or end
    return bool(experiment.injections) and experiment.started_at <= end and ended >= start


class ChaosActivity:
    """The ServiceActivity port of investigations over the chaos store."""

    def __init__(self, *, store: ChaosStore) -> None:
        self._store = store

    def events(
        self, org: OrgId, team: str, service: str, *, start: datetime, end: datetime
    ) -> list[Event]:
        """The team's chaos runs on `service` that overlap [start, end], each one event."""
        return [
            run_event(x, end)
            for x in self._store.list_for(org, team)
            if x.service == service and _within(x, start, end)
        ]

    def ongoing(self, org: OrgId, team: str, service: str) -> list[str]:
        """Each experiment injecting a fault into `service` now, in words."""
        return [
            f"chaos experiment {x.id} injects {x.fault.written} into {x.percent}% of {x.service}"
            for x in self._store.list_for(org, team)
            if x.service == service and x.percent and x.pending()
        ]
