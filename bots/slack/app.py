"""The slack-bolt App: `/sre`, mentions and buttons, all sent to the one command bus."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from slack_bolt import Ack, App, BoltResponse, Respond, Say
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bots.slack.app_name import APP_NAME
from bots.slack.normalize import (
    answer_metadata,
    from_answer,
    from_button,
    from_mention,
    from_slash_command,
)
from bots.slack.notifier import SlackNotifier
from bots.slack.render import ASK, RUN, message, message_json, posted, prompt_view
from shared.commands.bus import CommandBus
from shared.commands.free_text import shown
from shared.config import Settings

if TYPE_CHECKING:
    from shared.teams.installs import OrgInstalls

log = logging.getLogger("autosre.slack")
BUTTON = re.compile(rf"^{RUN}:\d+\Z")
PROMPT = re.compile(rf"^{ASK}:\d+\Z")


LOGGED_MAX = 300


class ShortRecords(logging.Filter):
    """bolt logs request bodies whole (an unsigned one whose signature is wrong, a late or
    replayed one, an unhandled one): keep their first characters, percent-encoding decoded so
    their secrets are masked as typed (`password%3DPr1vate` is `password=***`), line breaks and
    control characters made visible, so a body neither floods the log, nor puts a password on
    disk, nor forges a line in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Shorten the record's message in place; never drops a record."""
        message = unquote_plus(record.getMessage()[: LOGGED_MAX * 12])  # `%xx` is 3 for 1
        record.msg, record.args = shown(message, limit=LOGGED_MAX), ()
        return True


def _bolt_logger() -> logging.Logger:
    """The logger bolt's loggers copy their filters from."""
    logger = logging.getLogger("autosre.slack.bolt")
    if not logger.filters:
        logger.addFilter(ShortRecords())
    return logger


def web_client(settings: Settings) -> WebClient:
    """The Web API client, pointed at SLACK_API_URL (a fake server in tests)."""
    return WebClient(token=settings.slack_bot_token or None, base_url=settings.slack_api_url)


def build_app(
    settings: Settings,
    bus: Callable[[], CommandBus],
    *,
    installs: Callable[[], OrgInstalls] | None = None,
) -> App:
    """A bolt App that answers within Slack's 3 s: no network call at build time (no auth.test).
    OAuth mode needs `installs`: each install and uninstall goes into its org's trail."""

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        # the configured bot token as is: bolt's default would call auth.test on first use
        return AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id, bot_token=settings.slack_bot_token
        )

    if settings.slack_oauth:  # imported only in OAuth mode: a single workspace never loads it
        from bots.slack.oauth import oauth_app

        if installs is None:
            raise ValueError("OAuth mode audits installs: build_app needs `installs`")
        app = oauth_app(settings, _bolt_logger(), installs)
    else:
        app = App(
            name=APP_NAME,  # bolt would otherwise walk the call stack to name itself (slow)
            logger=_bolt_logger(),
            signing_secret=settings.slack_signing_secret,
            client=WebClient(base_url=settings.slack_api_url),
            authorize=authorize,
            process_before_response=True,
            token_verification_enabled=False,
            request_verification_enabled=True,
        )

    @app.command("/sre")
    def on_sre(ack: Ack, command: dict[str, Any]) -> None:
        reply = bus().handle(from_slash_command(command))
        ack(message_json(reply))

    @app.event("app_mention")
    def on_mention(ack: Ack, body: dict[str, Any], say: Say, client: WebClient) -> None:
        ack()
        invocation = from_mention(body)
        reply = bus().handle(invocation)
        if reply.replayed:
            return
        if reply.private:  # for its asker only (another team's answer here): not `say`
            SlackNotifier(client).post(invocation.reply_to, reply, user=invocation.actor.user)
            return
        say(**posted(reply), thread_ts=invocation.reply_to.thread)

    _listen_for_buttons(app, bus)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        # bolt logs a listener's error only when it has no handler of ours: logged here, with
        # what kind of request it was; the channel gets no stack trace
        log.error(
            "a Slack listener failed",
            exc_info=error,
            extra={"type": body.get("type") or body.get("command") or "event"},
        )
        return BoltResponse(
            status=200, body="Something went wrong on our side. It has been logged."
        )

    return app


def _listen_for_buttons(app: App, bus: Callable[[], CommandBus]) -> None:
    """Buttons run their command; prompting ones open a modal and run it with the answer."""

    @app.action(BUTTON)
    def on_button(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        reply = bus().handle(from_button(body))
        if not reply.replayed:
            respond(**message(reply), replace_original=False)

    @app.action(PROMPT)
    def on_prompt(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        view = prompt_view(body["actions"][0], answer_metadata(body))
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as error:  # the click's trigger lasts 3 s (a cold start may miss it)
            said = str(error.response.get("error") or "refused")
            log.warning("a prompting button's form did not open", extra={"error": said})
            command = json.loads(view["private_metadata"])["command"]
            respond(
                text=f"The form could not open ({said}). Click again, or type `/{command} …`.",
                response_type="ephemeral",
                replace_original=False,
            )

    @app.view(ASK)
    def on_answer(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        invocation = from_answer(body)
        reply = bus().handle(invocation)
        if not reply.replayed:
            SlackNotifier(client).answer(invocation.reply_to, reply, user=invocation.actor.user)
