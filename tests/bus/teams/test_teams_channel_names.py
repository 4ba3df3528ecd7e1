"""In Teams, a reply about a channel names it as people know it (its name when the activity
carries it, else "this channel"), never by its conversation id. Real activity JSON through
botbuilder's Activity and our normalizer, answers as the Teams card shows them."""

from __future__ import annotations

import json
from typing import Any

from botbuilder.schema import Activity

from bots.msteams.normalize import from_activity
from bots.msteams.render import card
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.replies import Reply, Tone
from tests.support import NOW, MovingClock, memory_adapters
from tests.support.payloads import message_activity

ADMIN = "teams:REDACTED:REDACTED"
"""The recorded activity's sender (its aadObjectId in tenant REDACTED), made org admin."""


def _services() -> Services:
    return build(Settings(org_admins=(ADMIN,)), memory_adapters(MovingClock(NOW)))


def _in_channel(text: str, n: int, channel_name: str | None) -> dict[str, Any]:
    """The recorded activity, sent in a Teams channel (named, if `channel_name`)."""
    activity = message_activity(text=text)
    activity["id"] = f"1700000000{n:03d}"
    activity["conversation"] = {
        "isGroup": True,
        "conversationType": "channel",
        "tenantId": "REDACTED",
        "id": "19:pay@thread.tacv2",
    }
    channel: dict[str, Any] = {"id": "19:pay@thread.tacv2"}
    if channel_name:
        channel["name"] = channel_name
    activity["channelData"] = {**activity["channelData"], "channel": channel}
    return activity


def _say(services: Services, activity: dict[str, Any]) -> Reply:
    return services.bus.handle(from_activity(Activity().deserialize(activity)))


def _shown(reply: Reply) -> str:
    return json.dumps(card(reply))


def test_binding_a_named_teams_channel_names_it() -> None:
    services = _services()
    assert _say(services, _in_channel("team create payments", 1, "Payments")).tone is Tone.OK
    # WHEN its admin binds the channel "Payments" from inside it
    reply = _say(services, _in_channel("team bind --team payments", 2, "Payments"))
    # THEN the card names the channel, not its conversation id
    assert reply.tone is Tone.OK, reply
    assert "Channel Payments is bound to team payments" in _shown(reply)
    assert "19:pay" not in _shown(reply)
    # AND unbinding it twice names it too
    assert "Channel Payments is no longer bound" in _shown(
        _say(services, _in_channel("team unbind", 3, "Payments"))
    )
    again = _say(services, _in_channel("team unbind", 4, "Payments"))
    assert "Nothing to change: channel Payments is not bound to a team." in _shown(again)


def test_a_teams_channel_whose_name_the_activity_lacks_is_this_channel() -> None:
    services = _services()
    assert _say(services, _in_channel("team create payments", 1, None)).tone is Tone.OK
    reply = _say(services, _in_channel("team bind --team payments", 2, None))
    assert "This channel is bound to team payments" in _shown(reply)
    assert "19:pay" not in _shown(reply)
    again = _say(services, _in_channel("team bind --team payments", 3, None))
    assert "Nothing to change: this channel is already bound to team payments." in _shown(again)
