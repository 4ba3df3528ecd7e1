"""A chaos experiment from Microsoft Teams: the recorded Teams activity through botbuilder's
TestAdapter and the bot, on the embedded default's simulation; its one message is a card with
Approve and Halt while they apply, and carries its chart as an image attachment."""

from __future__ import annotations

import asyncio
from typing import Any

from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity

from bots.msteams.bot import SreBot, reply_activity
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.replies import Reply
from tests.support import NOW, MovingClock, notifier_of, run_scheduler, run_worker
from tests.support.payloads import message_activity


class Conversation:
    """The recorded Teams message activity, sent by a given person, through the bot."""

    def __init__(self, services: Services) -> None:
        self._sent = 0
        self.adapter = TestAdapter(SreBot(lambda: services.bus).on_turn, self._activity("ada"))

    def _activity(self, user: str, text: str | None = None, value: Any = None) -> Activity:
        activity = Activity().deserialize(message_activity("https://smba.example/", text))
        activity.from_property.aad_object_id = user
        self._sent += 1
        activity.id = f"17417026{self._sent:05d}"  # each a new delivery, not a retry
        if value is not None:  # a button of a card: no text, the button's data
            activity.text, activity.value = None, value
        return activity

    async def say(self, user: str, text: str | None = None, value: Any = None) -> dict[str, Any]:
        """The card the bot answered `user` with."""
        await self.adapter.send(self._activity(user, text, value))
        (answer,) = self.adapter.activity_buffer
        self.adapter.activity_buffer.clear()
        content: dict[str, Any] = answer.attachments[0].content
        return content


def _message(services: Services, experiment: str) -> Reply:
    """The experiment's one message as it stands: its post, or its latest update (always of
    that one message)."""
    notifier = notifier_of(services)
    mine = f"Chaos {experiment}: "
    (posted,) = [r for _, r in notifier.posted if r.title.startswith(mine)]
    updates = [(w.message, r) for w, r in notifier.updated if r.title.startswith(mine)]
    assert len({message for message, _ in updates}) <= 1
    return updates[-1][1] if updates else posted


def _card(reply: Reply) -> dict[str, Any]:
    content: dict[str, Any] = reply_activity(reply).attachments[0].content
    return content


def _actions(reply: Reply) -> dict[str, Any]:
    return {a["title"]: a["data"] for a in _card(reply).get("actions", [])}


async def _production_experiment(services: Services, teams: Conversation) -> str:
    """Payments bound from the recorded conversation, operators ada and opal, the sample
    production; ada starts `error` on it; the experiment's id."""
    for text in (
        "team create payments",
        "team bind --team payments",
        "team member add ada --role operator --team payments",
        "team member add opal --role operator --team payments",
        "service register checkout-api --sample checkout --production",
    ):
        assert not (await teams.say("ada", text))["body"][0]["text"].startswith("Error"), text
    await teams.say("ada", 'chaos start checkout-api --fault error --expect "error_rate < 1%"')
    (waits,) = run_worker(services)
    return waits.title.split()[1]


def test_an_experiment_is_approved_and_halted_from_its_teams_card() -> None:
    clock = MovingClock(NOW)
    services = for_memory(Settings(org_admins=("teams:REDACTED:ada", "slack:T1:root")), clock=clock)
    teams = Conversation(services)

    async def conversation() -> None:
        experiment = await _production_experiment(services, teams)
        # THEN its message is a card awaiting approval, with Approve and Halt
        waiting = _message(services, experiment)
        assert _card(waiting)["body"][0]["text"] == (
            f"Chaos {experiment}: error on checkout-api: awaiting approval"
        )
        actions = _actions(waiting)
        assert list(actions) == ["Approve", "Halt"]
        # WHEN a second operator presses Approve on that card
        await teams.say("opal", value=actions["Approve"])
        run_worker(services)
        # THEN the same message is updated: running at 1%, only Halt left
        running = _message(services, experiment)
        assert _card(running)["body"][0]["text"] == (
            f"Chaos {experiment}: error on checkout-api: running at 1% (step 1/3)"
        )
        assert list(_actions(running)) == ["Halt"]
        # WHEN a minute passes (the scheduler runs, as the org admin of the tests' Slack org)
        # and the operator presses Halt
        run_scheduler(services, clock, 1)
        await teams.say("ada", value=_actions(_message(services, experiment))["Halt"])
        run_worker(services)
        # THEN the card says it was halted, with no button left, and its chart attached
        halted = _message(services, experiment)
        assert _card(halted)["body"][0]["text"] == (
            f"Chaos {experiment}: error on checkout-api: ended: halted"
        )
        assert "actions" not in _card(halted)
        chart = reply_activity(halted).attachments[1]
        assert chart.content_type == "image/png"
        assert chart.content_url.startswith("data:image/png;base64,iVBOR")  # a PNG

    asyncio.run(conversation())
