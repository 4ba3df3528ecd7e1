"""Which arm writes each narrative of a running experiment: sticky per investigation whatever
the shares become; the evidence (Helpful / Wrong) moves the shares and promotes a variant once
the sequential test says it is better; a model arm's ungrounded narrative is never posted and
demotes the arm at once (posted, audited); a model that fails leaves the control's narrative."""

from __future__ import annotations

import functools
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.adapters.memory import InMemoryAuditLog
from shared.audit.models import AuditRecord, Outcome, StreamKey
from shared.investigations.models import Investigation
from shared.prompts.experiments import Experiment
from shared.prompts.language import ModelError
from shared.prompts.models import Feedback, Verdict
from shared.prompts.selection import pick
from shared.replies import Tone
from tests.support import NOW, ORG, investigate, records, run, run_deferred, setup_teams, trail_for
from tests.support.experiments import Lab, lab, placed
from tests.support.models import ScriptedModel

UNGROUNDED = "P99 latency rose 40x at 03:12, 2 min after deploy v999."


def _ready(variants: str, model: ScriptedModel | None = None, floor: str = "30%") -> Lab:
    """Team payments' experiment of `variants`, and one real report of service api in it."""
    it = lab(model)
    setup_teams(it.services)
    run(it.services, "prompt variant add timeline --template timeline-first")
    if model is not None:
        run(it.services, "org model on")
        run(it.services, 'prompt variant add brief --model --instructions "Cause first."')
    run(it.services, "service register api --sample checkout", user="oli", channel="C-pay")
    if model is None:
        started = run_deferred(
            it.services,
            f"prompt experiment start --variants {variants} --team payments --floor {floor}",
        )
        assert started.tone is Tone.OK, started
        investigate(it.services, "investigate api")
    else:  # a scripted model's answers would not pass the offline gate: placed as if they had,
        # after the report the tests copy (whose arm would otherwise be drawn by its random id)
        investigate(it.services, "investigate api")
        placed(it, variants, floor=float(floor.rstrip("%")) / 100)
    return it


def _experiment(it: Lab) -> Experiment:
    (found,) = it.prompts.experiments.list_for(ORG)
    return found


def _fresh(base: Investigation, number: int) -> Investigation:
    """Another investigation of the team like `base` (same findings), not yet narrated."""
    return base.model_copy(
        update={
            "id": f"inv-{number:08x}",
            "opened_at": base.opened_at + timedelta(seconds=number),
            "narrative": "",
            "narrated_by": "",
            "version": 0,
        }
    )


def _id_for(experiment: Experiment, arm: str) -> str:
    """An investigation id whose key picks `arm` at the experiment's shares."""
    for number in range(1, 1_000):
        key = f"{ORG}:payments:inv-{number:08x}:{experiment.id}"
        if pick(experiment.weights(), key) == arm:
            return f"inv-{number:08x}"
    raise AssertionError(arm)


@functools.cache
def _sticky_lab() -> tuple[Lab, Investigation]:
    it = _ready("timeline")
    (base,) = it.investigations.recent(ORG, "payments", newest=10)
    return it, base


@settings(max_examples=25, deadline=None)
@given(number=st.integers(min_value=1, max_value=2**31), share=st.floats(0.05, 0.95))
def test_an_investigation_keeps_its_arm_across_narrations_and_changes_of_the_shares(
    number: int, share: float
) -> None:
    # GIVEN an investigation narrated once in a running experiment
    it, base = _sticky_lab()
    summariser = it.summariser()
    investigation = _fresh(base, number)
    first = summariser.summarise(investigation)
    # WHEN the shares move and it is narrated again (a re-investigation, an update)
    read = _experiment(it)
    moved = [
        a.model_copy(update={"weight": share if a.name == "timeline" else 1 - share})
        for a in read.arms
    ]
    it.prompts.experiments.save(read.model_copy(update={"arms": moved}))
    again = summariser.summarise(investigation.model_copy(update={"narrated_by": first.by}))
    # THEN the same variant writes it
    assert again.by == first.by


def test_helpful_evidence_moves_the_shares_and_promotes_the_better_variant() -> None:
    # GIVEN an experiment of timeline against the control (floor 30%), and responders who find
    # every timeline narrative helpful and every control narrative wrong
    it = _ready("timeline")
    (base,) = it.investigations.recent(ORG, "payments", newest=10)
    summariser = it.summariser()
    promoted_at = None
    # WHEN investigations come one after another, each judged before the next
    for number in range(1, 200):
        told = summariser.summarise(_fresh(base, number))
        judged = _fresh(base, number).model_copy(
            update={"narrative": told.text, "narrated_by": told.by}
        )
        it.investigations.save(judged)
        helpful = told.by.startswith("timeline v1")
        it.prompts.feedback.add(
            Feedback(
                org=ORG,
                team="payments",
                investigation_id=judged.id,
                by="rey",
                verdict=Verdict.HELPFUL if helpful else Verdict.WRONG,
                narrated_by=told.by,
                at=NOW,
            )
        )
        if not _experiment(it).running:
            promoted_at = number
            break
    # THEN the shares moved to timeline after the burn-in, and the test promoted it
    experiment = _experiment(it)
    assert promoted_at is not None, experiment.weights()
    assert experiment.winner == "timeline"
    steps = [s.what for s in experiment.history]
    assert "shares" in steps
    assert steps[-1] == "promoted"
    assert "the sequential test says it is better" in experiment.history[-1].text
    # ... posted to the team's channel and audited as the scheduler
    assert any(
        r.title.endswith(": promoted") and t.channel == "C-pay" for t, r in it.notifier.posted
    )
    entries = records(it.services.audit_log, StreamKey(org=ORG, team="payments"))
    assert f"prompt experiment promoted {experiment.id}" in [e.command for e in entries]
    # AND the next report of the team is written by timeline, no longer in an experiment
    after = summariser.summarise(_fresh(base, 5_000))
    assert after.by.startswith("timeline v1 · ")
    assert "experiment" not in after.by


def test_an_ungrounded_model_narrative_is_never_posted_and_demotes_its_arm_at_once() -> None:
    # GIVEN a model arm whose model invents a deploy and a time
    model = ScriptedModel(text=UNGROUNDED)
    it = _ready("brief,timeline", model)
    (base,) = it.investigations.recent(ORG, "payments", newest=10)
    experiment = _experiment(it)
    chosen = _id_for(experiment, "brief")
    # WHEN an investigation lands on it
    told = it.summariser(model).summarise(base.model_copy(update={"id": chosen}))
    # THEN the control's narrative is posted, signed by the control
    assert told.by.startswith("cause-first v1 · ")
    assert "v999" not in told.text
    # ... the arm is demoted at once (no share), counted, posted and audited
    after = _experiment(it)
    brief = after.arm("brief")
    assert brief is not None
    assert brief.weight == 0
    assert brief.ungrounded == 1
    assert brief.halted.startswith(f"demoted: its narrative of {chosen} was not grounded")
    assert any(
        r.title.endswith(": demoted") and "not grounded" in r.text for _, r in it.notifier.posted
    )
    entries = records(it.services.audit_log, StreamKey(org=ORG, team="payments"))
    demoted = [e for e in entries if e.command == f"prompt experiment demoted {after.id}"]
    assert [e.outcome for e in demoted] == [Outcome.SUCCEEDED]
    # ... and the model was asked with the experiment and variant in its metadata
    assert model.asked[-1].metadata == {
        "experiment": after.id,
        "variant": f"brief v1 {brief.variant.content_hash[:12]}",
        "org": str(ORG),
    }
    # AND a later investigation never goes to the demoted arm
    other = it.summariser(model).summarise(base.model_copy(update={"id": "inv-77777777"}))
    assert not other.by.startswith("brief")


def test_a_model_error_leaves_the_controls_narrative_and_counts_an_error_not_a_failure() -> None:
    model = ScriptedModel(error=ModelError("throttled"))
    it = _ready("brief", model)
    (base,) = it.investigations.recent(ORG, "payments", newest=10)
    chosen = _id_for(_experiment(it), "brief")
    before = _experiment(it).arm("brief")
    assert before is not None
    told = it.summariser(model).summarise(base.model_copy(update={"id": chosen}))
    assert told.by.startswith("cause-first v1 · ")
    brief = _experiment(it).arm("brief")
    assert brief is not None
    assert (brief.errors, brief.ungrounded, brief.halted) == (before.errors + 1, 0, "")
    assert brief.weight > 0


def test_a_team_out_of_model_tokens_gets_the_controls_narrative_and_the_model_is_not_asked() -> (
    None
):
    model = ScriptedModel(text="The facts do not show a single cause yet.")
    it = _ready("brief", model)
    quota = run(it.services, "quota set model-tokens-per-day 100 --team payments")
    assert quota.tone is Tone.OK, quota
    (base,) = it.investigations.recent(ORG, "payments", newest=10)
    chosen = _id_for(_experiment(it), "brief")
    asked, before = len(model.asked), _experiment(it).arm("brief")
    assert before is not None
    told = it.summariser(model).summarise(base.model_copy(update={"id": chosen}))
    assert told.by.startswith("cause-first v1 · ")
    assert len(model.asked) == asked
    brief = _experiment(it).arm("brief")
    assert brief is not None
    assert (brief.errors, brief.halted) == (before.errors + 1, "")


class _DownLog(InMemoryAuditLog):
    """An audit log that takes no entry (the bucket is unreachable)."""

    def put(self, record: AuditRecord) -> None:
        raise OSError(f"the audit bucket is unreachable ({record.command})")


def test_a_demotion_that_cannot_be_audited_is_not_made_and_the_text_is_still_not_posted() -> None:
    model = ScriptedModel(text=UNGROUNDED)
    it = _ready("brief", model)
    (base,) = it.investigations.recent(ORG, "payments", newest=10)
    chosen = _id_for(_experiment(it), "brief")
    posted = len(it.notifier.posted)
    summariser = it.summariser(model, trail=trail_for(_DownLog()))
    told = summariser.summarise(base.model_copy(update={"id": chosen}))
    assert told.by.startswith("cause-first v1 · ")
    after = _experiment(it)
    brief = after.arm("brief")
    assert brief is not None
    assert (brief.halted, brief.weight > 0) == ("", True)
    assert after.assignments[chosen] == "brief"
    assert len(it.notifier.posted) == posted
