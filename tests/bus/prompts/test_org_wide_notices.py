"""An org-wide experiment's notices: every team's channels hear that a variant was demoted, only
the team whose investigation it was (and the audit trail) hear which one and what was claimed."""

from __future__ import annotations

from shared.audit.models import ORG_STREAM, StreamKey
from shared.invocation import ReplyTarget
from shared.prompts.selection import pick
from shared.replies import Reply
from tests.support import ORG, investigate, records, run, setup_teams
from tests.support.experiments import lab, placed
from tests.support.models import ScriptedModel

UNGROUNDED = "P99 latency rose 40x at 03:12, 2 min after deploy v999."


def _said_in(posted: list[tuple[ReplyTarget, Reply]], channel: str) -> str:
    return "\n".join(f"{r.title} {r.text}" for t, r in posted if t.channel == channel)


def test_a_demotion_in_an_org_wide_experiment_tells_other_teams_no_investigation_or_claims() -> (
    None
):
    # GIVEN teams payments (C-pay) and search (C-search) in an org-wide experiment of a model arm
    # whose model invents a deploy and a time
    model = ScriptedModel(text=UNGROUNDED)
    it = lab(model)
    setup_teams(it.services)
    run(it.services, "team bind C-search --team search", user="sam")
    run(it.services, "org model on")
    run(it.services, 'prompt variant add brief --model --instructions "Cause first."')
    run(it.services, "service register api --sample checkout", user="oli", channel="C-pay")
    investigate(it.services, "investigate api")
    experiment = placed(it, "brief", team=None)
    (base,) = it.investigations.recent(ORG, "payments", newest=10)
    chosen = next(
        f"inv-{n:08x}"
        for n in range(1, 1000)
        if pick(experiment.weights(), f"{ORG}:payments:inv-{n:08x}:{experiment.id}") == "brief"
    )
    # WHEN a payments investigation lands on the model arm and its narrative is not grounded
    it.summariser(model).summarise(base.model_copy(update={"id": chosen}))
    # THEN search's channel is told the variant was demoted, without the investigation or claims
    search = _said_in(it.notifier.posted, "C-search")
    assert "demoted: a narrative was not grounded" in search
    assert chosen not in search and "v999" not in search and "03:12" not in search
    # ... payments' channel is told which investigation and what was claimed
    payments = _said_in(it.notifier.posted, "C-pay")
    assert f"demoted: its narrative of {chosen} was not grounded" in payments
    assert "v999" in payments
    # ... each post names its org, which an OAuth deployment needs to find the workspace's token
    assert {target.org for target, _ in it.notifier.posted} == {ORG}
    # ... and the org's audit entry keeps the details
    entries = records(it.services.audit_log, StreamKey(org=ORG, team=ORG_STREAM))
    (demoted,) = [e for e in entries if e.command == f"prompt experiment demoted {experiment.id}"]
    assert chosen in demoted.details["decision"]
