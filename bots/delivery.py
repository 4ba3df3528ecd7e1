"""Post replies on the surface a target names (Slack and Teams SDKs imported only when used)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from bots.chart_files import saved_charts
from bots.text import render_text
from shared.config import Settings
from shared.identity.models import Platform
from shared.invocation import ReplyTarget
from shared.replies import Reply

if TYPE_CHECKING:  # the Slack SDK is imported only when a Slack message is posted
    from slack_sdk import WebClient

log = logging.getLogger("autosre.delivery")


class SurfaceNotifier:
    """Posts to Slack or Teams, or logs the text for the terminal (and shows it with `echo`:
    `sre serve` prints what the scheduler tells the terminal's channel, as `sre` does)."""

    def __init__(self, settings: Settings, *, echo: Callable[[str], None] | None = None) -> None:
        self._settings = settings
        self._echo = echo

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        """Post `reply` at `target`; raise if the platform refuses it."""
        if target.platform is Platform.SLACK:
            from bots.slack.notifier import SlackNotifier

            client = self._slack(target)
            return SlackNotifier(client).post(target, reply, user=user) if client else None
        if target.platform is Platform.TEAMS:
            from bots.msteams.notifier import TeamsNotifier

            return TeamsNotifier(self._settings).post(target, reply)
        self._log(reply, target)
        return None

    def update(self, target: ReplyTarget, reply: Reply) -> None:
        """Replace a posted message; on the terminal, print the new version."""
        if target.platform is Platform.SLACK:
            from bots.slack.notifier import SlackNotifier

            if client := self._slack(target):
                SlackNotifier(client).update(target, reply)
        elif target.platform is Platform.TEAMS:
            from bots.msteams.notifier import TeamsNotifier

            TeamsNotifier(self._settings).update(target, reply)
        else:
            self._log(reply, target)

    def _slack(self, target: ReplyTarget) -> WebClient | None:
        """The Web API client of the target's org: in OAuth mode a new one with that org's own
        token, or None (logged, skipped) where the app is not installed any more."""
        if not self._settings.slack_oauth:
            from bots.slack.app import web_client

            return web_client(self._settings)
        from bots.slack.oauth import client_for

        client = client_for(self._settings, target.org)
        if client is None:
            log.warning("not posted in %s: the Slack app is not installed there", target.org)
        return client

    def _log(self, reply: Reply, target: ReplyTarget) -> None:
        """A message for the terminal, in the log; its charts saved in the home, as `sre` does."""
        shown, paths = saved_charts(reply, self._settings.home / "charts")
        lines = [render_text(shown), *(f"  (chart: {path})" for path in paths)]
        log.info("%s", "\n".join(lines))
        if self._echo is not None:
            self._echo("\n".join([f"[#{target.channel or 'local'}]", *lines]))
