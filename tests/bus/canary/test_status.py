"""`canary status` as people read it: every step, a page at a time, shown in Slack."""

from __future__ import annotations

import pytest

from bots.slack.render import blocks
from shared.replies import Tone
from tests.support import NOW, MovingClock, run, run_deferred
from tests.support.deployments import canary_services, start_canary


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


def test_every_step_is_shown_a_page_at_a_time_the_latest_first(clock: MovingClock) -> None:
    # GIVEN a canary held and resumed six times by hand: 13 steps with its start
    services = canary_services(clock)
    canary = start_canary(services, "43")
    for i, verb in enumerate(("hold", "resume") * 6):
        # a trailing space each time: the test's correlation id is the text's, and a repeated
        # one would be answered once, as a redelivered task is
        text = f"canary {verb} {canary}" + " " * i
        assert not run_deferred(services, text, user="oli", channel="C-pay").failed
    # WHEN a viewer asks its status
    first = run(services, f"canary status {canary}", user="vic", channel="C-pay")
    # THEN the latest ten are shown, after a line saying how many earlier ones there are and how
    # to see them, in Slack too
    lines = first.text.splitlines()
    assert lines[0] == f"… 3 earlier (`sre canary status {canary} --page 2`)"
    assert len(lines) == 11
    assert lines[-1].endswith("resumed by @oli")  # who decided says it: no `: by hand`
    assert f"3 earlier (`sre canary status {canary} --page 2`)" in str(blocks(first))
    # AND the next page has the rest, the start first; a page past it says how many there are
    second = run(services, f"canary status {canary} --page 2", user="vic", channel="C-pay")
    assert len(second.text.splitlines()) == 3
    assert "started by @oli: 5% of traffic to version 43" in second.text.splitlines()[0]
    past = run(services, f"canary status {canary} --page 3", user="vic", channel="C-pay")
    assert past.failed
    assert past.title == f"{canary}'s history has 13 entries: pages 1 to 2, the latest first."
    # AND the usage is given, as for any page out of range
    assert "sre canary status ID [--page PAGE]" in past.text
    zero = run(services, f"canary status {canary} --page 0", user="vic", channel="C-pay")
    assert zero.failed and "sre canary status ID [--page PAGE]" in zero.text


def test_a_page_past_a_short_history_counts_its_entries_not_steps(clock: MovingClock) -> None:
    # GIVEN a canary held once: its history has 2 entries (while its card says step 1/4)
    services = canary_services(clock)
    canary = start_canary(services, "43")
    assert not run_deferred(services, f"canary hold {canary}", user="oli", channel="C-pay").failed
    # WHEN a page past it is asked
    past = run(services, f"canary status {canary} --page 3", user="vic", channel="C-pay")
    # THEN it says the history's entries and its one page, with the usage
    assert past.failed
    assert past.title == f"{canary}'s history has 2 entries: 1 page."
    assert "sre canary status ID [--page PAGE]" in past.text


@pytest.mark.parametrize(("verb", "state"), [("hold", "held"), ("rollback", "rolled back")])
def test_the_status_of_a_held_or_rolled_back_canary_is_an_answer_not_a_failure(
    clock: MovingClock, verb: str, state: str
) -> None:
    services = canary_services(clock)
    canary = start_canary(services, "43")
    assert not run_deferred(services, f"canary {verb} {canary}", user="oli", channel="C-pay").failed
    shown = run(services, f"canary status {canary}", user="vic", channel="C-pay")
    assert shown.tone is Tone.INFO
    assert not shown.failed
    assert f"version 43: {state}" in shown.title


def test_an_unknown_canary_is_answered_with_the_one_meant_or_the_teams_canaries(
    clock: MovingClock,
) -> None:
    services = canary_services(clock)
    empty = run(services, "canary status can-0a1b2c3d", user="vic", channel="C-pay")
    assert "Team payments has no canary `can-0a1b2c3d`: it has none yet" in empty.text
    canary = start_canary(services, "43")
    typo = canary[:-1] + ("0" if canary[-1] != "0" else "1")
    meant = run(services, f"canary status {typo}", user="vic", channel="C-pay")
    assert meant.failed
    assert f"Team payments has no canary `{typo}`. Did you mean `{canary}`?" in meant.text
    other = run(services, "canary promote can-abcdef99", user="oli", channel="C-pay")
    assert other.failed  # a decision on an unknown canary is answered at once, not queued
    assert f"its latest: {canary} (checkout-api version 43, running)." in other.text


def test_a_canary_is_named_by_its_service_and_version_wherever_it_is_said(
    clock: MovingClock,
) -> None:
    # GIVEN checkout-api's version 43 in canary
    services = canary_services(clock)
    canary = start_canary(services, "43")
    # WHEN another version is started on the same alias, and the team's canaries are listed
    second = run_deferred(
        services, "canary start checkout-api --version 51", user="oli", channel="C-pay"
    )
    listed = run(services, "canary list", user="vic", channel="C-pay")
    # THEN the refusal names the running canary as its card does, in Slack, id after
    said = "\n".join(b["text"]["text"] for b in blocks(second) if "text" in b)
    assert second.failed
    assert f"checkout-api version 43 ({canary}) is already running on" in said, said
    # AND the list says it the same way
    assert dict(listed.fields)[canary].startswith("checkout-api version 43: ")
