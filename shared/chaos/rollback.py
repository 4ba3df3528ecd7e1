"""Rollbacks that cannot be skipped: every injection removed and verified removed; one that
fails (raises, or is still not verified after a grace for the injector to stop it) makes the
experiment failed, and is tried again at every scheduler tick until it is verified."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from shared.chaos.models import (
    Experiment,
    ExperimentOutcome,
    ExperimentState,
    Injection,
    RollbackAttempt,
)
from shared.chaos.ports import FaultInjector
from shared.chaos.steps import STARTING_LIMIT, with_step
from shared.telemetry.models import ResourceKind

log = logging.getLogger("autosre.chaos")
STOPPING_GRACE = timedelta(minutes=5)
"""How long a removal asked without an error may read as not yet verified before it counts as
failed: FIS reads `stopping` after StopExperiment, and the Lambda extension's ramp-down takes up to
20 s; five scheduler ticks cover both with room."""
IN_FLIGHT = STARTING_LIMIT
"""How long an injection recorded but not yet made may still land: the longest a worker runs
(a Lambda's timeout, 2 minutes at most) is within it, and it is shorter than `STOPPING_GRACE`."""


def removal(injector: FaultInjector, injection: Injection, now: datetime) -> RollbackAttempt:
    """One try at removing `injection`, and whether its removal is verified."""
    try:
        if injection.handle:
            injector.remove(injection.handle)
            verified = injector.removed(injection.handle)
        else:  # recorded, never made (or its handle never kept): asked by its key
            verified = injector.remove_unmade(injection.key)
    except Exception as error:  # noqa: BLE001 (recorded, said, and tried again)
        log.warning("could not remove injection %s: %s", injection.key, error)
        return RollbackAttempt(at=now, key=injection.key, verified=False, error=str(error)[:300])
    unverified = "" if verified else "removal not verified yet (the injection still runs)"
    return RollbackAttempt(
        at=now, key=injection.key, verified=verified, error=unverified, stopping=not verified
    )


def _failed(attempt: RollbackAttempt, before: list[RollbackAttempt], now: datetime) -> bool:
    """Whether `attempt` is a failed removal: it raised, or its injection has read as still
    stopping for longer than the grace since the first such try."""
    if attempt.verified:
        return False
    if not attempt.stopping:
        return True
    tries = [a.at for a in before if a.key == attempt.key and not a.verified]
    return now - min(tries, default=attempt.at) >= STOPPING_GRACE


def in_flight(injection: Injection, now: datetime) -> bool:
    """Whether `injection` may still land: recorded, neither made nor refused yet, by a worker
    that may still be calling the injector (`IN_FLIGHT`)."""
    if injection.handle or injection.refused or injection.at is None:
        return False
    return now - injection.at < IN_FLIGHT


def rolled_back(injector: FaultInjector, experiment: Experiment, now: datetime) -> Experiment:
    """The experiment after trying to remove every injection not yet verified removed: ended
    when all are; still rolling back while one is stopping within the grace, or may still be
    landing (`in_flight`: its removal by key cannot be verified before it lands); else failed
    (said once in its history), still rolling back."""
    attempts, landing = _tries(injector, experiment, now)
    kept = list(experiment.rollbacks)
    for attempt in attempts:
        kept = _with_attempt(kept, attempt)
    tried = experiment.model_copy(update={"rollbacks": kept})
    failed = [a for a in attempts if _failed(a, list(experiment.rollbacks), now)]
    if not failed and (landing or any(not a.verified for a in attempts)):
        return tried  # asked to stop, not verified yet: checked again at the next tick
    if (
        not failed
        and not experiment.rollbacks
        and all(_never_made(i) for i in experiment.injections)
    ):
        # nothing was ever injected: no rollback to speak of
        return tried.model_copy(update={"state": ExperimentState.ENDED, "ended_at": now})
    if not failed:
        retried = experiment.outcome is ExperimentOutcome.FAILED and any(
            not a.verified for a in experiment.rollbacks
        )
        said = "every injection removed and verified" + (" after failed tries" if retried else "")
        return with_step(
            tried,
            now,
            "rolled back",
            said,
            by=_by(experiment, now),
            state=ExperimentState.ENDED,
            ended_at=now,
        )
    log.warning("rollback of %s failed: %s", experiment.id, "; ".join(a.error for a in failed))
    if (
        experiment.outcome is ExperimentOutcome.FAILED
        and experiment.history[-1].what == "rollback failed"
    ):
        return tried  # said once; tried again at every tick
    failure = f"its removal failed ({failure_said(experiment, failed[0])})"
    return with_step(
        tried,
        now,
        "rollback failed",
        f"{failure}; retried every minute",
        by=_by(experiment, now),
        outcome=ExperimentOutcome.FAILED,
        reason=f"{failure}; it was {_was(experiment)}",
    )


def _tries(
    injector: FaultInjector, experiment: Experiment, now: datetime
) -> tuple[list[RollbackAttempt], bool]:
    """A removal of each injection not yet verified removed, and whether one may still be
    landing (its removal by key said verified, though what it removes may not exist yet: not
    kept, not verified)."""
    tried = [(i, removal(injector, i, now)) for i in experiment.pending()]
    landing = [a for i, a in tried if a.verified and in_flight(i, now)]
    return [a for _, a in tried if a not in landing], bool(landing)


def _never_made(injection: Injection) -> bool:
    """Whether the injector refused `injection` (an injection recorded but neither made nor
    refused may have landed after its worker stopped: its removal is a rollback)."""
    return not injection.handle and injection.refused


def _by(experiment: Experiment, now: datetime) -> str:
    """Who tried the removal: the one who ended it at this very moment (a person's halt
    removes its fault at once), else the scheduler's retry."""
    last = experiment.history[-1] if experiment.history else None
    return last.by if last is not None and last.at == now else "scheduler"


def _was(experiment: Experiment) -> str:
    """`halted by @rey`, `deviated: p99 latency 2.3s over 2s`: how it was ending."""
    was = experiment.outcome.value if experiment.outcome else "ending"
    reason = experiment.reason
    return reason if reason.startswith(was) else f"{was}: {reason}" if reason else was


def injector_name(experiment: Experiment) -> str:
    """`the simulation` for the bundled sample (the embedded default), else `FIS`."""
    return "the simulation" if experiment.kind is ResourceKind.SAMPLE else "FIS"


def failure_said(experiment: Experiment, attempt: RollbackAttempt) -> str:
    """Why a removal failed, in words (the injector's own error stays in the log and the
    journal): `FIS throttled the request`."""
    who = injector_name(experiment)
    if attempt.stopping:
        return f"{who} still runs it {int(STOPPING_GRACE.total_seconds() // 60)}m after the stop"
    return refusal_said(who, attempt.error)


def refusal_said(who: str, error_text: str) -> str:
    """An injector's error in words, `who` (`FIS`) named: `FIS throttled the request`."""
    error = error_text.lower()
    if "throttl" in error or "rate exceeded" in error:
        return f"{who} throttled the request"
    if "accessdenied" in error or "not authorized" in error:
        return f"{who} refused it: permission denied"
    if "notfound" in error or "not found" in error:
        return f"{who} no longer knows the injection"
    return f"{who} returned an error"


def _with_attempt(kept: list[RollbackAttempt], attempt: RollbackAttempt) -> list[RollbackAttempt]:
    """`kept` with `attempt`: of an injection's failed tries, the first and the latest are kept
    (a removal failing for days is retried every minute; the record stays small)."""
    tries = [i for i, a in enumerate(kept) if a.key == attempt.key and not a.verified]
    if not attempt.verified and len(tries) >= 2:
        return [a for i, a in enumerate(kept) if i != tries[-1]] + [attempt]
    return [*kept, attempt]
