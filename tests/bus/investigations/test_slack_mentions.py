"""An escalation and an investigation, as Slack shows them: the people, the channels asked and
the group as mentions; a comment's text as typed, pinging nobody."""

from __future__ import annotations

from bots.slack.render import blocks
from shared.adapters.memory import FixedClock
from shared.replies import Tone
from tests.support import resume_deferred, run
from tests.support.deployments import SLACK_ALICE, SLACK_ROOT, slack_id_services


def test_an_escalation_mentions_the_channels_asked_and_the_group(clock: FixedClock) -> None:
    # GIVEN an investigation of team demo, and team ops with its channel C0OPS
    services = slack_id_services(clock)
    for text, user in (
        ("service register web --sample checkout --team demo", SLACK_ALICE),
        ("team create ops", SLACK_ROOT),
        ("team bind C0OPS --team ops", SLACK_ROOT),
    ):
        assert not run(services, text, user=user).failed, text
    assert run(services, "investigate web --team demo", user=SLACK_ALICE).tone is Tone.ACCEPTED
    report = resume_deferred(services)
    inv = dict(report.fields)["Investigation"].split()[0]
    # (the report's events name who changed the service as a mention)
    assert f"`sre service register web --sample=checkout --team=demo` by <@{SLACK_ALICE}>" in str(
        blocks(report)
    )
    # WHEN it is escalated to ops and to a user group, with a note asking for everyone
    text = f'investigation escalate {inv} --to ops --group @S0DBONCALL --note "<!channel> help"'
    assert run(services, f"{text} --team demo", user=SLACK_ALICE).tone is Tone.ACCEPTED
    escalated = str(blocks(resume_deferred(services)))
    shown = str(blocks(run(services, f"investigation show {inv} --team demo", user=SLACK_ALICE)))
    # THEN Slack mentions the channel asked and the group; the note's <!channel> stays text
    assert "Asked team ops in <#C0OPS>" in escalated
    assert "<!subteam^S0DBONCALL> please have a look" in escalated
    assert "&lt;!channel&gt; help" in escalated and "<!channel>" not in escalated
    # AND the investigation shows who opened and escalated it as mentions
    assert f"<@{SLACK_ALICE}> escalated: to team ops and <!subteam^S0DBONCALL>" not in shown
    assert f"<@{SLACK_ALICE}> escalated: to team ops and @S0DBONCALL" in shown
