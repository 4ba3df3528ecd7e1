"""The one message of something that changes: posted once into the team's channels, updated in
place after; a channel that refuses it does not stop the others."""

from __future__ import annotations

from shared.adapters.memory import InMemoryDirectory, InMemoryNotifier
from shared.identity.models import Platform
from shared.invocation import ReplyTarget
from shared.messages import channel_targets, post_or_update
from shared.replies import Reply, Tone
from tests.support import ORG, binding

FIRST = Reply(tone=Tone.ERROR, title="FIRING checkout-api")
LATER = Reply(tone=Tone.OK, title="RESOLVED checkout-api")


class _Refusing(InMemoryNotifier):
    """The memory notifier, refusing to post in one channel (the bot was removed from it)."""

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        if target.channel == "C-gone":
            raise PermissionError("not_in_channel")
        return super().post(target, reply, user=user)


def _directory(*channels: str) -> InMemoryDirectory:
    directory = InMemoryDirectory()
    for channel in channels:
        conversation = {"id": channel} if channel.startswith("19:") else None
        directory.bind(
            binding(channel, "payments", by="root").model_copy(
                update={"conversation": conversation}
            )
        )
    return directory


def test_the_first_time_it_is_posted_in_each_channel_of_the_team_then_updated_in_place() -> None:
    # GIVEN payments bound to a Slack channel and to a Teams channel with its conversation
    notifier = InMemoryNotifier()
    channels = channel_targets(_directory("C-pay", "19:pay"), ORG, "payments", Platform.TEAMS)
    assert [(t.channel, t.conversation) for t in channels] == [
        ("19:pay", {"id": "19:pay"}),
        ("C-pay", None),
    ]
    # WHEN it is told for the first time (no message yet)
    told = post_or_update(notifier, FIRST, message=None, channels=channels)
    # THEN it is posted once in each channel, and where each post is comes back
    assert [(t.channel, r.title) for t, r in notifier.posted] == [
        ("19:pay", FIRST.title),
        ("C-pay", FIRST.title),
    ]
    assert [t.message for t in told.where] == ["m1", "m2"] and told.failed == []
    # WHEN it is told again with the message it has
    again = post_or_update(notifier, LATER, message=told.where[0], channels=channels)
    # THEN that message is updated in place and nothing new is posted
    assert len(notifier.posted) == 2
    assert [(t.message, r.title) for t, r in notifier.updated] == [("m1", LATER.title)]
    assert again.where == [told.where[0]]


def test_a_channel_that_refuses_the_post_does_not_stop_the_others() -> None:
    # GIVEN a team with a channel the bot was removed from, and one it is in
    notifier = _Refusing()
    channels = channel_targets(_directory("C-gone", "C-pay"), ORG, "payments", Platform.SLACK)
    # WHEN it is told
    told = post_or_update(notifier, FIRST, message=None, channels=channels)
    # THEN it is posted where it can be, and the refusal is returned with the platform's error
    assert [t.channel for t, _ in notifier.posted] == ["C-pay"]
    assert [t.channel for t in told.where] == ["C-pay"]
    assert [(t.channel, str(e)) for t, e in told.failed] == [("C-gone", "not_in_channel")]


def test_a_message_never_posted_with_an_id_is_posted_again_not_updated() -> None:
    # GIVEN a message the platform gave no id for (it cannot be updated)
    notifier = InMemoryNotifier()
    nowhere = ReplyTarget(platform=Platform.SLACK, channel="C-pay")
    channels = channel_targets(_directory("C-pay"), ORG, "payments", Platform.SLACK)
    # WHEN it is told again THEN it is posted, never an update of nothing
    post_or_update(notifier, LATER, message=nowhere, channels=channels)
    assert notifier.updated == [] and [r.title for _, r in notifier.posted] == [LATER.title]
