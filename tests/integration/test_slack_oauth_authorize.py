"""OAuth mode's authorize step through bolt (the Slack function on moto, a loopback Slack Web API):
a command from an installed workspace costs no call to Slack, its token is kept a few seconds
(the workspace's bot, never the person who asked first), and an uninstall is followed at once
even though the token was kept."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from slack_bolt.context import BoltContext

from handlers import aws_slack
from tests.fakes.slack_api import SlackApi, slack_api
from tests.support.handlers import post_slack
from tests.support.payloads import signed_headers, slash_command_body
from tests.support.slack_oauth import event_callback, install_answer, installed, oauth_mode


@pytest.fixture
def api(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackApi]:
    with slack_api() as fake:
        oauth_mode(monkeypatch, fake)
        for team in ("TA", "TB"):
            fake.install(f"code-{team}", install_answer(team, f"xoxb-ws-{team}"))
            assert installed(f"code-{team}")["statusCode"] == 200
        yield fake


def _whoami(api: SlackApi, team: str) -> str:
    """The answer to a signed `/sre whoami` from `team`, and what its response URL was told."""
    hook = f"{api.url}hooks/{team}"
    body = slash_command_body("whoami", team_id=team, enterprise_id="", response_url=hook)
    answer = post_slack(body, signed_headers(body))
    assert answer["statusCode"] == 200, answer
    told = [call.fields.get("text", "") for call in api.called(team)]
    return str(answer["body"]) + " ".join(told)


def _uninstall(team: str) -> None:
    uninstalled = {"type": "app_uninstalled"}
    done = event_callback(uninstalled, team=team, event_id=f"Ev-uninstall-{team}")
    assert done["statusCode"] == 200, done


def test_an_installed_workspace_is_answered_without_a_call_to_slack(api: SlackApi) -> None:
    # GIVEN two workspaces installed (bolt's install flow checked each token with auth.test)
    api.calls.clear()
    # WHEN each sends its first commands
    answers = [_whoami(api, team) for team in ("TA", "TB", "TA")]
    # THEN each is answered as its own org, and no answer waited on Slack's Web API
    assert ["org slack:TA" in answers[0], "org slack:TB" in answers[1]] == [True, True]
    assert "org slack:TA" in answers[2]
    assert api.calls == []


def test_an_uninstalled_workspace_is_refused_at_once_though_its_token_was_kept(
    api: SlackApi,
) -> None:
    # GIVEN workspace TA answered a moment ago (its token kept)
    assert "org slack:TA" in _whoami(api, "TA")
    # WHEN TA uninstalls the app
    _uninstall("TA")
    # THEN TA's next command, right away, is told the app is not installed there
    after = _whoami(api, "TA")
    assert "org slack:TA" not in after
    assert "not installed" in after
    # AND TB goes on being answered
    assert "org slack:TB" in _whoami(api, "TB")


def _mention(team: str, user: str, event_id: str) -> None:
    """A signed `@autosre whoami` by `user` in workspace `team`."""
    stamp = f"1700000000.{event_id[-6:]}"
    mention = {"type": "app_mention", "user": user, "text": "<@U0BOTTA> whoami", "ts": stamp}
    done = event_callback(
        {**mention, "channel": "C111", "event_ts": stamp}, team=team, event_id=event_id
    )
    assert done["statusCode"] == 200, done


def test_two_people_of_one_workspace_each_act_as_themselves_with_its_bot_token(
    api: SlackApi,
) -> None:
    # GIVEN what bolt hands the listeners of each request, as they see it
    seen: list[str | None] = []

    def watch(context: BoltContext, next: Callable[[], None]) -> None:  # bolt names it
        seen.append(context.user_id)
        next()

    aws_slack.slack().app.use(watch)
    api.calls.clear()
    # WHEN two people of workspace TA mention the bot, the second within the token's keep time
    _mention("TA", "UALICE", "Ev-000001")
    _mention("TA", "UBOB", "Ev-000002")
    # THEN each request's context carries its own person, not the first one's
    assert seen == ["UALICE", "UBOB"]
    # AND each is answered to its own person, with the workspace's bot token
    posts = api.called("chat.postMessage")
    assert [post.token for post in posts] == ["xoxb-ws-TA", "xoxb-ws-TA"]
    assert ["@UALICE" in str(posts[0].fields), "@UBOB" in str(posts[1].fields)] == [True, True]
