"""Deliver a deferred command's reply on the surface it came from (SDKs imported only when used)."""

from __future__ import annotations

import logging

from bots.text import render_text
from shared.bootstrap import Deliver
from shared.commands.invocation import DeferredCommand
from shared.config import Settings
from shared.identity.models import Platform
from shared.replies import Reply

log = logging.getLogger("autosre.delivery")


def deliverer(settings: Settings) -> Deliver:
    """A function that posts replies to Slack or Teams, or logs them for the terminal."""

    def deliver(task: DeferredCommand, reply: Reply) -> None:
        target = task.invocation.reply_to
        if target.platform is Platform.SLACK:
            from bots.slack.app import web_client
            from bots.slack.notifier import SlackNotifier

            SlackNotifier(web_client(settings)).post(target, reply, user=task.invocation.actor.user)
        elif target.platform is Platform.TEAMS:
            from bots.teams.notifier import TeamsNotifier

            TeamsNotifier(settings).post(target, reply)
        else:
            log.info("%s", render_text(reply))

    return deliver
