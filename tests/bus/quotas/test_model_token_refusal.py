"""A model-token quota refusal said in the report, through the bus: where the AI narrative would
be, one line in the standard refusal wording (what was used, the limit, when it resets, who can
raise it), the rule-based account posted under it; an alert's investigations say it once per
quota window."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.adapters.memory import FixedClock
from shared.identity.models import OrgId
from shared.prompts.experiments import ExperimentState
from shared.quotas.models import Limit, Refused, Window
from shared.quotas.refusal import refusal
from shared.replies import Reply, Tone
from shared.scheduling.triggers import scheduled
from tests.support import NOW, ORG, investigate, resume_deferred, run, setup_teams
from tests.support.experiments import Lab, all_to_model, lab, placed
from tests.support.models import ScriptedModel

REFUSED = "AI narrative not written: Team payments has used 0 of its 10 model tokens"
RAISE = "An org admin can raise it: `sre quota set model-tokens-per-day 20 --team payments`."


def _said(line: str, *, at: datetime) -> None:
    """`line` is the standard refusal of the day's model tokens: used, limit, reset, who raises."""
    day = Refused(limit=Limit.MODEL_TOKENS_PER_DAY, used=0, cap=10, resets=Window.DAY.resets(at))
    assert line == f"AI narrative not written: {refusal(day, 'payments', now=at)}"
    assert line.startswith(REFUSED), line
    assert "`model-tokens-per-day`" in line, line
    assert "it resets at " in line, line
    assert line.endswith(RAISE), line


def _promoted_model(model: ScriptedModel, clock: FixedClock) -> Lab:
    """Team payments, whose promoted variant is the model variant `brief`, with 10 model tokens
    a day, and its services `api`, `web` and `db`."""
    it = lab(model, clock=clock)
    setup_teams(it.services)
    for text in (
        "org model on",
        'prompt variant add brief --model --instructions "Cause first."',
        "quota set model-tokens-per-day 10 --team payments",
    ):
        assert not run(it.services, text).failed, text
    for name in ("api", "web", "db"):
        register = f"service register {name} --sample checkout"
        assert not run(it.services, register, user="oli", channel="C-pay").failed
    ended = placed(it, "brief").model_copy(
        update={"state": ExperimentState.PROMOTED, "winner": "brief", "ended_at": NOW}
    )
    it.prompts.experiments.save(ended)
    return it


def _by_alert(it: Lab, service: str, alert: str) -> Reply:
    """The report of the investigation the alert `alert` asked for, as the worker runs it."""
    text = f"sre investigate {service} --team payments --alert {alert}"
    asked = scheduled(OrgId(ORG), text, trigger=f"ev-{alert}", now=it.clock.now())
    accepted = it.services.bus.handle(asked)
    assert accepted.tone is Tone.ACCEPTED, accepted
    return resume_deferred(it.services)


def test_a_report_says_the_model_token_quota_kept_the_ai_narrative_from_being_written() -> None:
    # GIVEN team payments, whose promoted variant is a model one, with 10 model tokens a day
    model = ScriptedModel(text="The facts do not show a single cause yet.")
    it = _promoted_model(model, FixedClock(NOW))
    # WHEN a responder investigates
    report = investigate(it.services, "investigate api")
    # THEN the model is not asked, and the report says why where the narrative would be, in
    # the refusal's words, with the rule-based account under it
    assert model.asked == []
    assert report.tone is not Tone.ERROR
    said, account = report.text.split("\n")[:2]
    _said(said, at=NOW)
    assert account.startswith("Saturation moved first"), account
    assert dict(report.fields)["Narrative"].startswith("cause-first v1 · ")


def test_an_alerts_investigations_say_the_model_token_refusal_once_a_day() -> None:
    # GIVEN team payments, whose promoted variant is a model one, with 10 model tokens a day
    clock = FixedClock(NOW)
    it = _promoted_model(ScriptedModel(), clock)
    # WHEN two alerts ask for investigations the same day
    first = _by_alert(it, "api", "slow-api")
    second = _by_alert(it, "web", "slow-web")
    # THEN the first report says the quota kept the AI narrative from being written; the
    # second does not repeat it, and both carry the rule-based account
    _said(first.text.split("\n")[0], at=NOW)
    assert "AI narrative not written" not in second.text, second.text
    assert second.text.startswith("Saturation moved first"), second.text
    # WHEN another alert asks the next day (a new window) THEN it is said again
    clock.current += timedelta(days=1)
    _said(_by_alert(it, "db", "slow-db").text.split("\n")[0], at=clock.now())


def test_an_experiments_model_arm_refused_by_the_quota_says_so_in_the_report() -> None:
    # GIVEN team payments' experiment whose shares all go to a model arm, with 10 model tokens
    model = ScriptedModel(text="The facts do not show a single cause yet.")
    it = all_to_model(model)
    assert not run(it.services, "quota set model-tokens-per-day 10 --team payments").failed
    # WHEN a responder investigates
    report = investigate(it.services, "investigate api")
    # THEN the model is not asked; the report says why, over the control's rule-based account
    assert model.asked == []
    said, account = report.text.split("\n")[:2]
    _said(said, at=NOW)
    assert account.startswith("Saturation moved first"), account
