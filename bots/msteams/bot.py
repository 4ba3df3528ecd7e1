"""The Teams bot: every message goes to the command bus; the reply goes back as a card."""

from __future__ import annotations

from collections.abc import Callable

from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.schema import Activity, Attachment

from bots.msteams.mentions import resolve_mentions
from bots.msteams.normalize import from_activity
from bots.msteams.render import attachment, summary
from shared.commands.bus import CommandBus
from shared.replies import Reply


def reply_activity(reply: Reply) -> Activity:
    """A message activity that carries the reply's card."""
    content = attachment(reply)
    cards = [Attachment(content_type=content["contentType"], content=content["content"])]
    cards += [
        Attachment(
            content_type="image/png",
            name=image.name,
            content_url=f"data:image/png;base64,{image.png_base64}",
        )
        for image in reply.images
    ]
    activity: Activity = MessageFactory.list(cards, text=summary(reply))
    return activity


class SreBot(ActivityHandler):  # type: ignore[misc]  # botbuilder ships no type information
    """Answers messages (and card button clicks) through the bus."""

    def __init__(self, bus: Callable[[], CommandBus]) -> None:
        self._bus = bus

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await resolve_mentions(turn_context)
        reply = self._bus().handle(from_activity(turn_context.activity))
        if not reply.replayed:
            await turn_context.send_activity(reply_activity(reply))
