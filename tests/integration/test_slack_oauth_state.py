"""OAuth mode's redirect refuses what bolt's state check is for (the Slack function on moto, a
loopback Slack Web API): a state from another browser, a state used twice, an expired state;
and an install cancelled in Slack gets a clear page. None stores an installation or audits an
install."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bots.slack.installations import STATES
from bots.slack.oauth import records_for
from handlers import aws_runtime
from tests.fakes.slack_api import SlackApi, slack_api
from tests.support.slack_oauth import (
    get,
    install_answer,
    install_audited,
    install_page,
    oauth_mode,
    stored,
)

REDIRECT = "/slack/oauth_redirect"


@pytest.fixture
def api(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackApi]:
    with slack_api() as fake:
        oauth_mode(monkeypatch, fake)
        fake.install("code-111", install_answer("T111", "xoxb-ws-111"))
        fake.install("code-222", install_answer("T222", "xoxb-ws-222"))
        yield fake


def _nothing_installed(api: SlackApi, team: str) -> bool:
    """No code exchanged for `team`'s token, no installation stored, no install audited."""
    exchanged = [c.fields.get("code") for c in api.called("oauth.v2.access")]
    code = f"code-{team.removeprefix('T')}"
    return code not in exchanged and not stored(team) and not install_audited(f"slack:{team}")


def test_a_state_from_another_browser_is_refused(api: SlackApi) -> None:
    # GIVEN an attacker's browser and the victim's each opened the install page
    attackers_state, _ = install_page()
    _, victims_cookie = install_page()
    # WHEN the victim's browser is sent to the redirect with the attacker's state
    with_other_cookie = get(
        REDIRECT, {"code": "code-111", "state": attackers_state}, victims_cookie
    )
    # ... or with no state cookie at all
    without_cookie = get(REDIRECT, {"code": "code-111", "state": attackers_state})
    # THEN both are refused and nothing is installed
    assert with_other_cookie["statusCode"] == 400, with_other_cookie
    assert without_cookie["statusCode"] == 400, without_cookie
    assert _nothing_installed(api, "T111")


def test_a_state_used_by_a_completed_install_cannot_be_used_again(api: SlackApi) -> None:
    # GIVEN an install completed with its state
    state, cookie = install_page()
    done = get(REDIRECT, {"code": "code-111", "state": state}, cookie)
    assert done["statusCode"] == 200, done
    assert stored("T111") and install_audited("slack:T111")
    # WHEN the same state and cookie come back with another workspace's code
    replayed = get(REDIRECT, {"code": "code-222", "state": state}, cookie)
    # THEN it is refused: the state was consumed once
    assert replayed["statusCode"] == 401, replayed
    assert _nothing_installed(api, "T222")


def test_an_expired_state_is_refused(api: SlackApi) -> None:
    # GIVEN a state issued 11 minutes ago (states last 10)
    state, cookie = install_page()
    issued = str(time.time() - 11 * 60)
    records_for(aws_runtime.settings()).put(f"{STATES}/{state}", "issued", issued)
    # WHEN the browser comes back with it
    late = get(REDIRECT, {"code": "code-111", "state": state}, cookie)
    # THEN it is refused and nothing is installed
    assert late["statusCode"] == 401, late
    assert _nothing_installed(api, "T111")


def test_an_install_cancelled_in_slack_gets_a_clear_page_and_stores_nothing(
    api: SlackApi,
) -> None:
    # GIVEN the install page opened
    state, cookie = install_page()
    # WHEN the installer cancels in Slack, which sends the browser back with an error
    cancelled = get(REDIRECT, {"error": "access_denied", "state": state}, cookie)
    # THEN the page says the install was cancelled and links to the install page again
    assert cancelled["statusCode"] == 200, cancelled
    page = str(cancelled["body"])
    assert "Auto SRE was not installed" in page
    assert "cancelled in Slack" in page
    assert 'href="/slack/install"' in page
    # AND nothing was installed nor exchanged
    assert api.called("oauth.v2.access") == []
    assert not stored("T111") and not install_audited("slack:T111")
