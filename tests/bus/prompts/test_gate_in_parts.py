"""The offline gate of `sre prompt experiment start` through the whole bus and worker: a model
variant's gate runs in parts, each within the time budget of one worker run (the model's time
passes on the test's clock), kept with the experiment and followed by the next part, and ends
as it would in one; its cases are the replay scenarios, the sample and the recorded cases of the
scope (every team of the org for an org-wide experiment, never another org's); the control's
prior is seeded from the same cases."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.adapters.memory import FixedClock, InMemoryTaskQueue
from shared.audit.models import ORG_STREAM, StreamKey
from shared.investigations.models import InvestigationStatus
from shared.prompts.experiment_gate import GATE_BUDGET
from shared.prompts.experiments import Experiment, ExperimentState
from shared.prompts.gating import replay_cases
from shared.replies import Reply, Tone
from tests.support import NOW, ORG, records, run, setup_teams
from tests.support.experiments import Lab, lab
from tests.support.models import ReadingModel

START = "prompt experiment start --variants brief --team payments"
ANSWER = timedelta(seconds=2)


class TickingClock(FixedClock):
    """A clock whose every reading takes `step` (a slow host: even a template's run takes time)."""

    def __init__(self, start: datetime, step: timedelta) -> None:
        super().__init__(start)
        self.step = step

    def now(self) -> datetime:
        self.current += self.step
        return self.current


def _model_lab(seconds: float, *, blind: bool = False) -> tuple[Lab, ReadingModel, FixedClock]:
    """Team payments with the sample service, the org's consent, and the model variant `brief`
    whose model names the first finding as the cause, taking `seconds` per answer."""
    clock = FixedClock(NOW)
    model = ReadingModel(clock, seconds=seconds, blind=blind)
    it = lab(model, clock=clock)
    setup_teams(it.services)
    assert run(it.services, "org model on").tone is Tone.OK
    added = run(it.services, 'prompt variant add brief --model --instructions "Cause first."')
    assert added.tone is Tone.OK, added
    run(it.services, "service register api --sample checkout", user="oli", channel="C-pay")
    return it, model, clock


def _parts(it: Lab, clock: FixedClock) -> list[tuple[Reply, datetime, datetime]]:
    """Each task the worker runs until none is left: its reply, and the clock before and after."""
    queue = it.services.tasks
    assert isinstance(queue, InMemoryTaskQueue)
    done = []
    while tasks := queue.drain():
        (task,) = tasks
        began = clock.now()
        done.append((it.services.run_task(task), began, clock.now()))
    return done


def _only(it: Lab) -> Experiment:
    (experiment,) = it.prompts.experiments.list_for(ORG)
    return experiment


def _gates(experiment: Experiment) -> list[tuple[str, str, float, float]]:
    return [(a.name, a.gate, a.prior_successes, a.prior_failures) for a in experiment.arms]


def test_a_slow_models_gate_runs_in_parts_within_the_budget_and_ends_as_in_one() -> None:
    # GIVEN a model variant whose model takes 2 s an answer: 123 calls, about 4 minutes
    it, model, clock = _model_lab(seconds=ANSWER.total_seconds())
    # WHEN an org admin starts an experiment with it and the worker runs what is queued
    assert run(it.services, START).tone is Tone.ACCEPTED
    first = it.services.tasks
    assert isinstance(first, InMemoryTaskQueue)
    (task,) = first.drain()
    told = it.services.run_task(task)
    # THEN the first part stops within the budget, keeps its runs with the gating experiment
    gating = _only(it)
    assert gating.state is ExperimentState.GATING and gating.gate_runs is not None
    done = gating.gate_runs.runs_done
    assert 0 < done < 123 and done == model.calls  # after the control's runs (no model)
    assert told.title == f"Prompt experiment {gating.id} (team payments): offline gate under way"
    assert told.text.startswith(f"Gate: {done} of 123 runs done.")
    # ... and says how far it is in the status, taking no traffic meanwhile
    status = run(it.services, "prompt experiment status --team payments")
    assert status.title == f"Prompt experiment {gating.id} (team payments): gating"
    assert status.text.startswith(f"Gate: {done} of 123 runs done")
    # WHEN the worker runs each part that follows
    parts = _parts(it, clock)
    # THEN each ran within the budget (one answer may end past it), and there were several
    assert len(parts) >= 7
    assert all(after - began <= GATE_BUDGET + ANSWER for _, began, after in parts)
    *between, (last, _, _) = parts
    # ... the starter was told once on the way and once at the end, nothing in between
    assert all(reply.unposted for reply, _, _ in between)
    posted = [r.title for t, r in it.notifier.posted if t == task.invocation.reply_to]
    assert posted == [told.title, last.title]
    assert last.title == f"Prompt experiment {gating.id} started (team payments)"
    assert "Gate: 123 of 123 runs done." in last.text
    assert model.calls == 123
    # AND it ends with the same gate and priors as a gate run in one part
    quick, _, quick_clock = _model_lab(seconds=0)
    assert run(quick.services, START).tone is Tone.ACCEPTED
    (one,) = _parts(quick, quick_clock)
    assert one[0].tone is Tone.OK, one[0]
    assert _gates(_only(it)) == _gates(_only(quick))
    assert _only(it).state is ExperimentState.RUNNING


def test_a_gate_whose_parts_make_only_the_controls_runs_still_runs_every_part_to_its_end() -> None:
    # GIVEN a template variant on a host so slow that each part makes only part of the
    # control's runs (which come first)
    clock = TickingClock(NOW, step=timedelta(seconds=1))
    it = lab(clock=clock)
    setup_teams(it.services)
    assert run(it.services, "prompt variant add timeline --template timeline-first").tone is Tone.OK
    # WHEN an experiment is started and the worker runs every part queued
    assert run(it.services, START.replace("brief", "timeline")).tone is Tone.ACCEPTED
    *between, (last, _, _) = _parts(it, clock)
    # THEN several parts made only the control's runs, and none was taken for a redelivery:
    # the gate ends and the experiment starts
    assert [reply.text.split(".")[0] for reply, _, _ in between[:2]] == [
        "Gate: 0 of 123 runs done"
    ] * 2
    assert last.tone is Tone.OK, last
    assert last.title.endswith("started (team payments)")
    assert "Gate: 123 of 123 runs done." in last.text
    assert _only(it).state is ExperimentState.RUNNING


def _recorded(it: Lab, org: str, team: str, number: int) -> None:
    """A resolved investigation of `team` in `org` whose cause was said at resolve (a replay
    scenario's, as `sre investigate` would have held it)."""
    case = next(c for c in replay_cases(org, team) if c.cause)
    update = {
        "id": f"inv-00000{number}",
        "org": org,
        "team": team,
        "status": InvestigationStatus.RESOLVED,
        "cause": case.cause,
        "summary": "pool exhausted",
    }
    it.investigations.save(case.investigation.model_copy(update=update))


def test_an_org_wide_gate_runs_the_sample_and_every_teams_recorded_cases_of_the_org() -> None:
    # GIVEN the template variant `timeline`, a recorded case in each team of the org, and one
    # in a team of another org
    it = lab()
    setup_teams(it.services)
    assert run(it.services, "prompt variant add timeline --template timeline-first").tone is Tone.OK
    _recorded(it, ORG, "payments", 1)
    _recorded(it, ORG, "search", 2)
    _recorded(it, "slack:T2", "payments", 3)
    # WHEN an org admin starts an org-wide experiment
    assert run(it.services, "prompt experiment start --variants timeline").tone is Tone.ACCEPTED
    (started, _, _) = _parts(it, FixedClock(NOW))[0]
    assert started.tone is Tone.OK, started
    # THEN the gate ran the 40 replay scenarios, the sample and both teams' cases: 43
    timeline = _only(it).arm("timeline")
    assert timeline is not None
    assert timeline.gate.endswith("3 runs of 43 cases: no model calls"), timeline.gate
    # AND a team's experiment runs its own team's cases only: 42
    assert run(it.services, "prompt experiment stop").tone is Tone.OK
    assert run(it.services, START.replace("brief", "timeline")).tone is Tone.ACCEPTED
    _parts(it, FixedClock(NOW))
    (team_experiment,) = [x for x in it.prompts.experiments.list_for(ORG) if x.team]
    arm = team_experiment.arm("timeline")
    assert arm is not None
    assert arm.gate.endswith("3 runs of 42 cases: no model calls"), arm.gate


def test_the_control_is_seeded_from_its_runs_of_the_same_cases() -> None:
    # GIVEN the template variant `timeline`
    it = lab()
    setup_teams(it.services)
    assert run(it.services, "prompt variant add timeline --template timeline-first").tone is Tone.OK
    # WHEN an experiment starts after its gate
    assert run(it.services, START.replace("brief", "timeline")).tone is Tone.ACCEPTED
    _parts(it, FixedClock(NOW))
    experiment = _only(it)
    # THEN the control has a prior from the same cases as the variant's, in the same amount
    control, timeline = experiment.control(), experiment.arm("timeline")
    assert timeline is not None
    assert control.gate == "the control, on the same 41 cases"
    seeded = (control.prior_successes, control.prior_failures)
    assert seeded == (10.0, 0.0)  # passed every run, weighed as PRIOR_TRIALS pseudo-trials
    assert seeded == (timeline.prior_successes, timeline.prior_failures)


def test_a_gating_experiment_can_be_stopped_and_its_next_part_then_runs_nothing() -> None:
    # GIVEN a slow model variant's gate after its first part
    it, model, clock = _model_lab(seconds=ANSWER.total_seconds())
    assert run(it.services, START).tone is Tone.ACCEPTED
    queue = it.services.tasks
    assert isinstance(queue, InMemoryTaskQueue)
    (task,) = queue.drain()
    it.services.run_task(task)
    asked = model.calls
    # WHEN a promotion is asked, and the variant's retirement, then a stop
    promoted = run(it.services, "prompt experiment promote brief --team payments")
    retired = run(it.services, "prompt variant retire brief")
    stopped = run(it.services, "prompt experiment stop --team payments")
    # THEN the promotion and the retirement are refused while the gate runs; the stop ends it
    assert promoted.failed
    assert "is still in its offline gate" in promoted.text  # a refusal (exit 1), not usage
    assert retired.failed
    assert "stop it first (`sre prompt experiment stop --team payments`)" in retired.text
    assert stopped.tone is Tone.OK, stopped
    # AND the part already queued asks the model nothing and tells nobody
    parts = _parts(it, clock)
    assert [(reply.unposted, reply.title.endswith("no gate to run")) for reply, _, _ in parts] == [
        (True, True)
    ]
    assert model.calls == asked
    assert _only(it).state is ExperimentState.STOPPED
    # AND a person's gate of it now changes nothing, said at once and not audited (before:
    # queued, and audited as succeeded each time)
    experiment = _only(it).id
    trail = len(records(it.services.audit_log, StreamKey(org=ORG, team=ORG_STREAM)))
    again = run(it.services, f"prompt experiment gate {experiment}")
    assert again.title == (
        f"Nothing to change: prompt experiment {experiment} has no gate to run: it is stopped."
    ), again
    assert len(records(it.services.audit_log, StreamKey(org=ORG, team=ORG_STREAM))) == trail


def test_a_slow_model_that_fails_its_gate_is_refused_at_the_end_and_the_experiment_stopped() -> (
    None
):
    # GIVEN a slow model variant whose model says nothing moved, whatever moved
    it, _, clock = _model_lab(seconds=ANSWER.total_seconds(), blind=True)
    # WHEN its experiment is started and the worker runs every part
    assert run(it.services, START).tone is Tone.ACCEPTED
    *between, (last, _, _) = _parts(it, clock)
    # THEN after several parts the starter is told it did not pass, and where it missed
    assert len(between) >= 7
    assert last.failed
    assert "did not pass the offline gate" in last.title + last.text
    # AND the experiment, kept while gating, is stopped: its scope is free again
    stopped = _only(it)
    assert stopped.state is ExperimentState.STOPPED
    assert stopped.history[-1].text.startswith("brief v1 · ")
    status = run(it.services, "prompt experiment status --team payments")
    assert status.title.endswith("(team payments): stopped")
