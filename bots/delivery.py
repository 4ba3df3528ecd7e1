"""Post replies on the surface a target names (Slack and Teams SDKs imported only when used)."""

from __future__ import annotations

import logging

from bots.chart_files import saved_charts
from bots.text import render_text
from shared.config import Settings
from shared.identity.models import Platform
from shared.invocation import ReplyTarget
from shared.replies import Reply

log = logging.getLogger("autosre.delivery")


class SurfaceNotifier:
    """Posts to Slack or Teams, or logs the text for the terminal."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        """Post `reply` at `target`; raise if the platform refuses it."""
        if target.platform is Platform.SLACK:
            from bots.slack.app import web_client
            from bots.slack.notifier import SlackNotifier

            return SlackNotifier(web_client(self._settings)).post(target, reply, user=user)
        if target.platform is Platform.TEAMS:
            from bots.msteams.notifier import TeamsNotifier

            return TeamsNotifier(self._settings).post(target, reply)
        self._log(reply)
        return None

    def update(self, target: ReplyTarget, reply: Reply) -> None:
        """Replace a posted message; on the terminal, print the new version."""
        if target.platform is Platform.SLACK:
            from bots.slack.app import web_client
            from bots.slack.notifier import SlackNotifier

            SlackNotifier(web_client(self._settings)).update(target, reply)
        elif target.platform is Platform.TEAMS:
            from bots.msteams.notifier import TeamsNotifier

            TeamsNotifier(self._settings).update(target, reply)
        else:
            self._log(reply)

    def _log(self, reply: Reply) -> None:
        """A message for the terminal, in the log; its charts saved in the home, as `sre` does."""
        shown, paths = saved_charts(reply, self._settings.home / "charts")
        lines = [render_text(shown), *(f"  (chart: {path})" for path in paths)]
        log.info("%s", "\n".join(lines))
