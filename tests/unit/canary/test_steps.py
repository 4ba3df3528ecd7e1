"""The pure step logic: what a canary becomes after a verdict, the traffic move that takes, and
how a promote or a rollback is stored before its traffic moves."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from shared.canary.history import PAGE, history_page
from shared.canary.models import Canary, CanaryState, StepRecord
from shared.canary.steps import (
    MAX_HISTORY,
    STARTING_LIMIT,
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
    started,
    step_began,
    undone,
)
from shared.judging.judge import Judgement, Verdict
from tests.support import NOW
from tests.support.canaries import a_canary

LATER = NOW + timedelta(minutes=5)


def _canary(step: int = 0, state: CanaryState = CanaryState.RUNNING) -> Canary:
    return a_canary(state=state, step=step, version=3)


@pytest.mark.parametrize(
    ("step", "verdict", "state", "what", "move"),
    [
        (
            0,
            Verdict.SUCCESSFUL,
            CanaryState.RUNNING,
            "advanced",
            Move(kind=MoveKind.SHIFT, weight=0.25),
        ),
        (
            2,
            Verdict.SUCCESSFUL,
            CanaryState.PROMOTED,
            "promoted",
            Move(kind=MoveKind.PROMOTE, weight=1.0),
        ),
        (1, Verdict.FAILED, CanaryState.ROLLED_BACK, "rolled back", Move(kind=MoveKind.ROLLBACK)),
        (1, Verdict.INSUFFICIENT, CanaryState.RUNNING, "extended", None),
        (1, Verdict.INCONCLUSIVE, CanaryState.HOLDING, "held", None),
    ],
)
def test_each_verdict_gives_its_step_and_its_traffic_move(
    step: int, verdict: Verdict, state: CanaryState, what: str, move: Move | None
) -> None:
    before = _canary(step)
    after = after_judgement(before, Judgement(verdict=verdict, score=0, reason="score 0"), LATER)
    assert (after.state, after.history[-1].what) == (state, what)
    assert move_of(before, after) == move


@pytest.mark.parametrize(
    ("over", "moving", "kind"),
    [
        (CanaryState.PROMOTED, CanaryState.PROMOTING, MoveKind.PROMOTE),
        (CanaryState.ROLLED_BACK, CanaryState.ROLLING_BACK, MoveKind.ROLLBACK),
    ],
)
def test_a_promote_or_rollback_is_stored_under_way_until_its_traffic_moved(
    over: CanaryState, moving: CanaryState, kind: MoveKind
) -> None:
    decided = _canary(2).model_copy(update={"state": over})
    stored = recorded_first(decided)
    # the scheduler still sees it (not over) and knows the move it still needs
    assert stored.state is moving and not stored.state.over
    assert stored.history == decided.history
    pending = pending_move(stored)
    assert pending is not None and pending.kind is kind
    assert finished(stored).state is over
    # any other step is stored as it will be
    assert recorded_first(_canary(1)) == _canary(1)


def test_a_move_sent_back_restores_the_canary_and_is_no_judgement() -> None:
    before = _canary(0)
    judged = [StepRecord(at=NOW, weight=0.05, what="extended", reason="n=30/299")]
    before = before.model_copy(update={"history": judged})
    stored = after_judgement(before, Judgement(verdict=Verdict.SUCCESSFUL, score=100), LATER)
    stored = stored.model_copy(update={"version": 4})
    back = undone(before, stored, LATER, TimeoutError("UpdateAlias timed out"))
    assert (back.step, back.weight, back.version) == (0, 0.05, 4)
    assert [r.what for r in back.history] == ["extended", "advanced", "not advanced"]
    assert "could not be advanced (UpdateAlias timed out); traffic back at 5%" in (
        back.history[-1].reason
    )
    # the next judgement is the first look at the step as it now stands: the traffic moved
    # (to 25%, then back to 5%), so the earlier look's minutes are not judged again; the
    # sending back was no judgement either
    assert looks(back) == looks(stored) == 1


def test_a_start_is_left_to_its_worker_until_the_worker_cannot_still_be_running() -> None:
    starting = _canary(0, CanaryState.STARTING)
    # no decision is taken on it, and the scheduler leaves it to its worker at first
    assert not starting.state.decidable and not starting.state.over
    assert not left_starting(starting, NOW + STARTING_LIMIT - timedelta(seconds=1))
    # past the worker's longest run, the scheduler takes it over
    assert left_starting(starting, NOW + STARTING_LIMIT)


def test_the_scheduler_takes_a_start_over_only_after_the_worker_s_longest_run() -> None:
    deployed = yaml.safe_load((Path(__file__).parents[3] / "serverless.yml").read_text())
    worker = timedelta(seconds=deployed["functions"]["worker"]["timeout"])
    assert worker < STARTING_LIMIT


def test_a_confirmed_start_runs_and_is_never_taken_over() -> None:
    starting = _canary(0, CanaryState.STARTING)
    assert started(starting).state is CanaryState.RUNNING
    assert not left_starting(started(starting), NOW + timedelta(days=1))


def test_a_long_hold_is_one_line_that_still_counts_every_look() -> None:
    # GIVEN a canary held at 5%, judged every interval for two days
    start = StepRecord(at=NOW, weight=0.05, what="started", reason="5%", by="oli")
    canary = a_canary(state=CanaryState.HOLDING, history=[start])
    at = NOW
    for minute in range(2 * 24 * 60):
        at = NOW + timedelta(minutes=minute + 1)
        reason = f"errors 0.{minute % 7}% vs 0.3%"
        canary = after_judgement(
            canary, Judgement(verdict=Verdict.INSUFFICIENT, score=0, reason=reason), at
        )
    # THEN its record holds one line for them, standing for each, with the latest figures
    (line,) = [r for r in canary.history if r.what == "judged while held"]
    assert (line.repeats, line.at, line.last_at) == (2880, NOW + timedelta(minutes=1), at)
    assert line.reason == f"errors 0.{2879 % 7}% vs 0.3%"
    assert len(canary.model_dump_json()) < 4_000  # a DynamoDB item holds at most 400 KB
    # AND each of them is still a look at the step's growing data
    assert looks(canary) == 2881
    # AND a person's decision, or another outcome, starts a line of its own
    resumed = canary.model_copy(update={"state": CanaryState.RUNNING})
    extended = after_judgement(resumed, Judgement(verdict=Verdict.INSUFFICIENT, score=0), at)
    assert [r.what for r in extended.history][-2:] == ["judged while held", "extended"]


def test_outcomes_that_alternate_for_days_keep_the_record_small_and_every_look() -> None:
    # GIVEN a canary at 5% whose metric read fails every other minute for two days
    start = StepRecord(at=NOW, weight=0.05, what="started", reason="5%", by="oli")
    canary = a_canary(history=[start])
    at = NOW
    judged = failed = 0
    for minute in range(2 * 24 * 60):
        at = NOW + timedelta(minutes=minute + 1)
        if minute % 2:
            canary = after_query_error(canary, at, ConnectionError("CloudWatch did not answer"))
            failed += 1
        else:
            verdict = Judgement(verdict=Verdict.INSUFFICIENT, score=0, reason=f"n={minute}")
            canary = after_judgement(canary, verdict, at)
            judged += 1
    # THEN its record is at most MAX_HISTORY lines, far under a DynamoDB item's 400 KB
    assert len(canary.history) == MAX_HISTORY
    assert len(canary.model_dump_json()) < 100_000
    # AND it still starts when the step began, every judgement is a look and no failed read is
    assert canary.history[0] == start
    assert step_began(canary) == NOW
    assert looks(canary) == 1 + judged
    assert (
        sum(r.failed_reads for r in canary.history)
        + sum(r.repeats for r in canary.history if r.what == "query error")
        == failed
    )
    # AND the latest line is the latest outcome, as it happened
    assert (canary.history[-1].what, canary.history[-1].at) == ("query error", at)
    # AND the merged line reads as what it stands for
    shown = "\n".join(history_page(canary, page=MAX_HISTORY // PAGE))
    assert f"5% extended ×{judged - (MAX_HISTORY - 2) // 2} (and " in shown
    assert "failed reads) by @scheduler: n=" in shown
