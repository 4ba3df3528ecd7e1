"""Escalating an investigation: another team is asked in its channel and may then join it."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bots.slack.notifier import SlackNotifier
from bots.slack.render import blocks
from shared.adapters.memory import FixedClock, InMemoryInvestigationStore, InMemoryTaskQueue
from shared.audit.models import Outcome, StreamKey
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.investigations.ports import MAX_ASKED
from shared.replies import Reply, Tone
from tests.fakes.http_capture import capture_server
from tests.support import ORG, notifier_of, records, run, run_worker, setup_teams


def _send(services: Services, text: str, *, user: str, channel: str = "C-pay") -> Reply:
    """A command, run to the end whether it is answered at once or deferred."""
    reply = run(services, text, user=user, channel=channel)
    if reply.tone is not Tone.ACCEPTED:
        return reply
    (result,) = run_worker(services)
    return result


@pytest.fixture
def opened(services: Services) -> tuple[Services, Reply, str]:
    """Payments investigates its sample service; search has a responder (sue) and channel."""
    return _opened(services)


def _opened(services: Services) -> tuple[Services, Reply, str]:
    setup_teams(services)
    for text in (
        "team member add sue --role responder --team search",
        "team bind C-search --team search",
    ):
        assert not run(services, text).failed
    run(services, "service register checkout-api --sample checkout", user="oli", channel="C-pay")
    report = _send(services, "investigate checkout-api", user="rey")
    notifier_of(services).posted.clear()
    return services, report, dict(report.fields)["Investigation"].split()[0]


def test_escalating_asks_the_other_team_in_its_channel_and_lets_it_join(
    opened: tuple[Services, Reply, str],
) -> None:
    services, report, inv = opened
    # WHEN a responder clicks Escalate on the report and answers "search"
    escalate = next(b for b in report.buttons if b.label == "Escalate")
    reply = _send(services, escalate.with_answer("search"), user="rey")
    # THEN the report's thread is told, and search's channel gets the request with its buttons
    assert reply.tone is Tone.OK
    assert reply.title == f"{inv} escalated to team search"
    (asked_target, ask), (told_target, told) = notifier_of(services).posted
    assert (asked_target.channel, told_target.channel) == ("C-search", "C-pay")
    assert ask.title == f"Team payments asks team search for help with {inv}"
    assert "after deploy v42" in ask.text
    assert dict(ask.fields)["Page"].startswith("http")
    assert [b.label for b in ask.buttons] == ["Join", "Comment", "Show timeline"]
    assert told == reply
    # AND a responder of search joins from that message and comments; its viewer-level reads work
    join = next(b for b in ask.buttons if b.label == "Join")
    assert _send(services, join.command, user="sue", channel="C-search").tone is Tone.OK
    comment = next(b for b in ask.buttons if b.label == "Comment")
    said = _send(services, comment.with_answer("replica lag too"), user="sue", channel="C-search")
    assert said.tone is Tone.OK
    shown = _send(services, f"investigation show {inv}", user="sam", channel="C-search")
    assert dict(shown.fields)["Participants"] == "@rey, @sue"
    assert [line.split()[2] for line in shown.text.splitlines()] == [
        "opened:",
        "escalated:",
        "joined",
        "comment:",
    ]
    # BUT only the owner resolves it, and search sees nothing else of payments'
    refused = _send(services, f"investigation resolve {inv}", user="sue", channel="C-search")
    assert refused.tone is Tone.DENIED  # a refusal by team, audited `denied`
    assert "Only team payments" in refused.text
    judged = _send(services, f"investigation feedback {inv} wrong", user="sue", channel="C-search")
    assert judged.tone is Tone.DENIED, judged  # not "no such investigation"
    assert f"Only team payments, which owns {inv}, judges its narrative" in judged.text
    # AND search's list has payments' investigation it was asked to help with, saying whose
    listed = _send(services, "investigation list", user="sue", channel="C-search")
    assert listed.title == "Investigations of team search, newest first (1)"
    ((listed_id, line),) = listed.fields
    assert listed_id == inv
    assert line.startswith("open · checkout-api of team payments, asked to help · ")
    # AND search may not pass payments' investigation on to a team payments never chose
    passed = f"investigation escalate {inv} --to payments-ops"
    onward = run(services, passed, user="sam", channel="C-search")
    assert onward.failed and "Only team payments, which owns" in onward.text, onward
    # AND each refusal is in search's trail as denied, as a refusal by role is
    trail = records(services.audit_log, StreamKey(org=ORG, team="search"))
    denied = [e.command.split()[2] for e in trail if e.outcome is Outcome.DENIED]
    assert denied == ["resolve", "feedback", "escalate"]


def test_another_investigation_of_the_owner_stays_hidden_after_an_escalation(
    opened: tuple[Services, Reply, str],
) -> None:
    services, _, inv = opened
    _send(services, f"investigation escalate {inv} --to search", user="rey")
    other = _send(services, "investigate checkout-api --window 1h", user="rey")
    other_id = dict(other.fields)["Investigation"].split()[0]
    hidden = _send(services, f"investigation join {other_id}", user="sue", channel="C-search")
    assert hidden.title == "Not found"
    for status in ("", " --status open"):  # nor in search's list, which has the asked one only
        listed = _send(services, f"investigation list{status}", user="sue", channel="C-search")
        assert [i for i, _ in listed.fields] == [inv]
    owners = _send(services, "investigation list", user="rey")
    assert {i for i, _ in owners.fields} == {other_id, inv}  # the owner's own, unmarked
    assert all("asked to help" not in line for _, line in owners.fields)


def test_a_user_group_is_mentioned_in_the_thread(opened: tuple[Services, Reply, str]) -> None:
    services, _, inv = opened
    reply = _send(
        services,
        f'investigation escalate {inv} --group @S0DBONCALL --note "pool exhausted"',
        user="rey",
    )
    assert reply.title == f"{inv} escalated to @S0DBONCALL: pool exhausted"
    assert "@S0DBONCALL please have a look" in reply.text
    # in Slack the group id becomes a mention that notifies its members
    assert "<!subteam^S0DBONCALL> please have a look" in str(blocks(reply))
    ((target, _),) = notifier_of(services).posted  # only the thread, no other channel
    assert target.channel == "C-pay"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("--to nosuchteam", "There is no team `nosuchteam`"),
        ("--to payments", "already belongs to team payments"),
        ("--to identity", "Team identity has no channel to ask in"),
    ],
)
def test_an_escalation_that_cannot_be_delivered_says_why_and_changes_nothing(
    opened: tuple[Services, Reply, str], text: str, expected: str
) -> None:
    services, _, inv = opened
    assert not run(services, "team create identity").failed
    reply = _send(services, f"investigation escalate {inv} {text}", user="rey")
    assert reply.failed
    assert expected in reply.text
    shown = _send(services, f"investigation show {inv}", user="rey")
    assert "escalated" not in shown.text


def test_escalate_needs_a_team_or_a_group(opened: tuple[Services, Reply, str]) -> None:
    services, _, inv = opened
    reply = run(services, f"investigation escalate {inv}", user="rey", channel="C-pay")
    assert reply.tone is Tone.USAGE
    assert "--to TEAM, --group @GROUP or both" in reply.title + reply.text


def test_a_viewer_cannot_escalate(opened: tuple[Services, Reply, str]) -> None:
    services, _, inv = opened
    reply = run(services, f"investigation escalate {inv} --to search", user="vic", channel="C-pay")
    assert reply.tone is Tone.DENIED
    assert "responder" in reply.text + reply.title


def test_when_the_other_channel_refuses_the_post_nothing_is_escalated(
    clock: FixedClock,
) -> None:
    # GIVEN Slack's Web API refuses posts to search's channel (the bot is not in it)
    with capture_server({"ok": False, "error": "not_in_channel"}) as slack_api:
        refusing = SlackNotifier(WebClient(token="xoxb-test", base_url=slack_api.url))
        services = for_memory(
            Settings(org_admins=("slack:T1:root",)), clock=clock, notifier=refusing
        )
        setup_teams(services)
        run(services, "team bind C-search --team search")
        run(services, "service register api --sample checkout", user="oli", channel="C-pay")
        tasks = services.tasks
        assert isinstance(tasks, InMemoryTaskQueue)
        run(services, "investigate api", user="rey", channel="C-pay")
        (task,) = tasks.drain()
        inv = dict(services.bus.resume(task).fields)["Investigation"].split()[0]
        # WHEN the investigation is escalated to search
        run(services, f"investigation escalate {inv} --to search", user="rey", channel="C-pay")
        (task,) = tasks.drain()
        reply = services.bus.resume(task)
    # THEN the person is told it was not escalated, and search still cannot see it
    assert reply.failed
    assert "Could not post in #C-search of team search" in reply.text
    assert "not_in_channel" in reply.text
    assert run(services, f"investigation show {inv} --team search", user="sam").title == "Not found"


@pytest.mark.parametrize("answer", ["--force was wrong", "-- rolled back v42"])
def test_an_answer_typed_into_a_text_box_is_text_even_when_it_starts_like_an_option(
    opened: tuple[Services, Reply, str], answer: str
) -> None:
    services, report, inv = opened
    # WHEN a responder clicks Comment and types an answer that starts with dashes
    comment = next(b for b in report.buttons if b.label == "Comment")
    said = _send(services, comment.with_answer(answer), user="rey")
    # THEN it is the comment, word for word (not "has no option `--force was wrong`")
    assert said.tone is Tone.OK, said.title
    shown = _send(services, f"investigation show {inv}", user="rey")
    assert shown.text.splitlines()[-1].endswith(f"comment: {answer}")


def test_a_typo_in_the_team_asked_is_answered_at_once_not_queued(
    opened: tuple[Services, Reply, str],
) -> None:
    services, _, inv = opened
    before = len(records(services.audit_log, StreamKey(org=ORG, team="payments")))
    # WHEN a responder escalates to a team that does not exist (a typo)
    reply = run(services, f"investigation escalate {inv} --to serch", user="rey", channel="C-pay")
    # THEN the answer comes now, with the team meant, and nothing was queued or audited
    assert reply.tone is not Tone.ACCEPTED, reply.title
    assert "There is no team `serch`. Did you mean `search`?" in reply.text
    assert run_worker(services) == []
    assert len(records(services.audit_log, StreamKey(org=ORG, team="payments"))) == before


def test_an_investigation_asks_at_most_max_asked_teams(clock: FixedClock) -> None:
    store = InMemoryInvestigationStore()
    settings = Settings(org_admins=("slack:T1:root",))
    services, _, inv = _opened(for_memory(settings, clock=clock, investigations=store))
    found = store.get(ORG, inv)
    assert found is not None
    asked = [f"team-{n}" for n in range(MAX_ASKED)]
    store.save(found.model_copy(update={"shared_with": asked}))
    # WHEN payments asks one more team
    reply = run(services, f"investigation escalate {inv} --to search", user="rey", channel="C-pay")
    # THEN it is refused before anything is queued or posted, saying what to do instead
    assert reply.failed
    assert f"{inv} has asked {MAX_ASKED} teams already" in reply.text
    assert "--group" in reply.text
    assert not notifier_of(services).posted


def test_the_same_ask_again_changes_nothing_and_a_new_note_asks_again(
    opened: tuple[Services, Reply, str],
) -> None:
    services, _, inv = opened
    ask = f"investigation escalate {inv} --to search"
    # GIVEN search asked once, by rey
    assert _send(services, ask, user="rey").tone is Tone.OK
    notifier_of(services).posted.clear()
    # WHEN oli asks the same (a second click), at once (not queued) and after both were queued
    again = run(services, ask, user="oli", channel="C-pay")
    # THEN it is answered at once that nothing changes, and search's channel is not asked twice
    assert again.tone is Tone.INFO, again.title
    assert again.title.startswith(f"Nothing to change: {inv} was already escalated to team search")
    assert "(by @rey): a new note asks again." in again.title
    assert notifier_of(services).posted == []
    # AND two asks with a note queued before either ran ask once
    noted = f"{ask} replica lag on the primary"
    assert run(services, noted, user="oli", channel="C-pay").tone is Tone.ACCEPTED
    assert run(services, noted, user="ann", channel="C-pay").tone is Tone.ACCEPTED
    first, second = run_worker(services)
    assert first.tone is Tone.OK and second.title.startswith("Nothing to change:"), second.title
    assert f"{inv} was already escalated to team search, with the same note at " in second.title
    asked = [p for p in notifier_of(services).posted if p[0].channel == "C-search"]
    assert len(asked) == 1, asked


def test_a_member_of_the_owning_team_is_told_which_team_to_name(
    opened: tuple[Services, Reply, str],
) -> None:
    services, _, inv = opened
    # GIVEN rey, a member of payments and now of search too, in search's channel
    assert not run(services, "team member add rey --role responder --team search").failed
    # WHEN rey shows payments' investigation there, THEN the answer names the team to add
    shown = _send(services, f"investigation show {inv}", user="rey", channel="C-search")
    assert shown.title == "Not found"
    assert shown.text.endswith("it is team payments'. Add `--team payments`."), shown.text
    # AND sue (search only) is told only that search has no such investigation
    hidden = _send(services, f"investigation show {inv}", user="sue", channel="C-search")
    assert "payments" not in f"{hidden.title} {hidden.text}"
