"""What an experiment's evidence says: each arm's results, its share of the traffic, and whether
a variant is better or worse than the control.

The evidence of an investigation goes to the variant that wrote its posted narrative (a model arm
that fell back to the control gave none). Each investigation gives at most one result, so the
sequential test's trials (and its `min_trials`) are investigations:
- the verdicts on it, by majority, when there is one: more Helpful than Wrong is a success, more
  Wrong a failure; each person's verdict counts once (the store keeps only their first);
- else (a tie, or no verdict), once resolved with a cause, agreement: the narrative's first cause
  (below) is a success when it is the cause the responders said (the same words, or words inside
  theirs), else a failure.
An ungrounded narrative is one more failure (and demotes its arm at once: see routing).

The narrative's first cause: of the choices offered at resolve (the findings' signals, the
report's events), the one it names first, reading from where it last says its cause when it does
(`first cause`, `cause:` or `cause was`, as whole words: `… First cause: traffic` of the
timeline-first template; not "because", nor "the cause is unclear"), else from its start."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from shared.investigations.causes import cause_options
from shared.investigations.models import Investigation
from shared.prompts.experiments import LOOK_EVERY, MAX_ASSIGNED, Arm, Experiment, ExperimentState
from shared.prompts.models import CONTROL_NAME, Feedback, Verdict
from shared.prompts.selection import Arm as Evidence
from shared.prompts.selection import allocate
from shared.prompts.sequential import Counts, Decision, compare
from shared.records import Frozen

_SAYS_CAUSE = re.compile(r"\b(?:first cause\b|cause:|cause was\b)")


class Tally(Frozen):
    """One arm's online results."""

    narrated: int = 0
    helpful: int = 0
    wrong: int = 0
    agreed: int = 0
    disagreed: int = 0

    @property
    def successes(self) -> int:
        """Helpful majorities and agreements."""
        return self.helpful + self.agreed

    @property
    def failures(self) -> int:
        """Wrong majorities and disagreements."""
        return self.wrong + self.disagreed


def first_named(text: str, investigation: Investigation) -> str | None:
    """The cause choice the narrative names first (see the module), or None."""
    lowered = text.casefold()
    said = [m.start() for m in _SAYS_CAUSE.finditer(lowered)]
    told = lowered[said[-1] :] if said else lowered
    found = [(told.find(o.casefold()), o) for o in cause_options(investigation)]
    named = sorted((at, o) for at, o in found if at >= 0)
    return named[0][1] if named else None


def agrees(investigation: Investigation) -> bool | None:
    """Whether the narrative's first cause is the cause said at resolve (None: no evidence)."""
    if not investigation.cause or not investigation.narrative:
        return None
    named = first_named(investigation.narrative, investigation)
    if named is None:
        return None
    return named.casefold() in investigation.cause.casefold()


def majority(verdicts: Sequence[Feedback]) -> bool | None:
    """True for more Helpful than Wrong, False for more Wrong, None for a tie."""
    helpful = sum(f.verdict is Verdict.HELPFUL for f in verdicts)
    wrong = len(verdicts) - helpful
    return None if helpful == wrong else helpful > wrong


def writer(experiment: Experiment, investigation: Investigation) -> str | None:
    """The arm whose variant wrote the investigation's posted narrative, if one of them did."""
    for arm in experiment.arms:
        if investigation.narrated_by.startswith(arm.variant.label):
            return arm.name
    return None


def tally(
    experiment: Experiment,
    investigations: Mapping[str, Investigation],
    feedback: Sequence[Feedback],
) -> dict[str, Tally]:
    """Each arm's results from the investigations assigned to it (those the store still has)."""
    verdicts: dict[str, list[Feedback]] = {}
    for item in feedback:
        verdicts.setdefault(item.investigation_id, []).append(item)
    counts = {arm.name: Tally() for arm in experiment.arms}
    for investigation_id in experiment.assignments:
        found = investigations.get(investigation_id)
        name = writer(experiment, found) if found else None
        if found is None or name is None:
            continue
        counts[name] = _counted(counts[name], found, verdicts.get(investigation_id, []))
    return counts


def _counted(before: Tally, investigation: Investigation, verdicts: Sequence[Feedback]) -> Tally:
    return scored(before, majority(verdicts), agrees(investigation))


def scored(before: Tally, said: bool | None, agreed: bool | None) -> Tally:
    """The tally with one more narrated investigation and its one result: the verdicts'
    majority `said` when there is one, else the agreement (see the module)."""
    agreed = agreed if said is None else None
    return Tally(
        narrated=before.narrated + 1,
        helpful=before.helpful + (said is True),
        wrong=before.wrong + (said is False),
        agreed=before.agreed + (agreed is True),
        disagreed=before.disagreed + (agreed is False),
    )


def counts(arm: Arm, result: Tally) -> Counts:
    """The arm's online successes out of its trials (an ungrounded narrative a failure)."""
    trials = result.successes + result.failures + arm.ungrounded
    return Counts(successes=result.successes, trials=trials)


def say(experiment: Experiment, results: Mapping[str, Tally]) -> dict[str, Decision]:
    """What the sequential test says of each other arm against the control, now."""
    control = counts(experiment.control(), results[CONTROL_NAME])
    return {
        arm.name: compare(control, counts(arm, results[arm.name]))
        for arm in experiment.arms
        if arm.name != CONTROL_NAME
    }


def decide(experiment: Experiment, results: Mapping[str, Tally], *, now: datetime) -> Experiment:
    """The experiment after its evidence: a variant the test finds better is promoted (the
    experiment ends), one it finds worse is stopped (the test is valid at every look, so it runs
    after every narration), and at a look (`due`) the live arms' shares are recomputed."""
    if not experiment.running:
        return experiment
    said = say(experiment, results)
    better = [name for name, d in said.items() if d is Decision.BETTER]
    if better:
        return promote(experiment, better[0], now=now, why="the sequential test says it is better")
    for name, decision in said.items():
        arm = experiment.arm(name)
        if decision is Decision.WORSE and arm is not None and not arm.halted:
            why = "stopped: worse than the control by the sequential test"
            experiment = halt(experiment, name, why, now, what="stopped")
    if len(experiment.assignments) >= MAX_ASSIGNED:
        return full(experiment, now=now)
    return look(experiment, results, now=now) if due(experiment, results) else experiment


def full(experiment: Experiment, *, now: datetime) -> Experiment:
    """The experiment stopped at MAX_ASSIGNED investigations with no variant found better: its
    record holds no more, and the narratives go back to the scope's default."""
    stopped = experiment.model_copy(update={"state": ExperimentState.STOPPED, "ended_at": now})
    why = (
        f"stopped after {MAX_ASSIGNED:,} investigations with no variant found better than the "
        "control (an experiment narrates at most that many)"
    )
    return stopped.noted(now, "stopped", why)


def judged(experiment: Experiment, results: Mapping[str, Tally]) -> int:
    """The experiment's investigations with a result, over every arm (an ungrounded one too)."""
    return sum(counts(arm, results[arm.name]).trials for arm in experiment.arms)


def due(experiment: Experiment, results: Mapping[str, Tally]) -> bool:
    """Whether LOOK_EVERY more investigations have a result since the last look."""
    return judged(experiment, results) >= experiment.looked_at + LOOK_EVERY


def look(experiment: Experiment, results: Mapping[str, Tally], *, now: datetime) -> Experiment:
    """The live arms' shares by Thompson sampling (with the floor and burn-in), halted arms none,
    the look counted; the shares are changed, and the change noted, only when a share as shown
    (in whole percents) moved: between changes the stored shares route every investigation."""
    live = [arm for arm in experiment.arms if not arm.halted]
    evidence = [
        Evidence(
            name=arm.name,
            successes=arm.prior_successes + results[arm.name].successes,
            failures=arm.prior_failures + results[arm.name].failures + arm.ungrounded,
        )
        for arm in live
    ]
    floor = min(experiment.floor, 1 / len(live))
    shares = allocate(
        evidence, floor=floor, burn_in=experiment.burn_in, observed=_observed(results)
    )
    seen = judged(experiment, results)
    looked = experiment.model_copy(update={"looked_at": seen})
    after = {a.name: shares.get(a.name, 0.0) for a in experiment.arms}
    if _shown(after) == _shown(experiment.weights()):
        return looked
    arms = [a.model_copy(update={"weight": after[a.name]}) for a in experiment.arms]
    moved = looked.model_copy(update={"arms": arms})
    text = f"shares now {shared(moved)} (after {seen} judged investigations; floor {floor:.0%})"
    return moved.noted(now, "shares", text)


def _shown(weights: Mapping[str, float]) -> dict[str, int]:
    """The shares as whole percents, as a notice shows them."""
    return {name: round(weight * 100) for name, weight in weights.items()}


def _observed(results: Mapping[str, Tally]) -> int:
    return sum(result.narrated for result in results.values())


def halt(
    experiment: Experiment, name: str, why: str, now: datetime, *, what: str = "demoted"
) -> Experiment:
    """The experiment with arm `name` getting no traffic (the others' shares scaled up)."""
    arm = experiment.arm(name)
    if arm is None:
        return experiment
    left = sum(a.weight for a in experiment.arms if a.name != name and not a.halted)
    arms = [
        a.model_copy(update={"weight": 0.0, "halted": why})
        if a.name == name
        else a.model_copy(update={"weight": a.weight / left if left else 0.0})
        for a in experiment.arms
    ]
    return experiment.model_copy(update={"arms": arms}).noted(
        now, what, f"{arm.variant.label} {why}"
    )


def promote(experiment: Experiment, name: str, *, now: datetime, why: str) -> Experiment:
    """The experiment ended with all traffic to `name`, the scope's narrative from now on."""
    arms = [
        a.model_copy(update={"weight": 1.0 if a.name == name else 0.0}) for a in experiment.arms
    ]
    winner = experiment.arm(name)
    label = winner.variant.label if winner else name
    ended = experiment.model_copy(
        update={
            "arms": arms,
            "state": ExperimentState.PROMOTED,
            "winner": name,
            "ended_at": now,
        }
    )
    return ended.noted(now, "promoted", f"{label} promoted: {why}")


def shared(experiment: Experiment) -> str:
    """`cause-first 62%, timeline-first 38%` (the live arms)."""
    return ", ".join(f"{a.name} {a.weight:.0%}" for a in experiment.arms if not a.halted)
