"""The progress made at each scheduler tick: judge every due canary on its metrics so far, then
extend, hold, advance, promote or roll it back; each step a conditional write, audited as the
scheduler, and told in the canary's one message."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from shared.audit.scheduled import scheduler_entry
from shared.audit.trail import AuditTrail
from shared.canary.judge import MetricData, judge
from shared.canary.models import Canary, StepRecord
from shared.canary.notices import CanaryMessages
from shared.canary.ports import CanaryStore, InvestigatorVersions, TrafficRouter, VersionMetrics
from shared.canary.replay import REPLAY_METRIC, VersionFailedError, replay, scenarios
from shared.canary.steps import (
    Move,
    MoveKind,
    after_judgement,
    after_query_error,
    looks,
    move_of,
    specs,
)
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.telemetry.models import ResourceKind

log = logging.getLogger("autosre.canary")


def perform(router: TrafficRouter, canary: Canary, move: Move) -> None:
    """Make `move` on the canary's target."""
    if move.kind is MoveKind.PROMOTE:
        router.promote(canary.target, canary=canary.release)
    elif move.kind is MoveKind.ROLLBACK:
        router.rollback(canary.target)
    else:
        router.shift(canary.target, canary=canary.release, weight=move.weight)


class CanaryProgress:
    """Advances the due canaries at each scheduler tick."""

    def __init__(
        self,
        *,
        store: CanaryStore,
        routers: Mapping[ResourceKind, TrafficRouter],
        metrics: Mapping[ResourceKind, VersionMetrics],
        audit: AuditTrail,
        messages: CanaryMessages,
        investigators: InvestigatorVersions | None,
    ) -> None:
        self._store = store
        self._routers = dict(routers)
        self._metrics = dict(metrics)
        self._audit = audit
        self._messages = messages
        self._investigators = investigators

    def advance(self, now: datetime, *, trigger: str, org: OrgId | None = None) -> list[str]:
        """Judge every due canary (of `org`, if given) and act on the verdict; what happened,
        one line each."""
        done: list[str] = []
        for canary in self._store.every():
            if not canary.due(now) or org not in (None, canary.org):
                continue
            moved, data = self._judged(canary, now)
            move = move_of(canary, moved)
            if move is not None:
                perform(self._routers[canary.kind], canary, move)
            try:
                saved = self._store.save(moved)
            except ConflictError:
                continue  # another run took this step
            latest = saved.history[-1]
            self._record(saved, latest, trigger)
            self._messages.tell(saved, data)
            done.append(f"{saved.id} {latest.what}")
        return done

    def _judged(self, canary: Canary, now: datetime) -> tuple[Canary, dict[str, MetricData]]:
        """The canary after judging its data so far, and the data."""
        try:
            data = self._metrics[canary.kind].compare(canary, start=canary.started_at, end=now)
            if canary.replay and self._investigators is not None:
                data[REPLAY_METRIC] = _replay(canary, self._investigators)
        except Exception as error:  # noqa: BLE001 (a query error is not a failure)
            return after_query_error(canary, now, error), {}
        served = data["errors"].experiment_total if "errors" in data else 10**9
        verdict = judge(specs(canary), data, canary_requests=served, looks=looks(canary))
        return after_judgement(canary, verdict, now), data

    def _record(self, canary: Canary, record: StepRecord, trigger: str) -> None:
        self._audit.append(
            scheduler_entry(
                canary.org,
                canary.team,
                time=record.at,
                command=f"canary {record.what} {canary.id}",
                target=canary.target,
                trigger=trigger,
                details={"weight": f"{record.weight:g}", "reason": record.reason[:500]},
            )
        )


def _replay(canary: Canary, versions: InvestigatorVersions) -> MetricData:
    """Both versions of the investigator on the replay set: each one's misses. The stable version
    must answer (else this is a query error); a canary whose code fails on the set missed every
    scenario."""
    cases = scenarios()
    stable = versions.findings(canary.target, canary.stable, cases)
    try:
        tried = versions.findings(canary.target, canary.release, cases)
    except VersionFailedError as failure:
        log.warning("version %s failed the replay set: %s", canary.release, failure)
        tried = None
    return replay(stable, tried, cases)
