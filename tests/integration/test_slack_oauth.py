"""OAuth mode end to end on the Slack function (moto): the install page, bolt's redirect with
its state checked, the installation kept in DynamoDB, and each workspace answered, posted to and
uninstalled with its own token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bots.delivery import SurfaceNotifier
from handlers import aws_runtime, aws_slack
from shared.audit.models import ORG_STREAM, StreamKey
from shared.identity.models import OrgId, Platform
from shared.invocation import ReplyTarget
from shared.replies import Reply, Tone
from tests.fakes.slack_api import SlackApi, slack_api
from tests.support.handlers import post_slack
from tests.support.payloads import app_mention_body, signed_headers, slash_command_body
from tests.support.slack_oauth import event_callback, get, install_answer, installed, oauth_mode

NOTICE = Reply(tone=Tone.OK, title="p99 latency of checkout-api is over 800ms")


@pytest.fixture
def api(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackApi]:
    with slack_api() as fake:
        oauth_mode(monkeypatch, fake)
        yield fake


def _slash(text: str, **fields: str) -> dict[str, object]:
    body = slash_command_body(text, **fields)
    return post_slack(body, signed_headers(body))


def _told_not_installed(api: SlackApi, team: str) -> bool:
    """A command from `team` is answered, at its response URL, that the app is not installed."""
    hook = f"{api.url}hooks/{team}"
    answer = _slash("help", team_id=team, enterprise_id="", response_url=hook)
    told = [call.fields.get("text", "") for call in api.called(team)]
    return "investigate" not in str(answer) and any("not installed" in t for t in told)


def test_a_workspace_installed_by_oauth_is_answered_with_its_own_token(api: SlackApi) -> None:
    # GIVEN the app installed into workspace T111 through the install page and bolt's redirect
    api.install("code-111", install_answer("T111", "xoxb-ws-111", enterprise="E111"))
    done = installed("code-111")
    assert done["statusCode"] == 200, done
    assert [call.fields["code"] for call in api.called("oauth.v2.access")] == ["code-111"]
    # WHEN someone there types a signed `/sre help`
    answer = _slash("help")
    # THEN it is answered, the workspace's own token checked with Slack
    assert answer["statusCode"] == 200, answer
    assert "investigate" in str(answer["body"])
    assert "xoxb-ws-111" in [call.token for call in api.called("auth.test")]
    # AND a workspace never installed is told so, not answered
    assert _told_not_installed(api, "T999")


def test_a_redirect_whose_state_was_never_issued_installs_nothing(api: SlackApi) -> None:
    api.install("code-111", install_answer("T111", "xoxb-ws-111", enterprise="E111"))
    forged = "slack-app-oauth-state=forged-state"
    refused = get("/slack/oauth_redirect", {"code": "code-111", "state": "forged-state"}, forged)
    assert refused["statusCode"] in (400, 401), refused
    assert api.called("oauth.v2.access") == []
    assert _told_not_installed(api, "T111")


def test_an_org_wide_grid_install_serves_its_workspaces_and_offers_to_add_them(
    api: SlackApi,
) -> None:
    # GIVEN an org-wide install into Enterprise Grid org E222 (oauth.v2.access says team: null)
    api.install("code-grid", install_answer(None, "xoxb-grid-222", enterprise="E222"))
    done = installed("code-grid")
    # THEN the page sends the admin on to pick the org's workspaces, as Slack's docs say
    assert "manage/organization/apps/profile/A0APP/workspaces/add" in str(done["body"])
    # AND a command from any workspace of the org is answered with the org's token
    answer = _slash("help", team_id="T5", enterprise_id="E222", is_enterprise_install="true")
    assert "investigate" in str(answer["body"])
    assert "xoxb-grid-222" in [call.token for call in api.called("auth.test")]


def test_under_an_org_wide_install_a_mention_is_answered_for_the_org_with_its_token(
    api: SlackApi,
) -> None:
    # GIVEN an org-wide install into Grid org E222
    api.install("code-grid", install_answer(None, "xoxb-grid-222", enterprise="E222"))
    installed("code-grid")
    # WHEN someone in its workspace T5 mentions the app (org-wide only in `authorizations[0]`)
    body = app_mention_body("whoami", "Ev-grid-oauth", team="T5", grid="E222", org_wide=True)
    response = post_slack(body, signed_headers(body, content_type="application/json"))
    # THEN bolt found the org's installation, and the answer is for the org, as `/sre` would be
    assert response["statusCode"] == 200, response
    (posted,) = api.called("chat.postMessage")
    assert posted.token == "xoxb-grid-222"
    assert "org slack:E222" in str(posted.fields["blocks"])


def test_each_workspace_gets_its_scheduled_messages_with_its_own_token(api: SlackApi) -> None:
    # GIVEN two workspaces installed
    api.install("code-a", install_answer("TA", "xoxb-ws-a"))
    api.install("code-b", install_answer("TB", "xoxb-ws-b"))
    installed("code-a")
    installed("code-b")
    # WHEN the scheduler posts an alert notice into a channel of each
    notifier = SurfaceNotifier(aws_runtime.settings())
    for org, channel in (("slack:TA", "CA"), ("slack:TB", "CB")):
        target = ReplyTarget(platform=Platform.SLACK, channel=channel, org=OrgId(org))
        notifier.post(target, NOTICE)
    # THEN each went out with its own workspace's token, never the other's
    posts = {call.fields["channel"]: call.token for call in api.called("chat.postMessage")}
    assert posts == {"CA": "xoxb-ws-a", "CB": "xoxb-ws-b"}


def test_after_an_uninstall_nothing_is_posted_there_and_others_go_on(api: SlackApi) -> None:
    api.install("code-a", install_answer("TA", "xoxb-ws-a"))
    api.install("code-b", install_answer("TB", "xoxb-ws-b"))
    installed("code-a")
    installed("code-b")
    # WHEN workspace TA uninstalls the app
    gone = event_callback({"type": "app_uninstalled"}, team="TA", event_id="Ev-uninstall")
    assert gone["statusCode"] == 200, gone
    # THEN a scheduled post for TA is skipped without an error, TB's still goes out
    notifier = SurfaceNotifier(aws_runtime.settings())
    to_a = ReplyTarget(platform=Platform.SLACK, channel="CA", org=OrgId("slack:TA"))
    to_b = ReplyTarget(platform=Platform.SLACK, channel="CB", org=OrgId("slack:TB"))
    assert notifier.post(to_a, NOTICE) is None
    notifier.post(to_b, NOTICE)
    assert [call.token for call in api.called("chat.postMessage")] == ["xoxb-ws-b"]
    # AND a command from TA is told the app is not installed there any more
    assert _told_not_installed(api, "TA")


def _trail(org: str) -> list[tuple[str, str]]:
    stream = StreamKey(org=OrgId(org), team=ORG_STREAM)
    return [(r.command, r.outcome.value) for r in aws_runtime.services().audit.records(stream)]


def test_the_installer_of_a_new_org_becomes_its_org_admin_and_the_install_is_audited(
    api: SlackApi,
) -> None:
    # GIVEN the app installed into a workspace nobody administers yet, by U0INSTALLER
    api.install("code-n", install_answer("TNEW", "xoxb-ws-new"))
    installed("code-n")
    where = {"team_id": "TNEW", "enterprise_id": "", "response_url": f"{api.url}hooks/TNEW"}
    # WHEN the installer and someone else each create a team
    by_installer = _slash("team create payments", user_id="U0INSTALLER", trigger_id="1.1", **where)
    by_other = _slash("team create search", user_id="U0OTHER", trigger_id="2.2", **where)
    # THEN the installer may (org admin), the other may not
    assert "Team payments created" in str(by_installer["body"])
    assert "needs the org-admin role" in str(by_other["body"]), by_other
    # AND the org's trail shows the install
    assert ("app install", "succeeded") in _trail("slack:TNEW")


def test_the_installer_does_not_become_org_admin_where_an_org_admin_is_configured(
    api: SlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN U0BOSS configured as org admin of workspace TCFG (AUTOSRE_ORG_ADMINS)
    monkeypatch.setenv("AUTOSRE_ORG_ADMINS", "slack:TCFG:U0BOSS")
    oauth_mode(monkeypatch, api)
    # WHEN U0INSTALLER installs the app there
    api.install("code-c", install_answer("TCFG", "xoxb-ws-cfg"))
    installed("code-c")
    where = {"team_id": "TCFG", "enterprise_id": "", "response_url": f"{api.url}hooks/TCFG"}
    by_installer = _slash("team create payments", user_id="U0INSTALLER", trigger_id="1.1", **where)
    by_admin = _slash("team create search", user_id="U0BOSS", trigger_id="2.2", **where)
    # THEN the installer is not made org admin; the configured admin still is
    assert "needs the org-admin role" in str(by_installer["body"]), by_installer
    assert "Team search created" in str(by_admin["body"]), by_admin
    assert ("app install", "succeeded") in _trail("slack:TCFG")


def test_an_uninstall_is_audited_and_the_trail_kept(api: SlackApi) -> None:
    api.install("code-a", install_answer("TA", "xoxb-ws-a"))
    installed("code-a")
    event_callback({"type": "app_uninstalled"}, team="TA", event_id="Ev-uninstall-2")
    assert _trail("slack:TA") == [
        ("app install", "requested"),
        ("app install", "succeeded"),
        ("app uninstall", "requested"),
        ("app uninstall", "succeeded"),
    ]


def test_revoked_bot_tokens_stop_the_posts_of_that_workspace(api: SlackApi) -> None:
    api.install("code-a", install_answer("TA", "xoxb-ws-a"))
    installed("code-a")
    revoked: dict[str, object] = {"type": "tokens_revoked", "tokens": {"bot": ["U0BOTTA"]}}
    assert event_callback(revoked, team="TA", event_id="Ev-revoked")["statusCode"] == 200
    to_a = ReplyTarget(platform=Platform.SLACK, channel="CA", org=OrgId("slack:TA"))
    assert SurfaceNotifier(aws_runtime.settings()).post(to_a, NOTICE) is None
    assert api.called("chat.postMessage") == []


def test_a_revoked_bot_token_deletes_the_installation_only_once_audited(api: SlackApi) -> None:
    api.install("code-a", install_answer("TA", "xoxb-ws-a"))
    installed("code-a")
    # WHEN Slack says workspace TA's bot token was revoked
    revoked: dict[str, object] = {"type": "tokens_revoked", "tokens": {"bot": ["U0BOTTA"]}}
    assert event_callback(revoked, team="TA", event_id="Ev-revoked-2")["statusCode"] == 200
    # THEN the org's trail shows it, as Slack's doing, like an uninstall
    assert _trail("slack:TA")[2:] == [
        ("app bot token revoke", "requested"),
        ("app bot token revoke", "succeeded"),
    ]
    stream = StreamKey(org=OrgId("slack:TA"), team=ORG_STREAM)
    *_, last = aws_runtime.services().audit.records(stream)
    assert (last.actor.user, last.target) == ("slack", "slack:TA")
    # AND a command from TA is told the app is not installed there any more
    assert _told_not_installed(api, "TA")


def test_a_single_workspace_deployment_serves_no_install_page(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    # GIVEN the Slack function as serverless.yml configures it without slackClientId: an empty
    # client id and the client secret's reference (bolt builds a file-backed install flow of its
    # own from any two such variables)
    monkeypatch.setenv("SLACK_CLIENT_ID", "")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "ssm:/autosre/slack/client-secret")
    monkeypatch.setenv("HOME", str(tmp_path))
    for cached in (aws_runtime.settings, aws_runtime.services, aws_slack.slack):
        cached.cache_clear()
    # WHEN a browser opens the install page or the redirect
    pages = [get("/slack/install"), get("/slack/oauth_redirect", {"code": "c", "state": "s"})]
    # THEN both are 404, and nothing is written (bolt's page would have stored a state file)
    assert [page["statusCode"] for page in pages] == [404, 404]
    assert list(Path(str(tmp_path)).rglob("*")) == []


def test_in_oauth_mode_a_get_with_a_body_is_400_unread_by_bolt(api: SlackApi) -> None:
    from tests.support.payloads import LambdaContext, http_api_event

    event = http_api_event("", {}, "/slack/install")
    event["requestContext"]["http"]["method"] = "GET"
    event["body"] = "payload=" + "%5B" * 100_000  # bolt would parse it
    assert aws_slack.handler(event, LambdaContext())["statusCode"] == 400
