"""A team's answer in a channel bound to another team is shown to its caller only: teams never
see each other's data, even when a member of one runs a command in the other's channel."""

from __future__ import annotations

from shared.adapters.memory import InMemoryNotifier, InMemoryTaskQueue
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.identity.models import Platform
from shared.replies import Tone
from tests.support import NOW, MovingClock, run, run_deferred, setup_teams


def _services() -> Services:
    """Payments (channel C-pay) and search; sam, search's admin, is also a payments viewer."""
    settings = Settings(org_admins=("slack:T1:root",))
    services = for_memory(settings, clock=MovingClock(NOW), notifier=InMemoryNotifier())
    setup_teams(services)
    for text in (
        "team member add sam --role viewer --team payments",
        "team bind C-search --team search",
    ):
        assert not run(services, text).failed, text
    register = "service register web --sample checkout --team search"
    registered = run(services, register, user="sam")
    assert not registered.failed, registered
    return services


def test_a_teams_report_in_another_teams_channel_is_shown_to_its_caller_only() -> None:
    services = _services()
    # WHEN sam investigates search's service in payments' channel
    report = run_deferred(services, "investigate web --team search", user="sam", channel="C-pay")
    # THEN only sam sees it, told why
    assert report.tone is Tone.INFO
    assert report.ephemeral
    assert report.text.endswith("Shown only to you: this channel is bound to team payments.")


def test_in_its_own_channel_or_an_unbound_one_the_report_is_for_everyone_there() -> None:
    services = _services()
    for channel in ("C-search", "C-general"):
        report = run_deferred(
            services, "investigate web --team search", user="sam", channel=channel
        )
        assert report.tone is Tone.INFO
        assert not report.ephemeral, channel
        assert "Shown only to you" not in report.text


def test_a_terminal_is_not_told_its_answer_is_private_it_is_its_own_already() -> None:
    services = _services()
    listed = run(
        services, "service list --team search", user="sam", channel="C-pay", platform=Platform.LOCAL
    )
    assert listed.tone is Tone.INFO
    assert "Shown only to you" not in listed.text


def test_a_quick_answer_for_another_team_in_a_bound_channel_is_private_too() -> None:
    services = _services()
    listed = run(services, "service list --team search", user="sam", channel="C-pay")
    assert listed.ephemeral
    assert "bound to team payments" in listed.text


def test_in_teams_which_has_no_private_answers_it_is_refused_before_it_runs() -> None:
    services = _services()
    refused = run(
        services,
        "investigate web --team search",
        user="sam",
        channel="C-pay",
        platform=Platform.TEAMS,
    )
    assert refused.tone is Tone.USAGE
    assert refused.title.startswith("This conversation is bound to team payments")
    assert "in a chat with me" in refused.title
    assert isinstance(services.tasks, InMemoryTaskQueue)
    assert services.tasks.drain() == []  # nothing queued


def test_a_teams_task_whose_conversation_was_bound_to_another_team_meanwhile_is_not_shown() -> None:
    # GIVEN search's investigation asked for in Teams in an unbound conversation, then queued
    services = _services()
    asked = run(
        services,
        "investigate web --team search",
        user="sam",
        channel="C-new",
        platform=Platform.TEAMS,
    )
    assert asked.tone is Tone.ACCEPTED
    # WHEN the conversation is bound to payments before the worker runs it
    assert not run(services, "team bind C-new --team payments").failed
    assert isinstance(services.tasks, InMemoryTaskQueue)
    (task,) = services.tasks.drain()
    shown = services.run_task(task)
    # THEN Teams (which has no private messages) is told why, without search's result
    assert shown.title == "Not shown here: this conversation is now bound to team payments"
    assert "web" not in shown.text


def test_a_refusal_for_another_team_in_a_bound_channel_is_private_too() -> None:
    # a typo's "did you mean" names the other team's service: not for payments' channel
    services = _services()
    refused = run(services, "investigate wbe --team search", user="sam", channel="C-pay")
    assert refused.failed
    assert "Did you mean `web`?" in refused.text
    assert (refused.ephemeral, refused.private) == (True, True)
    assert "bound to team payments" in refused.text
