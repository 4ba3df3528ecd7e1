"""OAuth mode on the AWS deployment (moto): a workspace that uninstalls the app (Slack's signed
`app_uninstalled` event, through bolt) has none of its alert policies evaluated by the next tick
(its provider never called) while another workspace's fire in that tick; its trail is kept; a new
install resumes its alerts."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from handlers import aws_runtime
from shared.audit.models import ORG_STREAM, StreamKey
from shared.identity.models import Actor, OrgId, Platform, UserId
from shared.invocation import Invocation, ReplyTarget
from tests.fakes.slack_api import SlackApi, slack_api
from tests.support.handlers import alerts_tick, slash
from tests.support.slack_oauth import event_callback, install_answer, installed, oauth_mode

INSTALLER = "U0INSTALLER"
_ASKED = itertools.count()


@pytest.fixture
def api(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackApi]:
    with slack_api() as fake:
        oauth_mode(monkeypatch, fake)
        yield fake


def _alerting(api: SlackApi, team: str) -> None:
    """Workspace `team`, installed by INSTALLER, with team payments on channel C<team>, the
    sample's checkout-api and the alert `errors` (over its threshold in the sample's incident)."""
    api.install(f"code-{team}", install_answer(team, f"xoxb-ws-{team}"))
    assert installed(f"code-{team}")["statusCode"] == 200
    where = {
        "team_id": team,
        "enterprise_id": "",
        "user_id": INSTALLER,
        "channel_id": f"C{team}",
        "response_url": f"{api.url}hooks/{team}",
    }
    for text in (
        "team create payments",
        f"team bind C{team} --team payments",
        f"team member add {INSTALLER} --role operator --team payments",
        "service register checkout-api --sample checkout --team payments",
        'alert create errors --service checkout-api --when "error_rate > 2%" --team payments',
    ):
        answer = slash(text, **where)
        assert "Not allowed" not in str(answer) and "not installed" not in str(answer), answer


def _provider_calls(team: str) -> str:
    """The provider calls team payments of workspace `team` used this hour (`sre quota show`
    by its org admin, straight on the bus: Slack no longer serves an uninstalled workspace)."""
    org = OrgId(f"slack:{team}")
    asked = Invocation(
        actor=Actor(platform=Platform.SLACK, org=org, user=UserId(INSTALLER)),
        channel=f"C{team}",
        text="sre quota show --team payments",
        correlation_id=f"quota-{next(_ASKED)}",
        delivery_id=None,
        received_at=datetime.now(UTC),
        reply_to=ReplyTarget(platform=Platform.SLACK, channel=f"C{team}", org=org),
    )
    reply = aws_runtime.services().bus.handle(asked)
    return dict(reply.fields)["provider-calls-per-hour"].split(" of ")[0]


def test_an_uninstalled_workspaces_alerts_stop_and_resume_with_a_new_install(
    api: SlackApi,
) -> None:
    # GIVEN workspaces TA and TB installed, each with an alert over its threshold
    _alerting(api, "TA")
    _alerting(api, "TB")
    # WHEN Slack tells, signed, that the app was uninstalled from TA, and the alerts tick runs
    gone = event_callback({"type": "app_uninstalled"}, team="TA", event_id="Ev-gone")
    assert gone["statusCode"] == 200, gone
    tick = alerts_tick("tick-1", 0)
    # THEN TB's alert fires in that tick, and nothing of TA is read from its provider
    assert tick["fields"]["Fired"] == "errors"
    assert (_provider_calls("TA"), _provider_calls("TB")) == ("0", "1")
    posts = [call.fields["channel"] for call in api.called("chat.postMessage")]
    assert "CTA" not in posts and "CTB" in posts
    # AND TA's trail is kept, the uninstall in it
    stream = StreamKey(org=OrgId("slack:TA"), team=ORG_STREAM)
    trail = [(r.command, r.outcome.value) for r in aws_runtime.services().audit.records(stream)]
    assert trail[-2:] == [("app uninstall", "requested"), ("app uninstall", "succeeded")]
    # WHEN TA installs the app again, and the alerts tick runs a minute later
    api.install("code-TA-again", install_answer("TA", "xoxb-ws-TA-2"))
    assert installed("code-TA-again")["statusCode"] == 200
    again = alerts_tick("tick-2", 1)
    # THEN TA's alert is evaluated again (its provider read) and fires, its records kept
    assert again["fields"]["Fired"] == "errors"
    assert _provider_calls("TA") == "1"
