"""OAuth mode's authorize step through bolt (the Slack function on moto, a loopback Slack Web API):
a command from an installed workspace costs no call to Slack, its token is kept a few seconds,
and an uninstall is followed at once even though the token was kept."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.fakes.slack_api import SlackApi, slack_api
from tests.support.handlers import post_slack
from tests.support.payloads import signed_headers, slash_command_body
from tests.support.slack_oauth import install_answer, installed, oauth_mode


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
    body = json.dumps(
        {
            "token": "verification_token",
            "team_id": team,
            "api_app_id": "A0APP",
            "type": "event_callback",
            "event_id": f"Ev-uninstall-{team}",
            "event_time": 1700000000,
            "event": {"type": "app_uninstalled"},
        }
    )
    done = post_slack(body, signed_headers(body, content_type="application/json"))
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
