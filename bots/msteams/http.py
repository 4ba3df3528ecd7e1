"""The Teams endpoint without a web server: `process(body, auth_header)` -> (status, body)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.auth import AuthenticationConstants

from bots.msteams.admission import refusal
from bots.msteams.bot import SreBot, reply_activity
from bots.msteams.normalize import tenant_of
from bots.msteams.openid import bound_openid_fetches
from shared.commands.bus import CommandBus
from shared.commands.bus_replies import internal_error
from shared.config import Settings
from shared.replies import Reply, Tone

log = logging.getLogger("autosre.teams")


TEAMS_CHANNEL = "msteams"
NOT_CONFIGURED = "Teams is off: TEAMS_APP_ID is not set, so no Bot Framework token can be checked"
"""Why the Teams endpoint refuses every request (and `sre serve` does not serve it)."""


def tenant_refusal(tenant: str) -> Reply:
    """What a person of a tenant this deployment does not serve is told, in one line."""
    return Reply(
        tone=Tone.ERROR,
        title=f"This Auto SRE deployment does not serve your organisation (tenant {tenant[:64]}). "
        "Ask its operator to add it to TEAMS_ALLOWED_TENANTS.",
    )


class BotConfiguration:
    """The attribute names botbuilder's configuration-based authentication reads."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.teams_app_id
        self.APP_PASSWORD = settings.teams_app_password
        self.APP_TENANTID = settings.teams_app_tenant_id
        self.APP_TYPE = "SingleTenant" if settings.teams_app_tenant_id else "MultiTenant"
        if settings.teams_openid_metadata_url:
            # botbuilder then takes every endpoint from configuration (its "parameterized"
            # authentication): without the issuer no token is accepted ("Identity missing"),
            # without the login URL and scope no reply can be sent
            public = AuthenticationConstants
            self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = settings.teams_openid_metadata_url
            self.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = settings.teams_openid_metadata_url
            self.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = (
                settings.teams_token_issuer or public.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
            )
            self.TO_CHANNEL_FROM_BOT_LOGIN_URL = (
                settings.teams_login_url or public.TO_CHANNEL_FROM_BOT_LOGIN_URL
            )
            self.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = (
                settings.teams_oauth_scope or public.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
            )
            self.OAUTH_URL = public.OAUTH_URL


def adapter_for(settings: Settings) -> tuple[CloudAdapter, Any]:
    """botbuilder's CloudAdapter and its authentication, from our settings."""
    bound_openid_fetches()
    authentication = ConfigurationBotFrameworkAuthentication(BotConfiguration(settings))
    adapter = CloudAdapter(authentication)

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        log.error("Teams turn failed", exc_info=error)
        try:
            await context.send_activity(reply_activity(internal_error(context.activity.id or "")))
        except Exception:
            log.exception("could not tell the Teams user about the failure")

    adapter.on_turn_error = on_turn_error
    return adapter, authentication


class TeamsEndpoint:
    """Authenticates an activity, runs the bot on it and says what HTTP status to answer."""

    def __init__(self, settings: Settings, bus: Callable[[], CommandBus]) -> None:
        self._configured = bool(settings.teams_app_id)
        self._adapter, self._authentication = adapter_for(settings)
        self._bot = SreBot(bus)
        self._tenants = settings.teams_tenants

    def process(self, body: str | bytes, auth_header: str) -> tuple[int, dict[str, Any] | None]:
        """Handle one POST /api/messages: 401 if Teams is not configured (without an app id
        botbuilder would accept anything), 413 if too large, 400 if malformed, 401 if the request
        is not from the Bot Framework. Replies go only to the serviceUrl the token vouches for."""
        if not self._configured:
            log.warning("Teams request refused: %s", NOT_CONFIGURED)
            return 401, {"error": "unauthorized"}
        refused = refusal(body)
        if refused:
            return refused
        return asyncio.run(self._process(body, auth_header))

    async def _process(
        self, body: str | bytes, auth_header: str
    ) -> tuple[int, dict[str, Any] | None]:
        try:
            payload = json.loads(body)
            activity = Activity().deserialize(payload)
        except Exception:  # noqa: BLE001 (any unreadable payload is the sender's fault)
            return 400, {"error": "the body is not a Bot Framework activity"}
        if not isinstance(payload, dict) or not activity.type or not activity.service_url:
            return 400, {"error": "the activity needs a type and a serviceUrl"}
        try:
            authenticated = await self._authentication.authenticate_request(activity, auth_header)
        except Exception as error:  # noqa: BLE001 (missing, malformed, forged, or keys unreachable)
            log.warning("Teams request refused: %s: %s", type(error).__name__, error)
            return 401, {"error": "unauthorized"}
        if activity.channel_id != TEAMS_CHANNEL or not tenant_of(activity):
            # another channel of the same bot (Web Chat, Direct Line) lets its client name any
            # user: only Teams, which vouches for the tenant and the user, is served
            return 403, {"error": "only Microsoft Teams activities with a tenant are served"}
        if tenant_of(activity) not in self._tenants:
            return await self._refuse(authenticated, activity)
        response = await self._adapter.process_activity(authenticated, activity, self._bot.on_turn)
        if response is not None:
            return int(response.status), response.body
        return 200, None

    async def _refuse(
        self, authenticated: Any, activity: Activity
    ) -> tuple[int, dict[str, Any] | None]:
        """A tenant not served: a person's message is answered with why (in its conversation),
        nothing else is (403): the bot never reads the activity, nothing is stored."""
        tenant = tenant_of(activity)
        log.warning("Teams tenant %r refused: not in TEAMS_ALLOWED_TENANTS", tenant[:64])
        if activity.type != ActivityTypes.message:
            return 403, {"error": "this deployment does not serve the activity's tenant"}

        async def tell(turn_context: TurnContext) -> None:
            await turn_context.send_activity(reply_activity(tenant_refusal(tenant)))

        await self._adapter.process_activity(authenticated, activity, tell)
        return 200, None
