"""Teams tenants as orgs: the recorded activity, renamed into several tenants, through the real
Teams endpoint (botbuilder's authentication with tokens signed on a loopback Bot Framework, replies
through botbuilder's connector to loopback services): only the tenants allowed are served, anyone
else is told why in one line, and each tenant's proactive posts go to its own conversation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from bots.delivery import SurfaceNotifier
from bots.msteams.http import TeamsEndpoint
from shared.adapters.memory import InMemoryTaskQueue
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.replies import Tone
from tests.fakes.bot_framework import APP_ID, BotFrameworkKeys, bot_framework_keys, configure_teams
from tests.fakes.http_capture import Captured, CaptureServer, capture_server
from tests.support.payloads import message_activity
from tests.support.terminal import sre

REFUSAL = "This Auto SRE deployment does not serve your organisation (tenant {}). Ask its operator"


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[BotFrameworkKeys]:
    """The channel's signing keys on loopback, and the bot's own token for its replies."""
    with bot_framework_keys() as served:
        configure_teams(monkeypatch, served)
        yield served


def _settings(keys: BotFrameworkKeys, **teams: Any) -> Settings:
    admins = ("teams:tenant-a:ada", "teams:tenant-b:bob", "teams:tenant-c:cyd")
    return Settings(
        org_admins=admins, teams_app_id=APP_ID, teams_openid_metadata_url=keys.metadata_url, **teams
    )


def _activity(service: CaptureServer, tenant: str, user: str, text: str, **fields: Any) -> Any:
    """The recorded message activity, from `user` of `tenant` in that tenant's group chat."""
    activity = message_activity(service.url, text)
    activity["conversation"].update(tenantId=tenant, id=f"19:chat-of-{tenant}@thread.v2")
    activity["channelData"]["tenant"]["id"] = tenant
    activity["from"]["aadObjectId"] = user
    return {**activity, **fields}


def _send(
    endpoint: TeamsEndpoint, keys: BotFrameworkKeys, service: CaptureServer, activity: Any
) -> int:
    status, _ = endpoint.process(json.dumps(activity), keys.token(service.url))
    return status


def _conversation(request: Captured) -> str:
    """The conversation a Bot Connector request posts into (`/v3/conversations/{id}/…`)."""
    return unquote(request.path).split("/")[3]


def _said(captured: CaptureServer) -> list[str]:
    """What the bot said to that service, each message's text."""
    return [str(request.body.get("text", "")) for request in captured.requests]


def test_a_tenant_not_allowed_is_told_why_in_one_line_and_its_command_never_runs(
    keys: BotFrameworkKeys,
) -> None:
    # GIVEN a deployment serving tenants a and b, and cyd, configured as org admin of tenant c
    services = for_memory(_settings(keys, teams_allowed_tenants=("tenant-a", "tenant-b")))
    endpoint = TeamsEndpoint(
        _settings(keys, teams_allowed_tenants=("tenant-a", "tenant-b")), lambda: services.bus
    )
    with capture_server({"id": "posted"}) as tenant_c:
        # WHEN cyd asks to create a team
        created = _activity(tenant_c, "tenant-c", "cyd", "team create stolen")
        assert _send(endpoint, keys, tenant_c, created) == 200
        # THEN she is told in one message, in her conversation, that her organisation is not served
        (said,) = _said(tenant_c)
        assert said.startswith(REFUSAL.format("tenant-c"))
        assert "TEAMS_ALLOWED_TENANTS" in said
        (reply,) = tenant_c.requests
        assert _conversation(reply) == "19:chat-of-tenant-c@thread.v2"
        # AND a non-message activity of that tenant (the bot added to a chat) gets 403, unanswered
        added = _activity(tenant_c, "tenant-c", "cyd", "hi", type="conversationUpdate")
        assert _send(endpoint, keys, tenant_c, added) == 403
        assert len(tenant_c.requests) == 1
    # AND the command never ran: once tenant c is allowed, its org has no team
    allowed = _settings(keys, teams_allowed_tenants=("tenant-c",))
    with capture_server({"id": "posted"}) as tenant_c:
        later = TeamsEndpoint(allowed, lambda: services.bus)
        assert (
            _send(later, keys, tenant_c, _activity(tenant_c, "tenant-c", "cyd", "team list")) == 200
        )
        (listed,) = _said(tenant_c)
        assert "No teams yet" in listed


def test_with_neither_an_allowlist_nor_an_app_tenant_every_tenant_is_refused(
    keys: BotFrameworkKeys,
) -> None:
    # GIVEN a multi-tenant app registration that names no tenant at all
    settings = _settings(keys)
    services = for_memory(settings)
    with capture_server({"id": "posted"}) as tenant_a:
        # WHEN ada of tenant a asks who she is
        status = _send(
            TeamsEndpoint(settings, lambda: services.bus),
            keys,
            tenant_a,
            _activity(tenant_a, "tenant-a", "ada", "whoami"),
        )
        # THEN she is refused, not served by default
        assert status == 200
        (said,) = _said(tenant_a)
        assert said.startswith(REFUSAL.format("tenant-a"))


def test_the_app_tenant_alone_is_served_when_the_allowlist_is_empty() -> None:
    assert Settings(teams_app_tenant_id="home").teams_tenants == {"home"}
    assert Settings.from_env({"TEAMS_ALLOWED_TENANTS": " a, b ,"}).teams_tenants == {"a", "b"}
    assert Settings().teams_tenants == frozenset()


def test_doctor_in_the_terminal_lists_the_tenants_served(tmp_path: Path) -> None:
    # GIVEN a deployment serving tenants a and b
    env = {"TEAMS_APP_ID": APP_ID, "TEAMS_ALLOWED_TENANTS": "tenant-b,tenant-a"}
    # WHEN its operator runs `sre doctor`
    served = sre(tmp_path, "doctor", **env)
    # THEN the report names them, and says anyone else is refused
    assert served.returncode == 0, served.stderr
    assert "tenant-a, tenant-b (TEAMS_ALLOWED_TENANTS); others are refused" in served.stdout
    # AND with no list and no app tenant it says every tenant is refused
    none = sre(tmp_path, "doctor", TEAMS_APP_ID=APP_ID)
    assert "✗ none: every tenant is refused" in none.stdout
    # AND that is a failed check, not "all checks pass": every Teams message would be refused
    assert "Doctor: something is wrong" in none.stdout
    assert "Doctor: all checks pass" not in none.stdout


def _deferred_doctor(
    services: Services,
    endpoint: TeamsEndpoint,
    keys: BotFrameworkKeys,
    service: CaptureServer,
    tenant: str,
    user: str,
) -> None:
    """`doctor` from `user` of `tenant`: acknowledged in the turn, its report left queued."""
    assert _send(endpoint, keys, service, _activity(service, tenant, user, "doctor")) == 200
    (ack,) = service.requests
    assert "doctor" in json.dumps(ack.body).lower()


def test_each_tenants_proactive_post_goes_to_its_own_conversation_and_service(
    keys: BotFrameworkKeys,
) -> None:
    # GIVEN tenants a and b served, each behind its own (regional) Bot Connector
    settings = _settings(keys, teams_allowed_tenants=("tenant-a", "tenant-b"))
    services = for_memory(settings, notifier=SurfaceNotifier(settings))
    endpoint = TeamsEndpoint(settings, lambda: services.bus)
    with capture_server({"id": "posted"}) as tenant_a, capture_server({"id": "posted"}) as tenant_b:
        # WHEN each tenant's admin runs the doctor (deferred: its report is a proactive post)
        _deferred_doctor(services, endpoint, keys, tenant_a, "tenant-a", "ada")
        _deferred_doctor(services, endpoint, keys, tenant_b, "tenant-b", "bob")
        assert isinstance(services.tasks, InMemoryTaskQueue)
        for task in services.tasks.drain():
            assert services.run_task(task).tone is Tone.OK
        # THEN each report went to its own tenant's conversation, through its own connector,
        # carrying that tenant's id and nothing of the other's
        for service, tenant, other in (
            (tenant_a, "tenant-a", "tenant-b"),
            (tenant_b, "tenant-b", "tenant-a"),
        ):
            _, report = service.requests
            assert _conversation(report) == f"19:chat-of-{tenant}@thread.v2"
            assert report.path.endswith("/activities")  # a new post, not a reply to a message
            assert tenant in report.body["conversation"].values()
            assert f"yours ({tenant}) among 2 tenants" in json.dumps(report.body)
            assert other not in json.dumps(report.body)
