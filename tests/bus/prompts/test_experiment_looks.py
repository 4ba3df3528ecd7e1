"""Looks at a running experiment's shares through the whole bus: every look that changes a share,
by however little, is posted to the team's channel and audited as the scheduler; between looks,
and at a look that changes nothing, the stored shares stay and nothing is posted."""

from __future__ import annotations

from datetime import timedelta

from shared.adapters.memory import InMemoryAuditLog
from shared.audit.models import AuditRecord, StreamKey
from shared.audit.trail import AuditTrail
from shared.investigations.models import Investigation
from shared.prompts.experiments import LOOK_EVERY, Experiment
from shared.prompts.models import Feedback, Verdict
from tests.support import (
    NOW,
    ORG,
    investigate,
    records,
    run,
    setup_teams,
    trail_for,
)
from tests.support.experiments import Lab, lab, placed

NARRATIONS = 70


def _started() -> tuple[Lab, Investigation]:
    """One report of team payments' service api, then the team's experiment of timeline against
    the control (5% floor), saved as `start` saves it (no gate priors, a fixed id: the same
    investigations go to the same arms in every run)."""
    it = lab()
    setup_teams(it.services)
    run(it.services, "prompt variant add timeline --template timeline-first")
    run(it.services, "service register api --sample checkout", user="oli", channel="C-pay")
    investigate(it.services, "investigate api")
    placed(it, "timeline", floor=0.05)
    (base,) = it.investigations.recent(ORG, "payments", newest=10)
    return it, base


def _experiment(it: Lab) -> Experiment:
    (found,) = it.prompts.experiments.list_for(ORG)
    return found


class _DownLog(InMemoryAuditLog):
    """An audit log that takes no entry (the bucket is unreachable)."""

    def put(self, record: AuditRecord) -> None:
        raise OSError(f"the audit bucket is unreachable ({record.command})")


def _judged(it: Lab, base: Investigation, number: int, *, trail: AuditTrail | None = None) -> None:
    """Narrate one more investigation like `base`, then a responder's verdict on it: Helpful for
    two in three of timeline's narratives, one in two of the control's (the shares drift)."""
    fresh = base.model_copy(
        update={
            "id": f"inv-{number:08x}",
            "opened_at": base.opened_at + timedelta(seconds=number),
            "narrative": "",
            "narrated_by": "",
            "version": 0,
        }
    )
    told = it.summariser(trail=trail).summarise(fresh)
    it.investigations.save(
        fresh.model_copy(update={"narrative": told.text, "narrated_by": told.by})
    )
    helpful = number % 3 != 0 if told.by.startswith("timeline") else number % 2 == 1
    verdict = Verdict.HELPFUL if helpful else Verdict.WRONG
    it.prompts.feedback.add(
        Feedback(
            org=ORG,
            team="payments",
            investigation_id=fresh.id,
            by="rey",
            verdict=verdict,
            narrated_by=told.by,
            at=NOW,
        )
    )


def _share_posts(it: Lab, experiment: Experiment) -> list[str]:
    return [
        r.text
        for t, r in it.notifier.posted
        if t.channel == "C-pay"
        and r.title.startswith(f"Prompt experiment {experiment.id}")
        and r.title.endswith(": shares")
    ]


def test_every_share_change_is_posted_and_audited_however_small_and_only_at_looks() -> None:
    # GIVEN a running experiment of timeline against the control (5% floor)
    it, base = _started()
    weights, looks = [_experiment(it).weights()], [0]
    # WHEN investigations are narrated and judged one after another
    for number in range(1, NARRATIONS + 1):
        _judged(it, base, number)
        weights.append(_experiment(it).weights())
        looks.append(_experiment(it).looked_at)
    experiment = _experiment(it)
    changes = [s for s in experiment.history if s.what == "shares"]
    looked = [n for n in range(1, len(looks)) if looks[n] != looks[n - 1]]
    # THEN the shares changed only at looks: the narration after every LOOK_EVERY judged ones
    moved_at = [n for n in range(1, len(weights)) if weights[n] != weights[n - 1]]
    assert moved_at
    assert looked == list(range(LOOK_EVERY + 1, NARRATIONS + 1, LOOK_EVERY))
    assert set(moved_at) <= set(looked)
    assert len(moved_at) == len(changes)
    # ... some looks changed no share (the burn-in's): those posted nothing
    # ... some change moved every share by less than 5 points, and was still told
    small = [
        n
        for n in moved_at
        if all(abs(weights[n][a] - weights[n - 1][a]) < 0.05 for a in weights[n])
    ]
    assert small, moved_at
    assert len(looked) > len(changes)
    # ... each change posted once to the team's channel, in one line with the shares
    posts = _share_posts(it, experiment)
    assert posts == [s.text for s in changes]
    assert all(
        t.startswith("shares now cause-first ") and "judged investigations; floor 5%)" in t
        for t in posts
    )
    # ... and audited as the scheduler, once each
    entries = records(it.services.audit_log, StreamKey(org=ORG, team="payments"))
    audited = [e for e in entries if e.command == f"prompt experiment shares {experiment.id}"]
    assert [e.details["decision"] for e in audited] == [s.text for s in changes]
    assert {e.actor.user for e in audited} == {"scheduler"}


def test_a_narration_that_is_no_look_posts_nothing_and_keeps_the_shares() -> None:
    # GIVEN a running experiment past its burn-in, just after a look
    it, base = _started()
    number = 1
    while _experiment(it).looked_at < 30:
        _judged(it, base, number)
        number += 1
    before, posted = _experiment(it), len(it.notifier.posted)
    # WHEN fewer than LOOK_EVERY more investigations are judged
    for extra in range(LOOK_EVERY - 1):
        _judged(it, base, number + extra)
    # THEN nothing is posted or noted, and the stored shares still route the investigations
    after = _experiment(it)
    assert len(it.notifier.posted) == posted
    assert after.history == before.history
    assert after.weights() == before.weights()


def test_a_look_that_cannot_be_audited_changes_no_share_and_is_made_once_the_trail_is_back() -> (
    None
):
    # GIVEN a running experiment, and an audit trail that is down
    it, base = _started()
    first, down = _experiment(it), trail_for(_DownLog())
    # WHEN 30 investigations are narrated and judged, past the burn-in
    for number in range(1, 31):
        _judged(it, base, number, trail=down)
    # THEN no look past the burn-in was made (the one at 10, in it, changed nothing and needed no
    # entry): the shares are as at the start and none was posted
    stuck = _experiment(it)
    assert (stuck.weights(), stuck.looked_at) == (first.weights(), LOOK_EVERY)
    assert not _share_posts(it, stuck)
    # ... while each investigation kept its arm all the same
    assert {f"inv-{n:08x}" for n in range(1, 31)} <= set(stuck.assignments)
    # AND the next narration with the trail back makes the look, over all 30 results
    _judged(it, base, 31)
    assert _experiment(it).looked_at == 30
