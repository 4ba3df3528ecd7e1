"""OAuth mode: "Add to Slack" installs into many workspaces, each request answered with the bot
token of the workspace (or Enterprise Grid org) it comes from. Imported only in OAuth mode, so a
single-workspace deployment's cold start never loads it."""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.context import BoltContext
from slack_bolt.error import BoltError
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import FailureArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.token_rotation import TokenRotator

from bots.slack.app_name import APP_NAME
from bots.slack.authorize import InstalledAuthorize
from bots.slack.installations import Records, RecordsOAuthStateStore, org_of
from bots.slack.rotation import RotatingInstallationStore
from shared.config import Settings
from shared.identity.models import OrgId, UserId

if TYPE_CHECKING:
    from shared.teams.installs import OrgInstalls

Installs = Callable[[], "OrgInstalls"]

log = logging.getLogger("autosre.slack.oauth")

REVOKED = "app bot token revoke"
"""What a revoked bot token is audited as (its installation is deleted, like an uninstall)."""
CANCELLED = "access_denied"
"""The `error` Slack sends the browser back with when the installer cancels."""
ROTATE_MINUTES = 120
"""Refresh a rotating bot token this long before it expires (bolt's default)."""


def records_for(settings: Settings) -> Records:
    """Where installations live: the app's table on AWS, the local SQLite file otherwise."""
    if settings.backend == "aws":
        from shared.adapters.aws.dynamodb_records import DynamoDbRecords

        return DynamoDbRecords(table=settings.table_name)
    from shared.adapters.local.sqlite_directory import SqliteDatabase
    from shared.adapters.local.sqlite_records import SqliteRecords

    return SqliteRecords(SqliteDatabase(settings.home / "autosre.db"))


@functools.cache
def installations(settings: Settings) -> RotatingInstallationStore:
    """The installation store of this deployment (one per process and settings)."""
    client = WebClient(base_url=settings.slack_api_url)
    rotator = TokenRotator(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        client=client,
    )
    return RotatingInstallationStore(
        records_for(settings),
        client_id=settings.slack_client_id,
        rotator=rotator,
        minutes=ROTATE_MINUTES,
    )


class AuditedFlow(OAuthFlow):
    """bolt's OAuth flow; an installation is saved only once the org's trail has its entry."""

    def __init__(self, *, installs: Installs, **flow: Any) -> None:
        super().__init__(**flow)
        self._installs = installs
        self._failed = self.failure_handler
        self.failure_handler = self._refused

    def _refused(self, args: FailureArgs) -> BoltResponse:
        """bolt's failure page, but a clear one for an install cancelled in Slack."""
        if args.reason != CANCELLED:
            return self._failed(args)
        again = html.escape(self.settings.install_path)
        return BoltResponse(
            status=200,
            headers={
                "Content-Type": "text/html; charset=utf-8",
                "Set-Cookie": self.settings.state_utils.build_set_cookie_for_deletion(),
            },
            body=(
                "<html><body><h2>Auto SRE was not installed</h2><p>The install was cancelled "
                f'in Slack: nothing was installed. <a href="{again}">Start again</a> to add '
                "it.</p></body></html>"
            ),
        )

    def store_installation(self, request: BoltRequest, installation: Installation) -> None:
        """Audit the install, save it, and make the installer org admin of an org with none."""
        org = OrgId(org_of(installation.enterprise_id, installation.team_id))
        installer = UserId(installation.user_id or "")

        def save() -> None:
            super(AuditedFlow, self).store_installation(request, installation)

        try:
            self._installs().installed(org, installer, save=save)
        except BoltError:
            raise
        except Exception as error:  # bolt shows its failure page; the log has why
            log.exception("install into %s not completed", org)
            raise BoltError(f"the install into {org} could not be completed") from error


def oauth_app(settings: Settings, logger: logging.Logger, installs: Installs) -> App:
    """A bolt App with bolt's OAuth flow (state verified) over our installation store."""
    client = WebClient(base_url=settings.slack_api_url)
    store = installations(settings)
    oauth = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(settings.slack_scopes),
        install_path=settings.slack_install_path,
        redirect_uri_path=settings.slack_redirect_uri_path,
        installation_store=store,
        state_store=RecordsOAuthStateStore(store.records),
        token_rotation_expiration_minutes=ROTATE_MINUTES,
        logger=logger,
    )
    authorize = InstalledAuthorize(store)
    app = App(
        name=APP_NAME,
        logger=logger,
        signing_secret=settings.slack_signing_secret,
        client=client,
        authorize=authorize,  # type: ignore[arg-type]  # bolt takes an Authorize too
        oauth_flow=AuditedFlow(installs=installs, client=client, logger=logger, settings=oauth),
        process_before_response=True,
        request_verification_enabled=True,
        user_facing_authorize_error_message=not_installed(settings),
    )
    _listen_for_uninstalls(app, store, installs, authorize)
    return app


def not_installed(settings: Settings) -> str:
    """What a command from a workspace without an installation is told."""
    page = settings.public_url.rstrip("/") + settings.slack_install_path
    return (
        "Auto SRE is not installed in this workspace (or was uninstalled). "
        f"A workspace admin can add it at {page}"
    )


def _listen_for_uninstalls(
    app: App, store: RotatingInstallationStore, installs: Installs, kept: InstalledAuthorize
) -> None:
    """An uninstalled app or revoked tokens: the workspace's tokens are forgotten at once."""

    @app.event("app_uninstalled")
    def on_uninstalled(ack: Ack, context: BoltContext) -> None:
        ack()
        team = None if context.is_enterprise_install else context.team_id

        def forget() -> None:
            store.delete_all(enterprise_id=context.enterprise_id, team_id=team)
            kept.forget(enterprise_id=context.enterprise_id, team_id=team)

        installs().uninstalled(OrgId(_named(context)), forget=forget)
        log.warning("app uninstalled from %s: its tokens are deleted", _named(context))

    @app.event("tokens_revoked")
    def on_revoked(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
        ack()
        team = None if context.is_enterprise_install else context.team_id
        ids = {"enterprise_id": context.enterprise_id, "team_id": team}
        for user in (event.get("tokens") or {}).get("oauth") or []:
            store.delete_installation(**ids, user_id=user)
        if (event.get("tokens") or {}).get("bot"):

            def forget() -> None:  # an installation without its bot token serves nothing
                store.delete_all(**ids)
                kept.forget(**ids)

            installs().uninstalled(OrgId(_named(context)), forget=forget, command=REVOKED)
            log.warning("bot token of %s revoked: its installation is deleted", _named(context))


def _named(context: BoltContext) -> str:
    """The org an event came from, for the log (never a token)."""
    if context.is_enterprise_install:
        return f"slack:{context.enterprise_id}"
    return f"slack:{context.team_id}"


def client_for(settings: Settings, org: str | None) -> WebClient | None:
    """A new Web API client with the bot token of `org` (`slack:T…`, or `slack:E…` for an
    org-wide install), refreshed if about to expire; None when the app is not installed there
    (uninstalled): never a shared client, never another org's token (bolt-python #1332)."""
    store = installations(settings)
    ids = store.ids_of(org) if org else None
    if ids is None:
        return None
    enterprise, team = ids
    found = store.find_installation(
        enterprise_id=enterprise, team_id=team, is_enterprise_install=team is None
    )
    if found is None or not found.bot_token:
        return None
    return WebClient(token=found.bot_token, base_url=settings.slack_api_url)
