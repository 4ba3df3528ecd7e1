"""A person investigating a service that has an open investigation: a new one is opened (they may
want another window), and the report names the open one, with a button to join it instead."""

from __future__ import annotations

from bots.slack.render import blocks
from shared.bootstrap.wiring import Services
from shared.replies import Reply
from tests.support import NOW, investigate, run, setup_teams


def _id(report: Reply) -> str:
    return dict(report.fields)["Investigation"].split()[0]


def test_a_second_investigation_of_a_service_names_the_open_one_and_offers_to_join_it(
    services: Services,
) -> None:
    # GIVEN checkout-api under investigation, opened by rey
    setup_teams(services)
    register = "service register checkout-api --sample checkout"
    assert not run(services, register, user="oli", channel="C-pay").failed
    first = _id(investigate(services, "investigate checkout-api"))
    # WHEN oli investigates it again
    second = investigate(services, "investigate checkout-api", user="oli")
    # THEN a new one is opened, and its report names the open one, who opened it and when
    assert _id(second) != first
    shown = str(blocks(second))
    assert (
        f"checkout-api already has an open investigation {first} (opened {NOW:%H:%M} UTC by "
        f"@rey): `sre investigation join {first}`"
    ) in shown
    # AND a button joins the open one
    join = [b for b in second.buttons if b.label == f"Join {first}"]
    assert [b.command for b in join] == [f"sre investigation join {first} --team=payments"]
    joined = run(services, join[0].command, user="oli", channel="C-pay")
    assert joined.title == f"@oli joined {first}"
    # AND both are open: the team's list shows two
    listed = run(services, "investigation list", user="oli", channel="C-pay")
    assert len(listed.fields) == 2


def test_a_person_cannot_say_an_alert_fired_into_an_open_investigation(
    services: Services,
) -> None:
    # GIVEN checkout-api under investigation
    setup_teams(services)
    register = "service register checkout-api --sample checkout"
    assert not run(services, register, user="oli", channel="C-pay").failed
    first = _id(investigate(services, "investigate checkout-api"))
    # WHEN a person names an alert, as only the scheduler does when one fires
    forged = investigate(services, "investigate checkout-api --alert p99-page", user="oli")
    # THEN it is refused, and the open investigation's timeline has no such alert
    assert forged.failed
    assert forged.title.startswith("--alert is given by the scheduler")
    shown = run(services, f"investigation show {first}", user="oli", channel="C-pay")
    assert "p99-page" not in str(blocks(shown))
