"""Post a deferred command's result into its Teams conversation (a proactive message)."""

from __future__ import annotations

import asyncio

from botbuilder.core import TurnContext
from botbuilder.schema import ConversationReference

from bots.teams.bot import reply_activity
from bots.teams.http import adapter_for
from bots.teams.normalize import THREAD
from shared.commands.invocation import ReplyTarget
from shared.config import Settings
from shared.replies import Reply


class TeamsNotifier:
    """Continues the conversation saved in the reply target and sends the card."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._adapter, _ = adapter_for(settings)

    def post(self, target: ReplyTarget, reply: Reply) -> None:
        """Send `reply` to the conversation; raise if the Bot Connector refuses it."""
        if not target.conversation:
            raise ValueError("the reply has nowhere to go: no Teams conversation reference")
        reference = ConversationReference().deserialize(target.conversation)
        if target.thread:  # the reference names the channel; the reply goes in the thread
            reference.conversation.id = f"{reference.conversation.id}{THREAD}{target.thread}"

        async def send(turn_context: TurnContext) -> None:
            await turn_context.send_activity(reply_activity(reply))

        asyncio.run(
            self._adapter.continue_conversation(
                reference, send, self._settings.teams_app_id or None
            )
        )
