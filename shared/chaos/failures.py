"""A removal that failed, said loudly: a new message in the team's channel, in words, naming the
person who started the experiment and the one who ended it, with the step to remove it by hand
(the injector's own error stays in the log and the journal)."""

from __future__ import annotations

from shared.chaos.models import Experiment, RollbackAttempt
from shared.chaos.rollback import failure_said, injector_name
from shared.replies import Reply, Tone, user_ref


def fresh_failure(experiment: Experiment) -> RollbackAttempt | None:
    """The failed removal its history has just said (none on the retries after)."""
    last = experiment.history[-1] if experiment.history else None
    if last is None or last.what != "rollback failed" or not experiment.rollbacks:
        return None
    latest = experiment.rollbacks[-1]
    return latest if latest.at == last.at and not latest.verified else None


def _by_hand(experiment: Experiment, key: str) -> str:
    """What a person can do meanwhile: the concrete step to remove a fault by hand."""
    if injector_name(experiment) != "FIS":
        return "nothing needs doing by hand: the simulated fault ends by itself when its run does"
    found = next((i for i in experiment.injections if i.key == key), None)
    if found is not None and found.handle:
        return f"to remove it by hand: `aws fis stop-experiment --id {found.handle}`"
    return (
        f"to remove it by hand: stop the FIS experiment tagged `autosre:injection={key}` "
        "(`aws fis list-experiments`, then `aws fis stop-experiment --id ID`)"
    )


def failure_alarm(experiment: Experiment, attempt: RollbackAttempt) -> Reply:
    """A failed removal, said as a new message: the fault still injected, why in words, the
    retry and the step by hand; the person who started it and the one who ended it named."""
    found = next((i for i in experiment.injections if i.key == attempt.key), None)
    share = f"{found.percent}% of " if found is not None else ""
    ended = next((r for r in reversed(experiment.history) if r.what != "rollback failed"), None)
    people = [experiment.started_by]
    said = [f"Started by @{experiment.started_by}"]
    if ended is not None and ended.by != "scheduler":
        said.append(f"{ended.what} by @{ended.by}")
        people.append(ended.by)
    return Reply(
        tone=Tone.ERROR,
        title=f"Chaos {experiment.id}: its fault is still injected",
        text=(
            f"The fault {experiment.fault.written} is still injected into {share}"
            f"{experiment.service}: its removal failed ({failure_said(experiment, attempt)}). "
            f"Auto SRE retries every minute; {_by_hand(experiment, attempt.key)}.\n"
            + "; ".join(said)
            + "."
        ),
        refs=tuple(user_ref(p) for p in dict.fromkeys(people)),
    )
