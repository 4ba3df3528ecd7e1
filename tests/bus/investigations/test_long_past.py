"""A team with more investigations than one read returns: `investigation list` lists its newest,
says there are more without a count it does not have, finds the open ones however old, and an
unknown id is answered from the newest ones without a made-up count."""

from __future__ import annotations

import pytest

from shared.adapters.memory import FixedClock, InMemoryInvestigationStore
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from tests.support import NOW, memory_adapters, run, setup_teams
from tests.support.incidents import past_investigation

PAST = 120
"""The team's past investigations (more than a list reads), all resolved but the oldest."""


@pytest.fixture
def team() -> Services:
    """Payments with checkout-api and PAST investigations of it."""
    store = InMemoryInvestigationStore()
    adapters = memory_adapters(FixedClock(NOW), investigations=store)
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    for name in ("checkout-api", "orders-api"):
        register = f"service register {name} --sample checkout"
        assert not run(services, register, user="oli", channel="C-pay").failed
    for n in range(PAST):
        store.save(past_investigation(n, days_ago=200))
    retired = past_investigation(PAST, days_ago=400).model_copy(
        update={"id": "inv-retired", "service": "billing-v1"}
    )
    store.save(retired)  # of a service no longer registered, older than any list reads
    return services


def test_the_list_says_more_without_a_count_and_finds_old_open_ones(team: Services) -> None:
    listed = run(team, "investigation list", user="vic", channel="C-pay")
    assert listed.title == "Investigations of team payments, newest first (at least 100)"
    assert [name for name, _ in listed.fields][:2] == ["inv-000077", "inv-000076"]
    assert listed.fields[-1] == ("90 more, and older", "`sre investigation list --limit 100`")
    widest = run(team, "investigation list --limit 100", user="vic", channel="C-pay")
    assert widest.fields[-1] == ("More", "older ones are not listed (a list reads the newest 100)")
    none = run(team, "investigation list --service orders-api", user="vic", channel="C-pay")
    assert none.title == "Team payments has no investigations of orders-api among its newest 100"
    # a service the team no longer has, investigated long ago, is not called unknown
    retired = run(team, "investigation list --service billing-v1", user="vic", channel="C-pay")
    assert retired.title == "Team payments has no investigations of billing-v1 among its newest 100"
    # AND the open ones are listed however old, counted exactly
    opened = run(team, "investigation list --status open", user="vic", channel="C-pay")
    assert opened.title == "Open investigations of team payments, newest first (1)"
    assert [name for name, _ in opened.fields] == ["inv-000000"]


def test_an_unknown_id_names_the_latest_and_more_without_a_count(team: Services) -> None:
    shown = run(team, "investigation show inv-abcdef", user="vic", channel="C-pay")
    assert "its latest: inv-000077 (checkout-api, resolved)" in shown.text, shown
    assert shown.text.endswith(" and more (`sre investigation list`)."), shown.text
    guessed = run(team, "investigation show inv-0000077", user="vic", channel="C-pay")
    assert "Did you mean `inv-000077`?" in guessed.text, guessed.text


@pytest.mark.parametrize(("past", "rest"), [(20, " and 15 more ("), (21, " and more (")])
def test_an_unknown_id_counts_the_rest_exactly_when_the_team_has_no_more_than_it_read(
    past: int, rest: str
) -> None:
    store = InMemoryInvestigationStore()
    services = build(
        Settings(org_admins=("slack:T1:root",)),
        memory_adapters(FixedClock(NOW), investigations=store),
    )
    setup_teams(services)
    for n in range(past):
        store.save(past_investigation(n, days_ago=200))
    shown = run(services, "investigation show inv-abcdef", user="vic", channel="C-pay")
    assert rest in shown.text, shown.text
