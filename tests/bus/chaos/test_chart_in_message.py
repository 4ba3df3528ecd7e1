"""An experiment's one message carries its chart (faulted vs unfaulted share per minute), updated
in place with it at every step, shown inside the message as Slack renders it."""

from __future__ import annotations

import pytest

from bots.slack.render import blocks
from tests.support import NOW, MovingClock, channel_messages, notifier_of
from tests.support.chaos import chaos_services, start_experiment, ticks

BREAKING = 'checkout-api --fault error --expect "error_rate < 1%"'


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


def test_the_experiments_message_shows_its_chart_at_every_update(clock: MovingClock) -> None:
    services = chaos_services(clock)
    experiment = start_experiment(services, BREAKING)
    # GIVEN its first message, posted as the fault was injected: no whole minute to draw yet
    ((_, first),) = channel_messages(services)
    assert first.images == []
    # WHEN the scheduler runs until the breaking fault deviates and is rolled back
    assert ticks(services, clock, 10)[-1] == f"{experiment} ended: deviated"
    # THEN the one message was updated in place, each time with a chart of the minutes so far
    updated = notifier_of(services).updated
    assert updated and {where.message for where, _ in updated} == {"m1"}
    last = updated[-1][1]
    assert last.title == f"Chaos {experiment}: error on checkout-api: ended: deviated"
    (chart,) = last.images
    assert chart.inline and chart.png().startswith(b"\x89PNG")
    assert chart.title == (
        "checkout-api: faulted vs unfaulted share, per minute "
        "(error rates pooled since each step began, as they are judged)"
    )
    # AND Slack shows it inside the message (an image block of the uploaded file)
    shown = blocks(last, {chart.name: "F1"})
    images = [b for b in shown if b["type"] == "image"]
    assert images == [
        {
            "type": "image",
            "slack_file": {"id": "F1"},
            "alt_text": chart.title,
            "title": {"type": "plain_text", "text": chart.title},
        }
    ]
