"""A game day starts in its creator's name only while they are an operator of the team: once
they are not, each run is skipped, said in the team's channel with what to do, and audited as
the scheduler. NOW is Sunday 22 Nov 2026, 09:30 UTC."""

from __future__ import annotations

from bots.slack.render import blocks
from shared.audit.models import StreamKey
from tests.support import NOW, ORG, MovingClock, channel_messages, records, run
from tests.support.chaos import chaos_of, chaos_services, schedule_game_day, ticks


def test_a_game_day_whose_creator_is_no_longer_an_operator_is_skipped_and_said() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock)
    game_day = schedule_game_day(services)
    # GIVEN its creator oli demoted to viewer of payments
    assert not run(services, "team role set oli viewer --team payments").failed
    # WHEN the scheduler ticks inside its window
    lines = ticks(services, clock, 3)
    # THEN nothing starts, and the skip is said once in the team's channel with what to do
    assert chaos_of(services).store.list_for(ORG, "payments") == []
    why = (
        "its creator @oli is no longer an operator of payments; "
        f"`sre chaos unschedule {game_day}` or schedule it again."
    )
    assert lines == [f"{game_day} skipped: {why}"]
    (said,) = [r for _, r in channel_messages(services) if "skipped" in r.title]
    assert said.text == why
    assert why.replace("`", "") in str(blocks(said)).replace("`", "")
    # AND it is audited as the scheduler
    audited = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    skips = [e for e in audited if e.command == f"chaos game day skipped {game_day}"]
    assert [e.actor.user for e in skips] == ["scheduler"]
