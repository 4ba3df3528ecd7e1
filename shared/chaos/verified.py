"""Verified resilience: what an experiment that ended held proves about its service (the fault,
the steady state, the largest share it held at), for how long, and which later run revokes it
(a deviated or failed run of the same service and fault). Pure: the store is the caller's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.chaos.expectations import expectation, unseen
from shared.chaos.models import Experiment, ExperimentOutcome, FaultKind, VerifiedResilience
from shared.telemetry.models import Signal
from shared.times import day

VALID_FOR = timedelta(days=30)
"""How long a held experiment stands as verified resilience unless `--valid-for` says."""
LATENCIES = frozenset({Signal.P50_LATENCY, Signal.P99_LATENCY})
REVOKES = frozenset({ExperimentOutcome.DEVIATED, ExperimentOutcome.FAILED})
"""The outcomes of a later run that revoke the service's verified resilience to its fault."""


@dataclass(frozen=True)
class Settlement:
    """What an ended experiment changes in the team's verified resilience, and the line that
    says it in the experiment's message and the audit trail."""

    what: str
    """`verified` or `revoked`."""
    said: str
    results: list[VerifiedResilience]


def largest_held(experiment: Experiment) -> int:
    """The largest share of invocations at which its steady state was judged held."""
    held = [s.percent for s in experiment.steady_states if s.verdict == "held"]
    return max(held, default=experiment.percents[-1])


def verified_by(experiment: Experiment, now: datetime) -> VerifiedResilience:
    """The result a held experiment records, valid from now for its `valid_for`."""
    return VerifiedResilience(
        org=experiment.org,
        team=experiment.team,
        service=experiment.service,
        fault=experiment.fault,
        expectations=list(experiment.expectations),
        percent=largest_held(experiment),
        at=now,
        expires_at=now + experiment.valid_for,
        experiment=experiment.id,
        service_key=experiment.service_key,
    )


def revoked_by(
    experiment: Experiment, known: Sequence[VerifiedResilience], now: datetime
) -> list[VerifiedResilience]:
    """The team's unrevoked results on the same service and fault, revoked by `experiment`."""
    reason = f"{experiment.id} {experiment.outcome.value if experiment.outcome else 'ended'}"
    return [
        r.model_copy(
            update={"revoked_at": now, "revoked_by": experiment.id, "revoked_reason": reason}
        )
        for r in known
        if r.revoked_at is None
        and r.service == experiment.service
        and r.fault == experiment.fault
        and r.experiment != experiment.id
    ]


def blind_to_delay(experiment: Experiment) -> str:
    """Why a delay judged by error rate alone proves nothing where a delay never fails a request
    (the simulation); empty when a latency bound judges it, or for another fault."""
    if experiment.fault.kind is not FaultKind.DELAY:
        return ""
    if {expectation(text).signal for text in experiment.expectations} & LATENCIES:
        return ""
    return (
        f"here a delay slows requests and never fails one, so an error-rate bound alone could "
        f"not see {experiment.fault.written}; add a latency bound, like "
        '--expect "p99_latency < 2s"'
    )


def settlement(
    experiment: Experiment,
    known: Sequence[VerifiedResilience],
    now: datetime,
    *,
    delays_fail: bool = True,
) -> Settlement | None:
    """For an ended experiment: held records its result (none, said, when no expectation could
    see its fault, or, where a delay never fails a request (`delays_fail` false), a delay had
    no latency bound), deviated or failed revokes the service's results for the fault; None
    when it changes nothing."""
    if experiment.outcome is ExperimentOutcome.HELD:
        vacuous = unseen(experiment.fault, experiment.expectations)
        vacuous = vacuous or ("" if delays_fail else blind_to_delay(experiment))
        if vacuous:  # designed before such a pairing was refused: it proves nothing
            return Settlement("not verified", vacuous, [])
        result = verified_by(experiment, now)
        said = (
            f"resilience of {experiment.service} to {experiment.fault.written} verified at "
            f"{result.percent}% until {day(result.expires_at, today=now)} "
            "(`sre chaos list --verified`)"
        )
        return Settlement("verified", said, [result])
    if experiment.outcome not in REVOKES:
        return None
    revoked = revoked_by(experiment, known, now)
    if not revoked:
        return None
    by = ", ".join(sorted(r.experiment for r in revoked))
    said = (
        f"revokes the verified resilience of {experiment.service} to "
        f"{experiment.fault.written} (verified by {by})"
    )
    return Settlement("revoked", said, revoked)
