"""Model tokens through the bus: a model arm's narrative counts the tokens the model reported, in
and out apart, in `sre usage` and its CSV, each priced by its own row; the quotas count their
total."""

from __future__ import annotations

from shared.adapters.memory import FixedClock, InMemoryTaskQueue
from shared.prompts.experiments import Arm, Experiment
from shared.prompts.models import control
from shared.replies import Tone
from tests.support import NOW, ORG, investigate, run, setup_teams
from tests.support.experiments import Lab, lab
from tests.support.models import ReadingModel, ScriptedModel

IN, OUT = 100, 20
"""What the scripted model reports for each answer: tokens in and out."""


def _model_arm_only(it: Lab) -> None:
    """Team payments' experiment of the control (at the floor) and the model arm `brief`."""
    (brief,) = [v for v in it.prompts.variants.list_for(ORG) if v.name == "brief"]
    arms = [
        Arm(variant=control(ORG), weight=0.0, gate="passed (placed by the test)"),
        Arm(variant=brief, weight=1.0, gate="passed (placed by the test)"),
    ]
    experiment = Experiment(
        id="pe-0a0b0c",
        org=ORG,
        team="payments",
        arms=arms,
        floor=0.01,
        started_by="root",
        started_at=NOW,
    )
    it.prompts.experiments.save(experiment)


def test_a_model_narrative_counts_the_tokens_in_and_out_the_model_reported() -> None:
    model = ScriptedModel(text="The facts do not show a single cause yet.")
    it = lab(model)
    setup_teams(it.services)
    for text in (
        "org model on",
        'prompt variant add brief --model --instructions "Cause first."',
        "usage price set model-input-tokens 3",
        "usage price set model-output-tokens 15",
    ):
        assert not run(it.services, text).failed, text
    assert not run(
        it.services, "service register api --sample checkout", user="oli", channel="C-pay"
    ).failed
    _model_arm_only(it)
    # WHEN payments investigates until the model arm has narrated (the control keeps 1%)
    for _ in range(3):
        investigate(it.services, "investigate api")
        if model.asked:
            break
    answers = len(model.asked)
    assert answers >= 1
    # THEN `sre usage` shows exactly the tokens reported, in and out, each at its own price
    shown = run(it.services, "usage", user="vic", channel="C-pay")
    parts = dict(part.split(" ", 1) for part in dict(shown.fields)["payments"].split("; "))
    assert parts["model-input-tokens"].split(" ")[0] == f"{IN * answers:,}"
    assert parts["model-output-tokens"].split(" ")[0] == f"{OUT * answers:,}"
    cost = (IN * answers * 3 + OUT * answers * 15) / 1_000_000
    assert parts["total"] == f"${cost:,.2f}"
    assert "model-tokens" not in parts
    # AND the quotas counted their total
    quota = dict(run(it.services, "quota show", user="vic", channel="C-pay").fields)
    assert f"{(IN + OUT) * answers:,}" in quota["model-tokens-per-day"], quota


def test_an_offline_gates_model_tokens_are_counted_on_the_day_and_month_the_model_was_asked() -> (
    None
):
    # GIVEN team payments with a model variant, on 30 November (the gate's replay cases opened on
    # 5 January)
    clock = FixedClock(NOW)
    model = ReadingModel(clock, seconds=0)
    it = lab(model, clock=clock)
    setup_teams(it.services)
    for text in ("org model on", 'prompt variant add brief --model --instructions "Cause first."'):
        assert not run(it.services, text).failed, text
    assert not run(
        it.services, "service register api --sample checkout", user="oli", channel="C-pay"
    ).failed
    # WHEN an org admin starts an experiment with it and the worker runs its offline gate
    assert (
        run(it.services, "prompt experiment start --variants brief --team payments").tone
        is Tone.ACCEPTED
    )
    queue = it.services.tasks
    assert isinstance(queue, InMemoryTaskQueue)
    while tasks := queue.drain():
        for task in tasks:
            it.services.run_task(task)
    assert model.calls > 0
    # THEN the tokens the model reported count against today's and this month's quotas
    tokens = (100 + 10) * model.calls
    quota = dict(run(it.services, "quota show", user="vic", channel="C-pay").fields)
    assert quota["model-tokens-per-day"].startswith(f"{tokens:,} of "), quota
    assert quota["model-tokens-per-month"].startswith(f"{tokens:,} of "), quota
    # AND `sre usage` shows them in this month's usage
    shown = run(it.services, "usage", user="vic", channel="C-pay")
    parts = dict(part.split(" ", 1) for part in dict(shown.fields)["payments"].split("; "))
    assert parts["model-input-tokens"].split(" ")[0] == f"{100 * model.calls:,}"


def _org_wide_gate(quota: str | None) -> tuple[Lab, list[str], ReadingModel]:
    """An org admin's org-wide experiment of a model variant, its gate run by the worker (under
    the org's default `model-tokens-per-day` of `quota`, if given); what the worker answered."""
    clock = FixedClock(NOW)
    model = ReadingModel(clock, seconds=0)
    it = lab(model, clock=clock)
    setup_teams(it.services)
    setup = ["org model on", 'prompt variant add brief --model --instructions "Cause first."']
    for text in setup + ([f"quota set model-tokens-per-day {quota}"] if quota else []):
        assert not run(it.services, text).failed, text
    assert run(it.services, "prompt experiment start --variants brief").tone is Tone.ACCEPTED
    queue = it.services.tasks
    assert isinstance(queue, InMemoryTaskQueue)
    answers = []
    while tasks := queue.drain():
        answers += [f"{r.title} {r.text}" for r in map(it.services.run_task, tasks)]
    return it, answers, model


def test_an_org_wide_gates_tokens_are_the_orgs_own_in_usage_never_a_nameless_team() -> None:
    # GIVEN an org-wide experiment's gate, run by the worker
    it, _, model = _org_wide_gate(None)
    assert model.calls > 0
    # THEN `sre usage --all` names its tokens as the org's own, and no team paid for them
    shown = dict(run(it.services, "usage --all").fields)
    assert set(shown) == {"(org-wide)"}, shown
    assert shown["(org-wide)"].startswith(f"model-input-tokens {100 * model.calls:,} ")


def test_an_org_wide_gate_out_of_tokens_stops_unjudged_not_failed() -> None:
    # GIVEN the org's default daily model tokens far below what the gate needs
    _, answers, model = _org_wide_gate("1000")
    # THEN the gate stopped as soon as the quota refused the model: no variant "did not pass"
    said = answers[-1]
    assert "stopped unjudged (no variant failed it)" in said, said
    assert "did not pass" not in " ".join(answers)
    assert model.calls < 20
    # AND the refusal says whose quota it was and how to raise it (no `--team` of no team)
    assert "The org's (org-wide) prompt experiments have used" in said, said
    assert "the org's default" in said
    assert "`sre quota set model-tokens-per-day 2,000`" in said, said
