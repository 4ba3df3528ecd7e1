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
from shared.chaos.steps import with_step

log = logging.getLogger("autosre.chaos")
STOPPING_GRACE = timedelta(minutes=5)
"""How long a removal asked without an error may read as not yet verified before it counts as
failed: FIS reads `stopping` after StopExperiment, and the Lambda extension's ramp-down takes up to
20 s; five scheduler ticks cover both with room."""


def removal(injector: FaultInjector, injection: Injection, now: datetime) -> RollbackAttempt:
    """One try at removing `injection`, and whether its removal is verified."""
    handle = injection.handle or injection.key  # a start that stopped before its handle was kept
    try:
        injector.remove(handle)
        verified = injector.removed(handle)
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


def rolled_back(injector: FaultInjector, experiment: Experiment, now: datetime) -> Experiment:
    """The experiment after trying to remove every injection not yet verified removed: ended
    when all are; still rolling back while one is stopping within the grace; else failed (said
    once in its history), still rolling back."""
    attempts = [removal(injector, injection, now) for injection in experiment.pending()]
    kept = list(experiment.rollbacks)
    for attempt in attempts:
        kept = _with_attempt(kept, attempt)
    tried = experiment.model_copy(update={"rollbacks": kept})
    failed = [a for a in attempts if _failed(a, list(experiment.rollbacks), now)]
    if not failed and any(not a.verified for a in attempts):
        return tried  # asked to stop, not verified yet: checked again at the next tick
    if not failed:
        retried = experiment.outcome is ExperimentOutcome.FAILED and bool(experiment.rollbacks)
        said = "every injection removed and verified" + (" after failed tries" if retried else "")
        return with_step(tried, now, "rolled back", said, state=ExperimentState.ENDED, ended_at=now)
    reason = "; ".join(f"{a.key}: {a.error}" for a in failed)
    if (
        experiment.outcome is ExperimentOutcome.FAILED
        and experiment.history[-1].what == "rollback failed"
    ):
        return tried  # said once; tried again at every tick
    was = experiment.outcome.value if experiment.outcome else "ending"
    said = f"the fault could not be removed ({reason}); it was {was}; retried every minute"
    return with_step(
        tried,
        now,
        "rollback failed",
        said,
        outcome=ExperimentOutcome.FAILED,
        reason=f"rollback failed: {reason} (was {was}: {experiment.reason})",
    )


def _with_attempt(kept: list[RollbackAttempt], attempt: RollbackAttempt) -> list[RollbackAttempt]:
    """`kept` with `attempt`: of an injection's failed tries, the first and the latest are kept
    (a removal failing for days is retried every minute; the record stays small)."""
    tries = [i for i, a in enumerate(kept) if a.key == attempt.key and not a.verified]
    if not attempt.verified and len(tries) >= 2:
        return [a for i, a in enumerate(kept) if i != tries[-1]] + [attempt]
    return [*kept, attempt]
