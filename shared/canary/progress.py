"""The progress made at each scheduler tick: judge every due canary on its metrics so far, then
extend, hold, advance, promote or roll it back; each step a conditional write, audited as the
scheduler, and told in the canary's one message."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime

from shared.audit.models import AuditDraft
from shared.audit.scheduled import ScheduledAction, scheduler_entry
from shared.audit.trail import AuditTrail
from shared.bounds import OrgSteps
from shared.canary.models import Canary, CanaryState, StepRecord
from shared.canary.notices import CanaryMessages, named
from shared.canary.ports import CanaryStore, InvestigatorVersions, TrafficRouter, VersionMetrics
from shared.canary.replay import REPLAY_METRIC, VersionFailedError, replay, scenarios
from shared.canary.steps import (
    Move,
    MoveKind,
    after_judgement,
    after_query_error,
    finished,
    left_starting,
    looks,
    move_of,
    pending_move,
    recorded_first,
    specs,
    step_began,
    undone,
    with_step,
)
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.judging.judge import MetricData, judge
from shared.quotas.metering import ProviderMeter
from shared.telemetry.models import ResourceKind

log = logging.getLogger("autosre.canary")

UNINSTALLED = "the app was uninstalled from the workspace"
"""Why an uninstalled org's running canaries are rolled back."""


def perform(router: TrafficRouter, canary: Canary, move: Move) -> None:
    """Make `move` on the canary's target."""
    if move.kind is MoveKind.PROMOTE:
        router.promote(canary.target, canary=canary.release)
    elif move.kind is MoveKind.ROLLBACK:
        router.rollback(canary.target, canary=canary.release)
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
        org_seconds: float,
        meter: ProviderMeter | None = None,
    ) -> None:
        """`org_seconds`: how long a tick waits for one org's canaries (see `OrgSteps`);
        `meter`: counts each judgement's provider calls to the canary's team (never refused)."""
        self._store = store
        self._routers = dict(routers)
        self._metrics = dict(metrics)
        self._audit = audit
        self._messages = messages
        self._investigators = investigators
        self._orgs = OrgSteps(org_seconds)
        self._meter = meter

    def advance(
        self,
        now: datetime,
        *,
        trigger: str,
        org: OrgId | None = None,
        uninstalled: Callable[[str], bool],
    ) -> list[str]:
        """Judge every due canary (of `org`, if given) and act on the verdict, and finish every
        promote or rollback (and undo every start) left under way; what happened, one line each.
        Each org's canaries on their own, waited on for a bounded time: a late org's are carried.
        The running canaries of an org `uninstalled` says the app was removed from are rolled
        back instead, never judged."""
        by_org: dict[str, list[Canary]] = {}
        for canary in self._store.every():
            if org in (None, canary.org):
                by_org.setdefault(canary.org, []).append(canary)
        parts = {
            name: functools.partial(self._org, canaries, now, trigger, uninstalled(name))
            for name, canaries in sorted(by_org.items())
        }
        return self._orgs.run(parts)

    def _org(
        self,
        canaries: list[Canary],
        now: datetime,
        trigger: str,
        uninstalled: bool,
        late: threading.Event,
    ) -> list[str]:
        """One org's canaries, one after the other (an uninstalled org's rolled back, never
        judged); what happened, one line each."""
        done: list[str] = []
        for canary in canaries:
            if canary.state is CanaryState.STARTING:  # never judged: its traffic may not have moved
                line = self._end_start(canary, now, trigger) if left_starting(canary, now) else None
            elif canary.state.moving:
                line = self._finish(canary, now, trigger)
            elif uninstalled and canary.state.decidable:
                line = self._roll_back_now(canary, now, trigger, UNINSTALLED)
            elif canary.due(now):
                line = self._step(canary, now, trigger, late)
            else:
                continue
            done += [line] if line else []
        return done

    def _step(
        self, canary: Canary, now: datetime, trigger: str, late: threading.Event
    ) -> str | None:
        """Judge one canary; record the step, audit it, then move its traffic (safe by order).
        Judged past its org's bound: nothing written, judged again at a later tick."""
        moved, data = self._judged(canary, now)
        if late.is_set():
            return None
        move = move_of(canary, moved)
        try:
            saved = self._store.save(recorded_first(moved) if move else moved)
        except ConflictError:
            return None  # another run took this step
        if move is not None and move.kind is MoveKind.ROLLBACK:
            self._record_after(saved, trigger)  # the safe side: never held back by the trail
        elif not self._recorded(canary, saved, trigger):
            return f"{named(canary)} not {saved.history[-1].what}: the audit trail is unavailable"
        if move is not None:
            saved, _ = self.carry_out(canary, saved, move, now, trigger=trigger)
        self._messages.tell_made(saved, data)  # the step is made: a channel down does not undo it
        return f"{named(saved)} {saved.history[-1].what}"

    def _recorded(self, canary: Canary, saved: Canary, trigger: str) -> bool:
        """Audit a step that may add risk (an advance, a promote) before it is made; when the
        trail cannot take it, the step is taken back (no entry, no action): whether it was."""
        try:
            self._record(saved, saved.history[-1], trigger)
        except Exception:
            log.exception("could not audit canary %s's step", canary.id)
            self._store.save(canary.model_copy(update={"version": saved.version}))
            return False
        return True

    def carry_out(
        self, before: Canary, saved: Canary, move: Move, now: datetime, *, trigger: str | None
    ) -> tuple[Canary, Exception | None]:
        """Make the move `saved` records (it was `before`); on failure send the traffic back and
        record that (audited as the scheduler when `trigger` is given), or, for a rollback or
        when it cannot be sent back, leave it for the scheduler to finish. The canary as it now
        stands, and the error, if the move failed."""
        try:
            perform(self._routers[before.kind], before, move)
        except Exception as error:  # noqa: BLE001 (undone or left to finish, and said)
            log.warning("canary %s: %s failed: %s", before.id, move.kind.value, error)
            return self._undo(before, saved, move, now, error, trigger), error
        if not saved.state.moving:
            return saved, None
        try:
            return self._store.save(finished(saved)), None
        except ConflictError:  # stored since: the scheduler's next run finishes it
            return saved, None

    def _undo(
        self,
        before: Canary,
        saved: Canary,
        move: Move,
        now: datetime,
        error: Exception,
        trigger: str | None,
    ) -> Canary:
        """After a failed move: the traffic back where `before` had it and `before` stored
        again; a rollback (already the safe side) is left under way for the scheduler."""
        if move.kind is MoveKind.ROLLBACK:
            return saved
        try:
            perform(
                self._routers[before.kind], before, Move(kind=MoveKind.SHIFT, weight=before.weight)
            )
            back = self._store.save(undone(before, saved, now, error))
        except Exception:  # left as recorded: the scheduler's next run moves it on
            log.exception("could not send canary %s's traffic back", before.id)
            return saved
        if trigger is not None:
            self._record_after(back, trigger)
        return back

    def _finish(self, canary: Canary, now: datetime, trigger: str) -> str | None:
        """A promote or a rollback left under way (a crash, a failed call): make it now."""
        move = pending_move(canary)
        if move is None:
            return None
        ended = with_step(
            finished(canary), now, canary.history[-1].what, "finished by the scheduler"
        )
        promoting = move.kind is MoveKind.PROMOTE
        if promoting and not self._audited_first(ended, trigger):
            return f"{named(canary)} still {canary.state.said}: the audit trail is unavailable"
        try:
            perform(self._routers[canary.kind], canary, move)
        except Exception as error:  # noqa: BLE001 (tried again at the next run)
            return f"{named(canary)} still {canary.state.said}: {error}"
        try:
            saved = self._store.save(ended)
        except ConflictError:
            return None  # another run finished it
        if not promoting:  # a rollback is made first: its entry owed if the trail is down
            self._record_after(saved, trigger)
        self._messages.tell_made(saved)
        return f"{named(saved)} {saved.history[-1].what}"

    def _audited_first(self, ended: Canary, trigger: str) -> bool:
        """Audit a promote the scheduler finishes before its traffic moves (it adds risk: no
        entry, no move, tried again at the next run); whether the trail took it."""
        try:
            self._record(ended, ended.history[-1], trigger)
        except Exception:
            log.exception("could not audit canary %s's promote: not finished", ended.id)
            return False
        return True

    def _end_start(self, canary: Canary, now: datetime, trigger: str) -> str | None:
        """A start left under way (its worker stopped between recording it and confirming its
        first shift, so the router holds 0% or 5%): rolled back, never judged. Undone rather than
        finished: no one was told it started (its message and the operator's answer come after
        the shift), and all traffic on the stable version is the one state known to be good;
        the operator starts it again. Stored as rolling back first, so a router that fails now
        is retried at every run; audited after, since sending traffic back to the stable version
        is never held back by the trail (the start's request is already in it)."""
        reason = "its start was left unfinished; all traffic back on the stable version"
        return self._roll_back_now(canary, now, trigger, reason)

    def _roll_back_now(
        self, canary: Canary, now: datetime, trigger: str, reason: str
    ) -> str | None:
        """Rolled back for `reason` (before its first clause): stored as rolling back first, so a
        router that fails now is retried at every run, then audited (never held back by the
        trail: all traffic on the stable version is the safe side), then moved and told."""
        ended = with_step(canary, now, "rolled back", reason, state=CanaryState.ROLLED_BACK)
        try:
            saved = self._store.save(recorded_first(ended))
        except ConflictError:
            return None  # another run (or the start itself) got there first
        self._record_after(saved, trigger)
        move = Move(kind=MoveKind.ROLLBACK)
        saved, failed = self.carry_out(canary, saved, move, now, trigger=trigger)
        saved, _ = self._messages.tell_made(saved)  # a channel down does not stop the tick
        why = reason.split(";")[0]
        if failed is not None:
            return f"{named(saved)} still {saved.state.said} ({why}): {failed}"
        return f"{named(saved)} rolled back: {why}"

    def _judged(self, canary: Canary, now: datetime) -> tuple[Canary, dict[str, MetricData]]:
        """The canary after judging its data so far, and the data."""
        try:
            data = self._compared(canary, now)
            if canary.replay and self._investigators is not None:
                data[REPLAY_METRIC] = _replay(canary, self._investigators)
        except Exception as error:  # noqa: BLE001 (a query error is not a failure)
            return after_query_error(canary, now, error), {}
        verdict = judge(specs(canary), data, canary_requests=served(data), looks=looks(canary))
        return after_judgement(canary, verdict, now), data

    def _compared(self, canary: Canary, now: datetime) -> dict[str, MetricData]:
        """Both versions' data since the current step began (at its weight), its provider calls
        counted to the canary's team."""
        metrics = self._metrics[canary.kind]
        read = functools.partial(metrics.compare, canary, start=step_began(canary), end=now)
        if self._meter is None:
            return read()
        return self._meter.judged(metrics, read, (OrgId(canary.org), canary.team), at=now)

    def _record_after(self, canary: Canary, trigger: str) -> None:
        """Audit a move that takes risk away (a rollback, a move sent back): never held back by
        the trail, so its entry is owed, written when the trail is back, if it is down."""
        self._audit.append_or_owe(self._entry(canary, canary.history[-1], trigger))

    def _record(self, canary: Canary, record: StepRecord, trigger: str) -> None:
        self._audit.append(self._entry(canary, record, trigger))

    @staticmethod
    def _entry(canary: Canary, record: StepRecord, trigger: str) -> AuditDraft:
        return scheduler_entry(
            canary.org,
            canary.team,
            time=record.last_at or record.at,
            command=ScheduledAction("canary", record.what, canary.id).command(),
            target=canary.target,
            trigger=trigger,
            details={"weight": f"{record.weight:g}", "reason": record.reason[:500]},
        )


def served(data: Mapping[str, MetricData]) -> int:
    """The requests the canary served in the data (what every judgement is gated on, whichever
    metrics are judged); 0 when no metric says (then nothing is judged)."""
    found = (d.experiment_total for name, d in data.items() if name != REPLAY_METRIC)
    return max(found, default=0)


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
