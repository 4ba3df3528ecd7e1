"""What an experiment's evidence says: the narrative's first cause against the responders',
verdicts by majority, and a variant the sequential test finds worse stopped."""

from __future__ import annotations

import random

import pytest

from shared.prompts.decisions import (
    Tally,
    agrees,
    counts,
    decide,
    first_named,
    majority,
    scored,
    tally,
)
from shared.prompts.experiments import LOOK_EVERY, MAX_ASSIGNED, Arm, Experiment, ExperimentState
from shared.prompts.models import Feedback, Template, Variant, VariantContent, VariantKind, Verdict
from shared.prompts.models import control as control_variant
from shared.prompts.sequential import Decision, compare
from shared.prompts.templates import tell
from tests.support import NOW
from tests.support.incidents import incident


def _timeline() -> Variant:
    content = VariantContent(kind=VariantKind.TEMPLATE, template=Template.TIMELINE_FIRST)
    return Variant(
        org="slack:T1", name="timeline", version=1, content=content, created_by="", created_at=NOW
    )


def _verdict(by: str, verdict: Verdict) -> Feedback:
    return Feedback(
        org="slack:T1",
        team="payments",
        investigation_id="inv-000042",
        by=by,
        verdict=verdict,
        narrated_by="cause-first v1",
        at=NOW,
    )


def _experiment() -> Experiment:
    return Experiment(
        id="pe-0001",
        org="slack:T1",
        team="payments",
        arms=[
            Arm(variant=control_variant("slack:T1"), weight=0.5),
            Arm(variant=_timeline(), weight=0.5),
        ],
        floor=0.05,
        started_by="root",
        started_at=NOW,
    )


def test_an_investigation_counts_once_its_verdicts_first_else_its_agreement() -> None:
    # GIVEN an investigation the control narrated, called Helpful and whose first cause agrees
    told = incident().model_copy(
        update={"narrative": tell(Template.CAUSE_FIRST, incident()), "cause": "p99 latency"}
    )
    experiment = _experiment()
    told = told.model_copy(update={"narrated_by": experiment.control().variant.label})
    experiment = experiment.model_copy(update={"assignments": {told.id: "cause-first"}})
    # WHEN it is tallied with a Helpful verdict, then with none
    helpful = _verdict("a", Verdict.HELPFUL).model_copy(update={"investigation_id": told.id})
    voted = tally(experiment, {told.id: told}, [helpful])
    unvoted = tally(experiment, {told.id: told}, [])
    # THEN it is one trial either way: the verdict when there is one, else the agreement
    control = experiment.control()
    assert counts(control, voted["cause-first"]).trials == 1
    assert (voted["cause-first"].helpful, voted["cause-first"].agreed) == (1, 0)
    assert counts(control, unvoted["cause-first"]).trials == 1
    assert unvoted["cause-first"].agreed == 1


def _aa_run(rng: random.Random, investigations: int) -> bool:
    """Whether the test tells two arms of the same 60% quality apart within `investigations`."""
    experiment = _experiment()
    arms = {arm.name: Tally() for arm in experiment.arms}
    for _ in range(investigations):
        for name, before in arms.items():
            said, agreed = rng.random() < 0.6, rng.random() < 0.6
            arms[name] = scored(before, said if rng.random() < 0.7 else None, agreed)
        control = counts(experiment.control(), arms["cause-first"])
        other = experiment.arm("timeline")
        assert other is not None
        if compare(control, counts(other, arms["timeline"])) is not Decision.UNDECIDED:
            return True
    return False


def test_an_a_a_experiment_rarely_declares_a_difference() -> None:
    # the reviewer's A/A simulation: both arms equally good, verdicts and agreement on most
    rng = random.Random(1)
    declared = sum(_aa_run(rng, 300) for _ in range(100))
    assert declared <= 5


def test_the_first_cause_of_either_template_is_the_signal_that_moved_first() -> None:
    # the timeline names the deploy first, but says its first cause at the end
    investigation = incident()
    for template in Template:
        text = tell(template, investigation)
        assert first_named(text, investigation) == "p99 latency", text


def test_because_and_an_unclear_cause_are_not_where_the_narrative_says_its_cause() -> None:
    investigation = incident()
    text = "P99 latency moved first at 14:05 because traffic fell"
    assert first_named(text, investigation) == "p99 latency"
    unclear = "P99 latency moved first at 14:05; the cause is unclear, traffic fell later"
    assert first_named(unclear, investigation) == "p99 latency"
    assert first_named("Traffic fell. The cause was: p99 latency", investigation) == "p99 latency"


def test_agreement_is_the_first_named_cause_against_the_responders_cause() -> None:
    told = incident().model_copy(update={"narrative": tell(Template.CAUSE_FIRST, incident())})
    assert agrees(told.model_copy(update={"cause": "p99 latency"})) is True
    assert agrees(told.model_copy(update={"cause": "deploy v43"})) is False
    assert agrees(told) is None  # no cause said yet: no evidence
    assert agrees(told.model_copy(update={"cause": "P99 latency of the db"})) is True


def test_verdicts_count_by_majority_and_a_tie_counts_for_nothing() -> None:
    helpful, wrong = Verdict.HELPFUL, Verdict.WRONG
    assert majority([_verdict("a", helpful), _verdict("b", helpful), _verdict("c", wrong)])
    assert majority([_verdict("a", helpful), _verdict("b", wrong)]) is None
    assert majority([_verdict("a", wrong)]) is False
    assert majority([]) is None


def test_a_variant_the_sequential_test_finds_worse_is_stopped_and_the_control_takes_its_share() -> (
    None
):
    experiment = _experiment()
    results = {
        "cause-first": Tally(narrated=40, helpful=36, wrong=4),
        "timeline": Tally(narrated=40, helpful=6, wrong=34),
    }
    decided = decide(experiment, results, now=NOW)
    timeline = decided.arm("timeline")
    assert timeline is not None
    assert timeline.weight == 0
    assert timeline.halted == "stopped: worse than the control by the sequential test"
    assert decided.weights()["cause-first"] == 1.0
    assert decided.running
    assert [s.what for s in decided.history] == ["stopped"]


def _alike(weights: tuple[float, float], looked_at: int = 0) -> Experiment:
    """The two-arm experiment at `weights`, last looked at `looked_at` judged investigations."""
    arms = [
        a.model_copy(update={"weight": w}) for a, w in zip(_experiment().arms, weights, strict=True)
    ]
    return _experiment().model_copy(update={"arms": arms, "looked_at": looked_at})


# 81 judged investigations, timeline one Helpful ahead: Thompson shares of about 46% and 54%
ALIKE = {
    "cause-first": Tally(narrated=40, helpful=20, wrong=20),
    "timeline": Tally(narrated=41, helpful=21, wrong=20),
}


def test_a_look_that_moves_the_shares_by_under_five_points_notes_the_change() -> None:
    decided = decide(_alike((0.5, 0.5)), ALIKE, now=NOW)
    assert decided.weights() == pytest.approx({"cause-first": 0.46, "timeline": 0.54}, abs=0.005)
    assert [(s.what, s.text) for s in decided.history] == [
        (
            "shares",
            "shares now cause-first 46%, timeline 54% (after 81 judged investigations; floor 5%)",
        )
    ]
    assert decided.looked_at == 81


def test_a_look_that_changes_no_share_as_shown_notes_nothing_and_keeps_the_stored_shares() -> None:
    decided = decide(_alike((0.46, 0.54)), ALIKE, now=NOW)
    assert decided.history == []
    assert decided.weights() == {"cause-first": 0.46, "timeline": 0.54}
    assert decided.looked_at == 81


def test_between_looks_the_stored_shares_stay_whatever_the_evidence() -> None:
    # GIVEN a look at 72 judged investigations, and evidence since that favours timeline
    lopsided = {
        "cause-first": Tally(narrated=40, helpful=17, wrong=23),
        "timeline": Tally(narrated=41, helpful=26, wrong=15),
    }
    # WHEN it is decided at 81, before the next look is due (at 82)
    decided = decide(_alike((0.5, 0.5), looked_at=81 - LOOK_EVERY + 1), lopsided, now=NOW)
    # THEN the shares are as stored and nothing is noted; the look at 82 moves them
    assert (decided.weights(), decided.history) == ({"cause-first": 0.5, "timeline": 0.5}, [])
    looked = decide(_alike((0.5, 0.5), looked_at=81 - LOOK_EVERY), lopsided, now=NOW)
    assert looked.weights()["timeline"] > 0.9
    assert [s.what for s in looked.history] == ["shares"]


def test_an_experiment_that_has_narrated_its_most_investigations_is_stopped_saying_why() -> None:
    # GIVEN an experiment with no variant found better, one short of its most investigations
    assigned = {f"inv-{i:06x}": "timeline" for i in range(MAX_ASSIGNED - 1)}
    short = _alike((0.46, 0.54)).model_copy(update={"assignments": assigned, "looked_at": 81})
    assert decide(short, ALIKE, now=NOW).running
    # WHEN the next investigation is assigned to it
    full = short.model_copy(update={"assignments": {**assigned, "inv-ffffff": "cause-first"}})
    decided = decide(full, ALIKE, now=NOW)
    # THEN it is stopped (its record holds no more), and the step says why
    assert decided.state is ExperimentState.STOPPED and decided.ended_at == NOW
    assert [(s.what, s.text) for s in decided.history] == [
        (
            "stopped",
            "stopped after 5,000 investigations with no variant found better than the control "
            "(an experiment narrates at most that many)",
        )
    ]
