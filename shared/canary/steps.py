"""The pure step logic of a canary: what it becomes after a judgement or a failed metric read,
and which traffic move that takes. No I/O: the progress and the commands carry the moves out."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from shared.canary.models import Canary, CanaryState, StepRecord
from shared.canary.replay import REPLAY_METRIC
from shared.judging.judge import Judgement, MetricSpec, Verdict
from shared.records import Frozen
from shared.telemetry.models import Signal

QUERY_ERROR_LIMIT = 5
"""Failed metric reads in a row before a canary is held and a person asked (never a rollback)."""

MAX_HISTORY = 200
"""History lines a canary keeps before its oldest repeated outcomes are merged (a DynamoDB item
holds 400 KB; a line is a few hundred bytes)."""


UNJUDGED_LIMIT = 6
"""Judgements in a row that could judge nothing before a canary is held and a person asked: a
canary that gets no traffic (its callers bypass the alias) would otherwise be extended forever
(at the default 5m interval, held after 30 minutes)."""

STARTING_LIMIT = timedelta(minutes=3)
"""How long a start may stay under way before the scheduler undoes it: longer than the worker
may run (60 s on AWS), so a start still in progress is never undone under it."""


class MoveKind(StrEnum):
    """What a step does to the target's traffic."""

    SHIFT = "shift"
    PROMOTE = "promote"
    ROLLBACK = "rollback"


class Move(Frozen):
    """One change of a target's traffic: to `weight` on the canary, or all to one version."""

    kind: MoveKind
    weight: float = 0.0


UNITS = {"errors": "errors/min", "p99_latency": "ms"}
"""What each metric's per-minute samples measure (a Lambda's duration is in milliseconds)."""


def said(metric: str) -> str:
    """A canary metric in a person's words (`p99 latency`), as the investigations say it."""
    return Signal(metric).label if metric in set(Signal) else metric


def specs(canary: Canary) -> list[MetricSpec]:
    """What the judge compares for this canary, and how."""
    found = [
        MetricSpec(
            name=name,
            counts=name == "errors",
            critical=name in canary.critical,
            allowed_increase=1.0 if name == "errors" else 1.1,
            unit=UNITS.get(name, ""),
            label=said(name),
        )
        for name in canary.metrics
    ]
    if canary.replay:  # misses on the replay set, judged like errors, never gated by traffic
        found.append(MetricSpec(name=REPLAY_METRIC, counts=True, critical=True, gates=False))
    return found


def step_began(canary: Canary) -> datetime:
    """When its traffic took the weight it has now (its start, its last advance, or a move sent
    back): each step is judged on its own minutes, never on an earlier step's."""
    began, weight = canary.started_at, None
    for record in canary.history:
        if record.weight != weight:
            began, weight = record.at, record.weight
    return began


def looks(canary: Canary) -> int:
    """How many times the scheduler has judged its current step's growing data, this judgement
    included (a failed read and a move sent back, `not advanced`, are no judgement)."""
    began = step_began(canary)
    return 1 + sum(
        r.repeats
        for r in canary.history
        if r.at > began
        and r.by == "scheduler"
        and r.what != "query error"
        and not r.what.startswith("not ")
    )


def with_step(canary: Canary, now: datetime, what: str, reason: str, **changes: object) -> Canary:
    """The canary with `changes`, its step restarted at `now` and one more line of history."""
    moved = canary.model_copy(update={"step_started_at": now, **changes})
    record = StepRecord(at=now, weight=moved.weight, what=what, reason=reason)
    return moved.model_copy(update={"history": appended(canary.history, record)})


def appended(history: list[StepRecord], record: StepRecord) -> list[StepRecord]:
    """`history` with `record`: folded into the last line when it repeats it, and compacted
    once it is longer than `MAX_HISTORY` lines."""
    folded = history[-1].again(record) if history else None
    return compacted([*history[:-1], folded] if folded else [*history, record])


def compacted(history: list[StepRecord]) -> list[StepRecord]:
    """`history` at most `MAX_HISTORY` lines long where it can be: over it, its oldest two
    neighbouring lines that are the scheduler's repeated outcomes at one weight become one (a
    read failing every other minute alternates `extended` and `query error`: a line each,
    without end). The latest line is never merged (it is the step just taken); a merged line
    keeps the earlier one's time and weight, so when each step began is kept, and every
    judgement still counts as a look."""
    if len(history) <= MAX_HISTORY:
        return history
    for i in range(len(history) - 2):
        merged = history[i].merged(history[i + 1])
        if merged is not None:
            return [*history[:i], merged, *history[i + 2 :]]
    return history


def after_query_error(canary: Canary, now: datetime, error: Exception) -> Canary:
    """A failed metric read: counted, and held after QUERY_ERROR_LIMIT in a row (once: a canary
    already held records each later one as a query error, so a weekend's outage is one line)."""
    errors = canary.query_errors + 1
    held = errors >= QUERY_ERROR_LIMIT and canary.state is not CanaryState.HOLDING
    reason = f"metrics unavailable ({error}); {errors} in a row"
    return with_step(
        canary,
        now,
        "held" if held else "query error",
        reason + ("; held, decide by hand" if held else ""),
        query_errors=errors,
        state=CanaryState.HOLDING if held else canary.state,
    )


def after_judgement(canary: Canary, verdict: Judgement, now: datetime) -> Canary:
    """The canary after the judge's verdict: rolled back, extended, held, advanced or promoted."""
    reasons = "; ".join(r.reason for r in verdict.results) or verdict.reason
    if verdict.verdict is Verdict.FAILED:
        said = f"{verdict.reason}: {reasons}"
        return with_step(canary, now, "rolled back", said, state=CanaryState.ROLLED_BACK)
    if canary.state is CanaryState.HOLDING or verdict.verdict is Verdict.INSUFFICIENT:
        return _not_moved(canary, verdict, now)
    if verdict.verdict is Verdict.INCONCLUSIVE:
        said = f"inconclusive ({verdict.reason}): {reasons}; decide by hand"
        changes = {"state": CanaryState.HOLDING, "query_errors": 0, "unjudged": 0}
        return with_step(canary, now, "held", said, **changes)
    following = canary.step + 1
    said = f"{verdict.reason}: {reasons}"
    if following >= len(canary.steps) or canary.steps[following] >= 1.0:
        last = len(canary.steps) - 1
        return with_step(canary, now, "promoted", said, state=CanaryState.PROMOTED, step=last)
    advanced = canary.model_copy(update={"step": following})
    return with_step(advanced, now, "advanced", said, query_errors=0, unjudged=0)


def _not_moved(canary: Canary, verdict: Judgement, now: datetime) -> Canary:
    """Extended (or judged while held); held once `UNJUDGED_LIMIT` judgements in a row could
    judge nothing, said as a canary getting no traffic."""
    unjudged = canary.unjudged + 1 if verdict.unjudged else 0
    if canary.state is CanaryState.HOLDING:
        what = "judged while held"
    elif unjudged >= UNJUDGED_LIMIT:
        why = (
            f"the canary is getting no traffic (are its callers bypassing {canary.target}'s "
            "routing?)"
            if verdict.no_traffic
            else "what it is judged on has no data"
        )
        reason = (
            f"{verdict.reason}; {unjudged} judgements in a row judged nothing: {why}; "
            "held, decide by hand"
        )
        changes = {"state": CanaryState.HOLDING, "query_errors": 0, "unjudged": unjudged}
        return with_step(canary, now, "held", reason, **changes)
    else:
        what = "extended"
    return with_step(canary, now, what, verdict.reason, query_errors=0, unjudged=unjudged)


def move_of(before: Canary, after: Canary) -> Move | None:
    """The traffic move that takes `before` to `after` (as it will be once made), if any."""
    if after.state is CanaryState.PROMOTED and before.state is not CanaryState.PROMOTED:
        return Move(kind=MoveKind.PROMOTE, weight=1.0)
    if after.state is CanaryState.ROLLED_BACK and before.state is not CanaryState.ROLLED_BACK:
        return Move(kind=MoveKind.ROLLBACK)
    if not after.state.over and after.step != before.step:
        return Move(kind=MoveKind.SHIFT, weight=after.weight)
    return None


def undone(before: Canary, stored: Canary, now: datetime, error: Exception) -> Canary:
    """`before` again, over the `stored` record of a move that failed and was sent back."""
    what = stored.history[-1].what
    reason = f"could not be {what} ({error}); traffic back at {before.weight:.0%}"
    kept = {"version": stored.version, "history": stored.history}  # the move stays told
    return with_step(before.model_copy(update=kept), now, f"not {what}", reason)


_MOVING = {
    CanaryState.PROMOTED: CanaryState.PROMOTING,
    CanaryState.ROLLED_BACK: CanaryState.ROLLING_BACK,
}
_FINISHED = {moving: over for over, moving in _MOVING.items()}


def recorded_first(after: Canary) -> Canary:
    """What is stored before a move is made: a promote or a rollback as under way (so the
    scheduler still sees it and finishes it); any other step as it will be."""
    state = _MOVING.get(after.state, after.state)
    return after.model_copy(update={"state": state})


def started(canary: Canary) -> Canary:
    """A start under way, once its first shift is made: running."""
    return canary.model_copy(update={"state": CanaryState.RUNNING})


def left_starting(canary: Canary, now: datetime) -> bool:
    """Whether a start was left under way (its worker stopped before the shift was confirmed)."""
    return canary.state is CanaryState.STARTING and now - canary.started_at >= STARTING_LIMIT


def finished(canary: Canary) -> Canary:
    """A promote or a rollback under way, once its traffic has moved."""
    return canary.model_copy(update={"state": _FINISHED.get(canary.state, canary.state)})


def pending_move(canary: Canary) -> Move | None:
    """The move a canary under way still needs, if it is under way."""
    if canary.state is CanaryState.PROMOTING:
        return Move(kind=MoveKind.PROMOTE, weight=1.0)
    if canary.state is CanaryState.ROLLING_BACK:
        return Move(kind=MoveKind.ROLLBACK)
    return None
