"""Prompt experiments through the bus: an org admin starts one (what cannot take part is
refused, saying why), its start is posted to the team's channel and audited, reports in its scope
say which variant and experiment wrote their narrative, status shows each arm, and a stop or a
promotion by hand ends it."""

from __future__ import annotations

import threading

from shared.adapters.memory import InMemoryExperimentStore, InMemoryTaskQueue
from shared.audit.models import ORG_STREAM, Outcome, StreamKey
from shared.prompts.decisions import promote
from shared.prompts.experiments import Experiment
from shared.prompts.gating import replay_cases
from shared.prompts.models import Feedback, Verdict
from shared.replies import Reply, Tone
from tests.support import NOW, ORG, investigate, records, run, run_deferred, setup_teams
from tests.support.experiments import Lab, ReadTogether, lab
from tests.support.models import ScriptedModel


def _text(reply: Reply) -> str:
    return "\n".join([reply.title, reply.text, *(f"{k}: {v}" for k, v in reply.fields)])


def _ready(model: ScriptedModel | None = None) -> Lab:
    it = lab(model)
    setup_teams(it.services)
    assert run(it.services, "prompt variant add timeline --template timeline-first").tone is Tone.OK
    run(it.services, "service register api --sample checkout", user="oli", channel="C-pay")
    return it


def test_start_refuses_what_cannot_take_part_and_says_why() -> None:
    it = _ready()
    run(it.services, "prompt variant add old --template timeline-first")
    run(it.services, "prompt variant retire old")
    run(it.services, "prompt variant add other --template cause-first")
    refusals = {
        "--variants nosuch": "There is no prompt variant `nosuch`",
        "--variants old": "is retired",
        "--variants timeline,other,old": "at most 3 variants",
        "--variants timeline --floor 40%": "between 1% and 30%",
        "--variants cause-first": "name at least one variant besides the control",
        # a scope no team holds yet: a team created later would inherit a running experiment
        "--variants timeline --team nope": "There is no team `nope`",
    }
    for options, said in refusals.items():
        reply = run_deferred(it.services, f"prompt experiment start {options}")
        assert reply.failed, options
        assert said in _text(reply), (options, _text(reply))
    assert it.prompts.experiments.list_for(ORG) == []


def test_a_started_experiment_holds_the_control_is_posted_audited_and_one_per_scope() -> None:
    # GIVEN the `timeline` variant
    it = _ready()
    # WHEN an org admin starts an experiment of team payments naming only timeline
    started = run_deferred(
        it.services, "prompt experiment start --variants timeline --team payments"
    )
    # THEN the control is an arm too, with an equal share, and the start is posted and audited
    assert started.tone is Tone.OK, started
    assert started.title.startswith("Prompt experiment pe-")
    assert started.title.endswith("started (team payments)")
    (experiment,) = it.prompts.experiments.list_for(ORG)
    assert experiment.weights() == {"cause-first": 0.5, "timeline": 0.5}
    posts = [(t.channel, r.title) for t, r in it.notifier.posted]
    assert (
        "C-pay",
        f"Prompt experiment {experiment.id} (team payments): started",
    ) in posts
    entries = records(it.services.audit_log, StreamKey(org=ORG, team=ORG_STREAM))
    (done,) = [
        e for e in entries if "experiment start" in e.command and e.outcome is Outcome.SUCCEEDED
    ]
    assert done.details["experiment"] == experiment.id
    # AND a second one for the same team is refused, while an org-wide one may run beside it
    again = run_deferred(
        it.services, "prompt experiment start --variants timeline --team payments --floor 6%"
    )
    assert again.failed
    assert f"prompt experiment {experiment.id} runs already" in _text(again)
    wide = run_deferred(it.services, "prompt experiment start --variants timeline")
    assert wide.tone is Tone.OK, wide
    assert wide.title.endswith("started (org-wide)")


def test_of_two_starts_for_one_team_at_once_one_runs_and_the_other_is_refused_naming_it() -> None:
    # GIVEN two org admins, two variants, and a store where both starts find team payments
    # free before either saves
    it = lab(experiments=ReadTogether(InMemoryExperimentStore()))
    setup_teams(it.services)
    for text in (
        "org grant ann org-admin",
        "prompt variant add timeline --template timeline-first",
        "prompt variant add brief --template timeline-first",
    ):
        assert not run(it.services, text).failed, text
    for user, variant in (("root", "timeline"), ("ann", "brief")):
        asked = run(
            it.services, f"prompt experiment start --variants {variant} --team payments", user=user
        )
        assert asked.tone is Tone.ACCEPTED, asked
    assert isinstance(it.services.tasks, InMemoryTaskQueue)
    tasks = it.services.tasks.drain()
    # WHEN the worker runs both starts at the same moment
    replies: list[Reply] = []
    threads = [
        threading.Thread(target=lambda t=task: replies.append(it.services.run_task(t)))
        for task in tasks
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # THEN one runs, and the other is refused, naming it
    (started,) = [r for r in replies if not r.failed]
    (refused,) = [r for r in replies if r.failed]
    (experiment,) = [x for x in it.prompts.experiments.list_for(ORG) if x.live]
    assert started.title == f"Prompt experiment {experiment.id} started (team payments)"
    assert (
        f"prompt experiment {experiment.id} runs already (team payments): stop it first"
        in _text(refused)
    )
    # AND one stop ends it: the control writes the team's narratives and no experiment runs
    stopped = run(it.services, "prompt experiment stop --team payments")
    assert stopped.text.startswith("Narratives (team payments) are written by cause-first v1")
    again = run(it.services, "prompt experiment stop --team payments")
    assert "No prompt experiment runs for team payments" in _text(again)
    # (its suggestion keeps the scope, and says who may start one: a team admin reads status)
    assert "an org admin starts one with `sre prompt experiment start --variants NAME --team " in (
        _text(again)
    )


def test_a_model_variant_is_refused_until_the_org_consents() -> None:
    it = _ready(ScriptedModel(name="scripted:test"))
    added = run(it.services, 'prompt variant add brief --model --instructions "Cause first."')
    assert added.tone is Tone.OK, added
    refused = run_deferred(it.services, "prompt experiment start --variants brief")
    assert refused.failed
    assert "`sre org model on`" in _text(refused)
    assert run(it.services, "org model on").tone is Tone.OK
    # THEN with it, the offline gate runs: a model that names no cause does not pass it
    gated = run_deferred(it.services, "prompt experiment start --variants brief --floor 6%")
    assert gated.failed
    assert "did not pass the offline gate" in _text(gated)


def test_a_report_in_scope_says_its_variant_and_experiment_and_status_counts_it() -> None:
    # GIVEN a running experiment of team payments
    it = _ready()
    run_deferred(it.services, "prompt experiment start --variants timeline --team payments")
    (experiment,) = it.prompts.experiments.list_for(ORG)
    # WHEN a responder investigates
    report = investigate(it.services, "investigate api")
    # THEN the footer names the arm's variant and the experiment, and the assignment is kept
    said = dict(report.fields)["Narrative"]
    assert said.endswith(f"(experiment {experiment.id})")
    (investigation,) = it.investigations.recent(ORG, "payments", newest=10)
    arm = it.prompts.experiments.get(ORG, experiment.id).assignments[investigation.id]  # type: ignore[union-attr]
    assert said.startswith(f"{arm} v1 · ") or said.startswith("cause-first v1 · ")
    # ... and so does the investigation's audit entry
    entries = records(it.services.audit_log, StreamKey(org=ORG, team="payments"))
    opened = [e for e in entries if e.details.get("investigation") == investigation.id]
    assert [e.details["narrative"] for e in opened] == [said]
    # AND the team's admin sees it counted in the status; a viewer may not read it
    status = run(it.services, "prompt experiment status --team payments", user="ann")
    assert status.title == f"Prompt experiment {experiment.id} (team payments): running"
    shown = dict(status.fields)
    line = next(v for k, v in shown.items() if k.startswith(f"{arm} v1"))
    assert "1 investigation ·" in line
    assert "test: undecided (0 of the 30 results each side needs)" in _text(status)
    assert "started: started by @root" in shown["History"]
    # (in its burn-in: its shares are equal until it ends, whatever looks come before)
    assert "; equal shares until 20 investigations are judged, then recomputed every 10." in (
        status.text
    )
    assert run(it.services, "prompt experiment status --team payments", user="vic").failed


def test_a_promotion_by_hand_is_refused_until_the_test_says_better_and_stop_still_works() -> None:
    it = _ready()
    run_deferred(it.services, "prompt experiment start --variants timeline --team payments")
    investigate(it.services, "investigate api")
    # WHEN an org admin promotes timeline before the sequential test says it is better
    refused = run(it.services, "prompt experiment promote timeline --team payments")
    # THEN it is refused, saying what the test says and how many investigations each arm has
    assert refused.failed, refused
    assert "not promoted: the sequential test says undecided" in _text(refused)
    assert "judged investigations, the control 0)" in _text(refused)
    # ... the experiment still runs (so the team's narrative is not timeline's) and stops
    report = investigate(it.services, "investigate api", user="oli")
    assert "(experiment pe-" in dict(report.fields)["Narrative"]
    assert run(it.services, "prompt experiment stop --team payments").tone is Tone.OK


def test_promoting_the_control_by_hand_ends_the_experiment() -> None:
    it = _ready()
    run_deferred(it.services, "prompt experiment start --variants timeline --team payments")
    promoted = run(it.services, "prompt experiment promote cause-first --team payments")
    assert promoted.tone is Tone.OK, promoted
    assert "the control stays the narrative" in promoted.text
    report = investigate(it.services, "investigate api")
    assert dict(report.fields)["Narrative"].startswith("cause-first v1 · ")
    assert "experiment" not in dict(report.fields)["Narrative"]


def test_a_stopped_experiment_routes_nothing_and_status_shows_it_stopped() -> None:
    it = _ready()
    run_deferred(it.services, "prompt experiment start --variants timeline --team payments")
    stopped = run(it.services, "prompt experiment stop --team payments")
    assert stopped.tone is Tone.OK, stopped
    assert (
        stopped.text
        == "Narratives (team payments) are written by "
        + (dict(investigate(it.services, "investigate api").fields)["Narrative"])
        + " again."
    )
    status = run(it.services, "prompt experiment status --team payments", user="aud")
    assert status.title.endswith("(team payments): stopped")


def test_a_variant_is_not_retired_while_it_is_an_arm_of_a_running_experiment() -> None:
    it = _ready()
    run_deferred(it.services, "prompt experiment start --variants timeline --team payments")
    # WHEN an org admin retires timeline while the experiment routes traffic to it
    refused = run(it.services, "prompt variant retire timeline")
    # THEN it is refused, saying to stop the experiment first; timeline is not retired
    assert refused.failed, refused
    assert "stop it first (`sre prompt experiment stop --team payments`)" in _text(refused)
    assert not run(it.services, "prompt variant list").text.splitlines()[1].endswith("retired")
    # ... and once stopped it can be retired
    run(it.services, "prompt experiment stop --team payments")
    assert run(it.services, "prompt variant retire timeline").tone is Tone.OK


def test_a_promoted_variant_retired_since_is_no_longer_the_default() -> None:
    # GIVEN timeline promoted for the team (as the sequential test would), then retired
    it = _ready()
    run_deferred(it.services, "prompt experiment start --variants timeline --team payments")
    (experiment,) = it.prompts.experiments.list_for(ORG)
    it.prompts.experiments.save(promote(experiment, "timeline", now=NOW, why="better"))
    assert run(it.services, "prompt experiment status --team payments").title.endswith(
        "promoted (timeline)"
    )
    assert run(it.services, "prompt variant retire timeline").tone is Tone.OK
    # WHEN the team investigates again
    report = investigate(it.services, "investigate api")
    # THEN the control writes the narrative, never the retired variant
    assert dict(report.fields)["Narrative"].startswith("cause-first v1 · ")


def _judged(it: Lab, experiment: Experiment, arm: str, helpful: int, wrong: int) -> Experiment:
    """`helpful + wrong` investigations of team payments narrated by `arm`, each with one
    responder's verdict, assigned to it in `experiment` (as the report's buttons leave them)."""
    written = experiment.arm(arm)
    assert written is not None
    base = next(c for c in replay_cases(ORG, "payments") if c.cause).investigation
    assignments = dict(experiment.assignments)
    for number in range(helpful + wrong):
        investigation = base.model_copy(
            update={
                "id": f"inv-{arm[:2].encode().hex()}{number:04x}",
                "narrated_by": f"{written.variant.label} (experiment {experiment.id})",
            }
        )
        it.investigations.save(investigation)
        assignments[investigation.id] = arm
        verdict = Verdict.HELPFUL if number < helpful else Verdict.WRONG
        it.prompts.feedback.add(
            Feedback(
                org=ORG,
                team="payments",
                investigation_id=investigation.id,
                by="rey",
                verdict=verdict,
                narrated_by=investigation.narrated_by,
                at=NOW,
            )
        )
    return experiment.model_copy(update={"assignments": assignments})


def test_a_promotion_by_hand_the_sequential_test_agrees_with_ends_it_posted_and_audited() -> None:
    # GIVEN an experiment of team payments where timeline was found helpful 36 times in 40 and
    # the control 12 times in 40
    it = _ready()
    run_deferred(it.services, "prompt experiment start --variants timeline --team payments")
    (experiment,) = it.prompts.experiments.list_for(ORG)
    judged = _judged(it, _judged(it, experiment, "timeline", 36, 4), "cause-first", 12, 28)
    it.prompts.experiments.save(judged)
    # WHEN an org admin promotes timeline by hand
    promoted = run(it.services, "prompt experiment promote timeline --team payments")
    # THEN it is promoted, saying the sequential test agrees
    assert promoted.tone is Tone.OK, promoted
    timeline = experiment.arm("timeline")
    assert timeline is not None
    assert promoted.title == f"{timeline.variant.label} promoted (team payments)"
    assert promoted.text == (
        f"Prompt experiment {experiment.id} ended; the sequential test says it is better than "
        "the control."
    )
    # ... it is posted in the team's channel and audited with the variant
    posts = [(t.channel, r.title, r.text) for t, r in it.notifier.posted]
    title = f"Prompt experiment {experiment.id} (team payments): promoted"
    assert any(c == "C-pay" and t == title and "by @root by hand" in x for c, t, x in posts)
    entries = records(it.services.audit_log, StreamKey(org=ORG, team=ORG_STREAM))
    (done,) = [
        e for e in entries if "experiment promote" in e.command and e.outcome is Outcome.SUCCEEDED
    ]
    assert (done.details["experiment"], done.details["variant"]) == (
        experiment.id,
        timeline.variant.label,
    )
    # AND the winner writes the team's narratives from now on, outside any experiment
    report = investigate(it.services, "investigate api")
    assert dict(report.fields)["Narrative"] == timeline.variant.label
    status = run(it.services, "prompt experiment status --team payments")
    assert status.title.endswith("promoted (timeline)")


def test_stopping_a_teams_experiment_under_an_org_wide_one_names_the_org_wide_one() -> None:
    it = _ready()
    assert run(it.services, "prompt variant add other --template timeline-first").tone is Tone.OK
    org_wide = run_deferred(it.services, "prompt experiment start --variants timeline")
    assert not org_wide.failed, org_wide
    own = run_deferred(it.services, "prompt experiment start --variants other --team payments")
    assert not own.failed, own
    (wide,) = [x for x in it.prompts.experiments.list_for(ORG) if x.live and x.team is None]
    # WHEN payments' own is stopped
    stopped = run(it.services, "prompt experiment stop --team payments")
    # THEN it says the org-wide experiment writes payments' narratives now (before: "written
    # by cause-first v1 again", while the org-wide experiment's arms wrote them)
    assert stopped.text.startswith(
        f"Narratives (team payments) are written by the org-wide prompt experiment {wide.id} ("
    ), stopped.text


def test_what_was_typed_is_refused_before_queueing_and_what_is_kept_after() -> None:
    it = _ready()
    # WHEN a start's floor or arms are wrong THEN it is a usage answer at once, nothing queued
    for options, said in {
        "--variants timeline --floor 31%": "between 1% and 30%",
        "--variants timeline --floor 2.5%": "--floor",
        "--variants aa,bb,cc": "at most 3 variants",
    }.items():
        reply = run(it.services, f"prompt experiment start {options}")
        assert reply.tone is Tone.USAGE, (options, reply)  # before: "Working on…", then usage
        assert said in _text(reply), (options, _text(reply))
    # AND a promotion the test does not back is a refusal (exit 1), not a usage error
    assert not run_deferred(it.services, "prompt experiment start --variants timeline").failed
    promoted = run(it.services, "prompt experiment promote timeline")
    assert promoted.title == "Conflict", promoted
    assert "is not promoted: the sequential test says" in promoted.text


def test_a_stopped_experiments_status_says_its_shares_held_until_it_stopped() -> None:
    it = _ready()
    assert not run_deferred(it.services, "prompt experiment start --variants timeline").failed
    assert not run(it.services, "prompt experiment stop").failed
    status = run(it.services, "prompt experiment status")
    # before: "share 50%" for each arm, though the control wrote every narrative since the stop
    assert all(" until it stopped · " in line for _, line in status.fields[:2]), status.fields
