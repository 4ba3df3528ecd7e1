"""Post a deferred command's result into its Teams conversation (a proactive message)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import ConversationReference

from bots.msteams.bot import reply_activity
from bots.msteams.http import adapter_for
from bots.msteams.normalize import THREAD
from shared.config import Settings
from shared.invocation import ReplyTarget
from shared.replies import Reply


def _run(work: Coroutine[Any, Any, Any]) -> None:
    """Run `work` to its end, also when called from a bot's turn (a command that posts while the
    Teams handler's event loop is running): then on a loop of its own, in another thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(work)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, work).result()


class TeamsNotifier:
    """Continues the conversation saved in the reply target and sends the card."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._adapter, _ = adapter_for(settings)

    def _reference(self, target: ReplyTarget) -> ConversationReference:
        if not target.conversation:
            raise ValueError("the reply has nowhere to go: no Teams conversation reference")
        reference = ConversationReference().deserialize(target.conversation)
        if target.thread:  # the reference names the channel; the reply goes in the thread
            reference.conversation.id = f"{reference.conversation.id}{THREAD}{target.thread}"
        return reference

    def post(self, target: ReplyTarget, reply: Reply) -> ReplyTarget | None:
        """Send `reply` to the conversation; raise if the Bot Connector refuses it. Returns the
        target with the new activity's id, so it can be updated."""
        sent: list[str] = []

        async def send(turn_context: TurnContext) -> None:
            # the continuation is not a message to reply to: post to the conversation (or thread)
            turn_context.activity.id = None
            answer = await turn_context.send_activity(reply_activity(reply))
            sent.append(getattr(answer, "id", "") or "")

        _run(
            self._adapter.continue_conversation(
                self._reference(target), send, self._settings.teams_app_id or None
            )
        )
        return target.model_copy(update={"message": sent[0] or None}) if sent else None

    def update(self, target: ReplyTarget, reply: Reply) -> None:
        """Replace the card of the activity at `target`; raise if the Bot Connector refuses."""
        if not target.message:
            raise ValueError("no message to update: the activity id is needed")
        activity = reply_activity(reply)
        activity.id = target.message

        async def replace(turn_context: TurnContext) -> None:
            await turn_context.update_activity(activity)

        _run(
            self._adapter.continue_conversation(
                self._reference(target), replace, self._settings.teams_app_id or None
            )
        )
