"""The offline gate, run on the replay scenarios and the sample: the templates pass; a model that
names the wrong first cause, is ungrounded once in k runs, or fails, does not; the cost bounds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from shared.adapters.local.sample_metrics import SampleMetricsSource
from shared.errors import InvalidCommandError
from shared.investigations.models import Investigation, Narrative
from shared.investigations.narrative import account
from shared.prompts.gating import (
    MOST_CASES,
    Case,
    advance,
    first_cause_missed,
    judged,
    planned,
    recorded_cause,
    replay_cases,
    run_gate,
)
from shared.prompts.language import ModelError
from shared.prompts.model_narrator import ModelNarrator
from shared.prompts.models import Template, Variant, VariantContent, VariantKind, control
from shared.prompts.templates import TemplateSummariser
from tests.support.models import ScriptedModel

ORG = "slack:T1"
AT = datetime(2026, 1, 2, tzinfo=UTC)
CONTROL = control(ORG)
MODEL = Variant(
    org=ORG,
    name="model-a",
    version=1,
    content=VariantContent(kind=VariantKind.MODEL, model="scripted:test"),
    created_by="root",
    created_at=AT,
)
TIMELINE = CONTROL.model_copy(
    update={
        "name": "timeline",
        "content": VariantContent(kind=VariantKind.TEMPLATE, template=Template.TIMELINE_FIRST),
    }
)
Script = Callable[[Investigation], ScriptedModel]


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    """The 40 replay scenarios and the bundled sample."""
    return replay_cases(ORG, "payments", sample=SampleMetricsSource())


def _untold(_: Investigation) -> ScriptedModel:
    """A model no template variant asks."""
    return ScriptedModel()


def _narrate(script: Script, calls: list[str]) -> Callable[[Variant, Investigation], Narrative]:
    """Templates tell; a model variant asks the scripted model `script` picks for the case."""

    def narrate(variant: Variant, investigation: Investigation) -> Narrative:
        if variant.content.kind is VariantKind.TEMPLATE:
            return TemplateSummariser(variant).summarise(investigation)
        calls.append(investigation.id)
        completion = ModelNarrator(script(investigation), budget_tokens=8000).narrate(
            investigation,
            instructions="",
            examples=[],
            temperature=0.2,
            max_tokens=400,
            metadata={},
        )
        return Narrative(text=completion.text, by=variant.label)

    return narrate


def test_the_cases_are_the_replay_scenarios_and_the_sample_with_their_known_causes(
    cases: list[Case],
) -> None:
    assert len(cases) == 41
    named = {case.name: case.cause for case in cases}
    assert named["saturation-0"] == "saturation"
    assert named["p99_latency-3"] == "p99 latency"
    assert named["quiet-5"] == ""
    # the sample: its database saturates two minutes after deploy v42
    sample = cases[-1]
    assert (sample.name, sample.cause) == ("sample-checkout", "saturation")
    assert any("deploy v42" in e.summary for e in sample.investigation.events)


@pytest.mark.parametrize("variant", [CONTROL, TIMELINE], ids=["cause-first", "timeline-first"])
def test_both_templates_pass_the_gate_against_the_control(
    cases: list[Case], variant: Variant
) -> None:
    result = run_gate(variant, CONTROL, _narrate(_untold, []), cases=cases, k=3)
    assert result.passed, result.reason
    assert (result.pass_all_k, result.scenarios, result.pass_rate) == (41, 41, 1.0)
    assert result.reason.endswith("3 runs of 41 cases: no model calls")


def test_a_model_that_names_the_wrong_first_cause_in_one_scenario_fails_and_says_where(
    cases: list[Case],
) -> None:
    # GIVEN a model that tells the rule-based account, except on saturation-3 where it says the
    # error rate (which did move, so it is grounded) moved first
    def script(investigation: Investigation) -> ScriptedModel:
        if investigation.id == "replay-saturation-3":
            return ScriptedModel(text="Error rate moved first.")
        return ScriptedModel(text=account(investigation))

    calls: list[str] = []
    result = run_gate(MODEL, CONTROL, _narrate(script, calls), cases=cases, k=3)
    assert not result.passed
    assert "saturation-3: named error rate first, not saturation" in result.reason
    assert "missed where the control never does: saturation-3" in result.reason
    # AND the gate cost what it says: k runs of every case, no more
    assert result.reason.endswith("3 runs of 41 cases: at most 123 calls to its model")
    assert len(calls) == 123


def test_a_model_ungrounded_once_in_k_runs_fails_the_scenario(cases: list[Case]) -> None:
    # GIVEN a model whose second answer on traffic-2 invents a deploy
    seen: list[str] = []

    def script(investigation: Investigation) -> ScriptedModel:
        seen.append(investigation.id)
        if seen.count("replay-traffic-2") == 2 and investigation.id == "replay-traffic-2":
            return ScriptedModel(text="Traffic moved first, 4 min after deploy v99.")
        return ScriptedModel(text=account(investigation))

    result = run_gate(MODEL, CONTROL, _narrate(script, []), cases=cases, k=3)
    assert not result.passed
    assert result.pass_all_k == 40
    assert "traffic-2: ungrounded: 4 min, v99" in result.reason


def test_a_model_that_fails_fails_the_gate(cases: list[Case]) -> None:
    failing = _narrate(lambda _: ScriptedModel(error=ModelError("throttled")), [])
    result = run_gate(MODEL, CONTROL, failing, cases=cases[:5], k=2)
    assert not result.passed
    assert result.pass_rate == 0.0
    assert "the narrative failed (ModelError: throttled)" in result.reason


def test_the_gate_runs_at_most_five_times_and_at_most_sixty_cases(cases: list[Case]) -> None:
    narrate = _narrate(_untold, [])
    with pytest.raises(InvalidCommandError, match="1 to 5 times"):
        run_gate(CONTROL, CONTROL, narrate, cases=cases, k=6)
    many = [c.model_copy(update={"name": f"{c.name}-{i}"}) for i in range(2) for c in cases]
    result = run_gate(CONTROL, CONTROL, narrate, cases=many, k=1)
    assert result.scenarios == MOST_CASES
    assert result.reason.endswith(f"1 runs of {MOST_CASES} cases: no model calls")


@pytest.mark.parametrize(
    ("text", "cause", "missed"),
    [
        ("12:20 deploy v42 · 12:22 saturation moved. First cause: saturation.", "saturation", ""),
        ("Latency moved first.", "p99 latency", "named latency first, not p99 latency"),
        ("P99 latency moved first, 2 min after deploy v42.", "v42", ""),
        ("Version 41 then v42 shipped.", "v42", "named v41 first, not v42"),
        ("Nothing in api's golden signals moved.", "", ""),
        ("Traffic moved a little.", "", "named traffic where nothing moved"),
        ("Something broke.", "error rate", "did not name error rate"),
    ],
)
def test_the_first_cause_rule(text: str, cause: str, missed: str) -> None:
    assert first_cause_missed(text, cause) == missed


@pytest.mark.parametrize(
    ("said", "cause"),
    [
        ("p99 latency", "p99 latency"),
        ("deploy v42 of checkout-api", "v42"),
        ("an expired certificate", ""),
        ("latency", ""),
    ],
)
def test_a_cause_said_at_resolve_is_judged_only_when_it_is_a_signal_or_an_id(
    said: str, cause: str
) -> None:
    assert recorded_cause(said) == cause


def test_a_gate_stopped_and_resumed_any_number_of_times_ends_as_in_one_go(
    cases: list[Case],
) -> None:
    # GIVEN a model that misses the sample's cause and the gate of it run in one go
    blind = ScriptedModel(text="Nothing moved.")
    narrate = _narrate(lambda i: blind if "sample" in i.id else _reader(i), [])
    whole = run_gate(MODEL, CONTROL, narrate, cases=cases, k=2)
    # WHEN the same gate runs 7 runs at a time, each part going on from the runs kept
    runs = planned(["cause-first", "model-a"], cases, k=2)
    arms = {"cause-first": CONTROL, "model-a": MODEL}
    parts = 0
    while not runs.finished:
        runs = advance(runs, arms, narrate, cases, more=_allowing(7))
        parts += 1
    # THEN it took many parts, and ends with the same result, reason and prior
    assert parts == -(-2 * 2 * len(cases) // 7)
    assert judged(runs, MODEL) == whole
    assert not whole.passed and "sample-checkout" in whole.reason


def _allowing(runs: int) -> Callable[[], bool]:
    """Says there is time for `runs` more runs, then no more."""
    left = iter(range(runs))
    return lambda: next(left, None) is not None


def _reader(investigation: Investigation) -> ScriptedModel:
    """A model that names the case's first finding as its cause (nothing, where none moved)."""
    first = min(investigation.findings, key=lambda f: f.onset, default=None)
    return ScriptedModel(text=f"First cause: {first.signal.label}." if first else "Nothing moved.")
