"""A team's long record of experiments, listed through the bus: `chaos list --all` shows the
newest 25, says how many more and how to narrow it (`--service`), and stays a message Slack
(50 blocks) and Teams take."""

from __future__ import annotations

import json
from datetime import timedelta

from bots.msteams.render import attachment
from bots.slack.render import blocks
from shared.bootstrap.wiring import Services
from shared.chaos.models import ExperimentOutcome, ExperimentState
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, run
from tests.support.chaos import an_experiment, chaos_of, chaos_services


def ended_experiments(services: Services, count: int, *, service: str = "checkout-api") -> None:
    """`count` halted experiments of payments on `service`, one started every minute since
    NOW (the newest last)."""
    for n in range(count):
        at = NOW + timedelta(minutes=n)
        chaos_of(services).store.save(
            an_experiment(
                id=f"chx-{service[:3]}{n:04x}",
                org=ORG,
                service=service,
                started_at=at,
                step_started_at=at,
                state=ExperimentState.ENDED,
                outcome=ExperimentOutcome.HALTED,
            )
        )


def test_a_long_record_lists_the_newest_25_says_how_many_more_and_how_to_narrow_it() -> None:
    services = chaos_services(MovingClock(NOW))
    # GIVEN 520 ended experiments of payments on checkout-api
    ended_experiments(services, 520)
    # WHEN a viewer lists them all
    listed = run(services, "chaos list --all", user="vic", channel="C-pay")
    # THEN the newest 25 are listed, newest first, then how many more and how to narrow it
    assert listed.tone is Tone.INFO, listed
    assert listed.title == "Experiments of payments, newest first (the newest 25 of 520)"
    assert [key for key, _ in listed.fields[:25]] == [
        f"chx-che{n:04x}" for n in range(519, 494, -1)
    ]
    assert listed.fields[25] == (
        "495 more",
        "older, not listed: narrow the list with `sre chaos list --all --service NAME`; "
        "`sre chaos status ID` shows any one",
    )
    assert len(listed.fields) == 26
    # AND Slack takes it (at most 50 blocks), as Teams does its card (well under 28 KB)
    assert len(blocks(listed)) <= 50
    assert len(json.dumps(attachment(listed))) < 8_000


def test_service_narrows_the_list_to_one_services_experiments() -> None:
    services = chaos_services(MovingClock(NOW))
    # GIVEN payments' record on checkout-api, and 3 experiments on orders-api
    ended_experiments(services, 40)
    ended_experiments(services, 3, service="orders-api")
    # WHEN a viewer lists orders-api's
    listed = run(services, "chaos list --all --service orders-api", user="vic", channel="C-pay")
    # THEN only those, every one, nothing said left out
    assert listed.title == "Experiments of payments on orders-api, newest first (3)"
    assert [key for key, _ in listed.fields] == ["chx-ord0002", "chx-ord0001", "chx-ord0000"]
    # AND with none under way there, the list under way says so
    none = run(services, "chaos list --service orders-api", user="vic", channel="C-pay")
    assert none.title == (
        "Team payments has no experiments on orders-api under way (`sre chaos list --all "
        "--service orders-api` for ended ones)"
    )
