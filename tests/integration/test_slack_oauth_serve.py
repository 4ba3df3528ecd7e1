"""OAuth mode on `sre serve`: the install page and redirect over HTTP, the installation kept in
the local SQLite file, and a signed command from that workspace answered."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode
from wsgiref.simple_server import make_server

import pytest

from bots.delivery import SurfaceNotifier
from bots.serve import application, unserved
from bots.slack import oauth
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_records import SqliteRecords
from shared.bootstrap.local import for_local
from shared.config import Settings
from shared.doctor.facts import slack_fact
from tests.fakes.slack_api import SlackApi, slack_api
from tests.support.payloads import SIGNING_SECRET, signed_headers, slash_command_body
from tests.support.slack_oauth import CLIENT_ID, STATE_COOKIE, install_answer


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, SlackApi, Settings]]:
    with slack_api() as api:
        settings = Settings(
            home=tmp_path,
            slack_signing_secret=SIGNING_SECRET,
            slack_client_id=CLIENT_ID,
            slack_client_secret="shh-client-secret",
            slack_api_url=api.url,
        )
        oauth.installations.cache_clear()
        services = for_local(settings, notifier=SurfaceNotifier(settings))
        server = make_server("127.0.0.1", 0, application(services))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{server.server_port}", api, settings
        server.shutdown()
        oauth.installations.cache_clear()


def test_serve_installs_a_workspace_by_oauth_and_answers_it(
    served: tuple[str, SlackApi, Settings],
) -> None:
    url, api, settings = served
    api.install("code-111", install_answer("T111", "xoxb-ws-111", enterprise="E111"))
    # GIVEN the install page, which links to Slack with a state and sets it as a cookie
    with urllib.request.urlopen(f"{url}/slack/install") as page:
        cookie = page.headers["Set-Cookie"].split(";")[0]
        assert "oauth/v2/authorize" in page.read().decode()
    state = STATE_COOKIE.search(cookie)
    assert state is not None
    # WHEN Slack sends the browser back with a code and that state
    back = urllib.request.Request(
        f"{url}/slack/oauth_redirect?{urlencode({'code': 'code-111', 'state': state.group(1)})}",
        headers={"Cookie": cookie},
    )
    with urllib.request.urlopen(back) as done:
        assert done.status == 200
    # THEN the installation is in the local SQLite file, under its workspace
    records = SqliteRecords(SqliteDatabase(settings.home / "autosre.db"))
    assert "xoxb-ws-111" in (records.get(f"{CLIENT_ID}/E111-T111", "bot-latest") or "")
    # AND a signed command from that workspace is answered with its token
    body = slash_command_body("help")
    command = urllib.request.Request(
        f"{url}/slack/events", data=body.encode(), headers=signed_headers(body), method="POST"
    )
    with urllib.request.urlopen(command) as answer:
        assert "investigate" in answer.read().decode()
    assert "xoxb-ws-111" in [call.token for call in api.called("auth.test")]


def test_doctor_says_which_slack_mode_is_on() -> None:
    both = Settings(
        slack_signing_secret="x",
        slack_client_id="1.2",
        slack_client_secret="s",
        slack_bot_token="xoxb-1",
    )
    assert slack_fact(both).startswith("OAuth")
    assert "SLACK_BOT_TOKEN ignored" in slack_fact(both)
    one = Settings(slack_signing_secret="x", slack_bot_token="xoxb-1")
    assert slack_fact(one) == "one workspace (SLACK_BOT_TOKEN)"


def test_doctor_says_slack_is_off_for_what_serve_leaves_it_off_for() -> None:
    # GIVEN a bot token and OAuth credentials, but no signing secret
    unsigned = Settings(slack_bot_token="xoxb-1", slack_client_id="1.2", slack_client_secret="s")
    # THEN the doctor says Slack is off, and names the signing secret, as `sre serve` does
    assert slack_fact(unsigned).startswith("off: SLACK_SIGNING_SECRET is not set")
    assert unserved(unsigned)["/slack/events"] in slack_fact(unsigned)
    # AND with the secret but no token, it is served, and the doctor says what it lacks
    tokenless = slack_fact(Settings(slack_signing_secret="x"))
    assert tokenless.startswith("served without SLACK_BOT_TOKEN")
    assert "SLACK_SIGNING_SECRET" not in tokenless
