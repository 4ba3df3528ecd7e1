"""Each firing gets its own notice, posted until it lands; every copy of a firing message (one per
bound channel) is updated in place with every alert it names; a silence mutes new notices, not
the update of a message already posted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from shared.adapters.memory import InMemoryNotifier
from shared.bootstrap.wiring import Services
from shared.invocation import ReplyTarget
from shared.replies import Reply, Tone
from tests.support import NOW, MovingClock, run, run_scheduler_at
from tests.support.alerting import alert_states, every, file_alerting, register_file, write_metrics

MINUTE = timedelta(minutes=1)


class Refusing(InMemoryNotifier):
    """Slack refusing every post while `down` (`not_in_channel`)."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        if self.down:
            raise RuntimeError("not_in_channel")
        return super().post(target, reply, user=user)


class Web:
    """web.csv's error rate, a point a minute, rewritten as the test goes."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "web.csv"
        self.rows = dict(every(MINUTE, start=NOW - 60 * MINUTE, end=NOW - MINUTE, value=0.5))
        self.write()

    def at(self, start: int, end: int, value: float) -> None:
        """`value` from `start` to `end` minutes after NOW."""
        for at, v in every(MINUTE, start=NOW + start * MINUTE, end=NOW + end * MINUTE, value=value):
            self.rows[at] = v
        self.write()

    def write(self) -> None:
        write_metrics(self.path, sorted(self.rows.items()))


def _alerting(
    tmp_path: Path, notifier: InMemoryNotifier, *whens: str
) -> tuple[Services, Web, MovingClock]:
    """Alerts on web.csv's error rate: `errors` (> 2%), then `errors-high`…, per `whens`."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    web = Web(folder)
    clock = MovingClock(NOW)
    services = file_alerting(folder, clock, notifier)
    register_file(services, "web", "web.csv")
    for name, when in zip(("errors", "errors-high"), whens or ("error_rate > 2%",), strict=False):
        text = f'alert create {name} --service web --when "{when}"'
        assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    return services, web, clock


def _tick(services: Services, clock: MovingClock, minute: int) -> dict[str, str]:
    clock.at = NOW + minute * MINUTE
    return dict(run_scheduler_at(services, clock.at).fields)


def _titles(told: list[tuple[ReplyTarget, Reply]]) -> list[str]:
    return [reply.title for _, reply in told]


def test_a_second_firing_whose_post_fails_is_posted_once_slack_takes_it(tmp_path: Path) -> None:
    # GIVEN `errors` fired, was told, and resolved
    notifier = Refusing()
    services, web, clock = _alerting(tmp_path, notifier)
    web.at(-5, 30, 9)
    assert _tick(services, clock, 0)["Fired"] == "errors"
    web.at(0, 30, 0.5)
    assert _tick(services, clock, 5)["Resolved"] == "errors"
    # WHEN it fires again while Slack refuses every post
    notifier.down = True
    web.at(5, 30, 9)
    fired = _tick(services, clock, 10)
    assert (fired["Fired"], fired["Problems"]) == ("errors", "web: could not post (not_in_channel)")
    # AND Slack takes posts again at the next tick
    notifier.down = False
    _tick(services, clock, 11)
    _tick(services, clock, 12)
    # THEN the second firing is posted then, once: a new firing is a new notice
    assert _titles(notifier.posted) == ["FIRING web: errors", "FIRING web: errors"]


def test_a_firing_during_a_silence_is_told_once_the_silence_ends(tmp_path: Path) -> None:
    # GIVEN `errors` fired, was told and resolved, then silenced for 10 minutes
    notifier = InMemoryNotifier()
    services, web, clock = _alerting(tmp_path, notifier)
    web.at(-5, 120, 9)
    _tick(services, clock, 0)
    web.at(0, 120, 0.5)
    _tick(services, clock, 5)
    clock.at = NOW + 6 * MINUTE
    assert (
        run(services, "alert silence errors --duration 10m", user="rey", channel="C-pay").tone
        is Tone.OK
    )
    # WHEN it fires again during the silence, and goes on firing after it
    web.at(7, 120, 9)
    assert _tick(services, clock, 8)["Fired"] == "errors (silenced: nobody told)"
    for minute in range(17, 20):
        _tick(services, clock, minute)
    # THEN the firing is told once the silence is over, once
    assert _titles(notifier.posted) == ["FIRING web: errors", "FIRING web: errors"]


def test_resolving_updates_the_firing_message_in_every_bound_channel(tmp_path: Path) -> None:
    # GIVEN payments bound to two channels, and `errors` fired into both
    notifier = InMemoryNotifier()
    services, web, clock = _alerting(tmp_path, notifier)
    assert not run(services, "team bind C-pay2 --team payments", user="ann", channel="C-pay").failed
    web.at(-5, 30, 9)
    _tick(services, clock, 0)
    assert sorted(str(t.channel) for t, _ in notifier.posted) == ["C-pay", "C-pay2"]
    # WHEN it resolves
    web.at(0, 30, 0.5)
    assert _tick(services, clock, 5)["Resolved"] == "errors"
    # THEN both channels' messages say so, each updated in place
    updated = sorted((t.channel, r.title) for t, r in notifier.updated)
    assert updated == [("C-pay", "RESOLVED web: errors"), ("C-pay2", "RESOLVED web: errors")]
    assert _titles(notifier.posted) == ["FIRING web: errors"] * 2


def test_acknowledging_one_alert_keeps_the_others_in_their_shared_message(tmp_path: Path) -> None:
    # GIVEN `errors` and `errors-high` fired together, in one message
    notifier = InMemoryNotifier()
    services, web, clock = _alerting(tmp_path, notifier, "error_rate > 2%", "error_rate > 5%")
    web.at(-5, 30, 9)
    _tick(services, clock, 0)
    assert _titles(notifier.posted) == ["FIRING web: errors, errors-high"]
    # WHEN someone acknowledges `errors`
    clock.at = NOW + 2 * MINUTE
    assert run(services, "alert ack errors", user="rey", channel="C-pay").tone is Tone.OK
    # THEN the message still names both, `errors` acknowledged
    ((_, update),) = notifier.updated
    assert update.title == "FIRING web: errors, errors-high", update.title
    lines = update.text.splitlines()
    assert len(lines) == 2 and "acknowledged by @rey" in lines[0], lines
    assert "errors-high" in lines[1] and "acknowledged" not in lines[1], lines


def test_an_alert_that_resolves_while_silenced_has_its_message_say_resolved(
    tmp_path: Path,
) -> None:
    # GIVEN `errors` fired and was told, then silenced for 10 minutes
    notifier = InMemoryNotifier()
    services, web, clock = _alerting(tmp_path, notifier)
    web.at(-5, 30, 9)
    _tick(services, clock, 0)
    clock.at = NOW + MINUTE
    assert (
        run(services, "alert silence errors --duration 10m", user="rey", channel="C-pay").tone
        is Tone.OK
    )
    # WHEN it resolves during the silence
    web.at(2, 90, 0.5)
    assert _tick(services, clock, 5)["Resolved"] == "errors"
    # THEN its message is updated to say so (a silence mutes new notices, not this update)
    assert _titles(notifier.updated) == ["RESOLVED web: errors"]
    assert _titles(notifier.posted) == ["FIRING web: errors"]
    assert alert_states(services) == {"errors": "inactive"}


def test_a_page_for_a_team_with_no_channel_is_a_problem_of_every_tick(tmp_path: Path) -> None:
    # GIVEN `errors` of payments, whose only channel is then unbound
    notifier = InMemoryNotifier()
    services, web, clock = _alerting(tmp_path, notifier)
    unbound = run(services, "team unbind C-pay", user="ann", channel="C-pay")
    # THEN the unbind warns that the team's alerts would be told nowhere
    assert unbound.tone is Tone.OK, unbound
    assert "payments has no channel left, so its alerts (errors) are told nowhere" in unbound.text
    # WHEN it fires, and the next ticks run
    web.at(-5, 30, 9)
    ticks = [_tick(services, clock, minute) for minute in range(3)]
    # THEN each tick says the page went nowhere, as it says of a post refused
    said = "web: could not post: team payments has no channel bound"
    assert all(said in t.get("Problems", "") for t in ticks), ticks
    assert notifier.posted == []
    # AND a policy made for the team now is warned of at once
    text = 'alert create slow --service web --when "p99_latency > 800ms" --team payments'
    made = run(services, text, user="oli", channel="C-pay")
    assert made.tone is Tone.OK, made
    assert "team payments has no channel bound, so slow would be told nowhere" in made.text


def test_an_escalation_says_the_value_of_its_latest_evaluation_as_now(tmp_path: Path) -> None:
    # GIVEN `errors` escalating to search after 15m, firing at 3%, then at 45% for 15 minutes
    notifier = InMemoryNotifier()
    folder = tmp_path / "metrics"
    folder.mkdir()
    web = Web(folder)
    clock = MovingClock(NOW)
    services = file_alerting(folder, clock, notifier)
    register_file(services, "web", "web.csv")
    assert not run(services, "team bind C-search --team search").failed
    text = (
        'alert create errors --service web --when "error_rate > 2%" '
        "--escalate-after 15m --escalate-to search"
    )
    assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    web.at(-5, 1, 3)
    web.at(2, 60, 45)
    # WHEN the scheduler runs every minute until it escalates
    ticks = [_tick(services, clock, minute) for minute in range(17)]
    assert [t["Escalated"] for t in ticks if t["Escalated"] != "none"] == ["errors"]
    # THEN the escalation says the value now, not the one it fired with
    (escalated,) = [r for _, r in notifier.posted if r.title.startswith("Escalated")]
    assert "now 45%" in escalated.text, escalated.text


def test_deleting_a_firing_alert_updates_its_message_and_ends_its_silences(
    tmp_path: Path,
) -> None:
    # GIVEN `errors` fired and was told, then silenced for 30 days
    notifier = InMemoryNotifier()
    services, web, clock = _alerting(tmp_path, notifier)
    web.at(-5, 60, 9)
    _tick(services, clock, 0)
    clock.at = NOW + MINUTE
    silence = "alert silence errors --duration 30d flaky"
    silenced = run(services, silence, user="rey", channel="C-pay")
    assert silenced.tone is Tone.OK
    ended = silenced.title.rsplit("(", 1)[1].rstrip(")")
    # WHEN it is deleted
    deleted = run(services, "alert delete errors", user="oli", channel="C-pay")
    # THEN its message says it is no longer watched, not FIRING
    assert deleted.tone is Tone.OK, deleted
    assert _titles(notifier.updated) == ["DELETED web: errors"]
    assert "no longer watched" in notifier.updated[0][1].text
    # AND the reply says what was deleted: a firing alert, its message, its silence
    assert deleted.text == (
        "It was firing since 09:30 UTC: nothing watches `error_rate > 2%` on web now.\n"
        "Its firing message now says it is deleted.\n"
        f"Its silences ended: {ended}."
    )
    # AND the silence list says who ended that silence, not that its maker did
    listed = run(services, "silence list", user="vic", channel="C-pay")
    assert dict(listed.fields)[ended] == (
        "expired · alert errors · ended 09:31 UTC by @oli · made by @rey: flaky"
    )
    # AND a new policy given its name is not muted by the old silence
    other = 'alert create errors --service web --when "p99_latency > 100ms"'
    assert run(services, other, user="oli", channel="C-pay").tone is Tone.OK
    assert _tick(services, clock, 2)["Fired"] == "errors"
    assert _titles(notifier.posted) == ["FIRING web: errors", "FIRING web: errors"]


def test_deleting_a_resolved_alert_says_its_last_message_not_a_firing_one(tmp_path: Path) -> None:
    # GIVEN `errors` fired, was told, then resolved
    notifier = InMemoryNotifier()
    services, web, clock = _alerting(tmp_path, notifier)
    web.at(-5, 2, 9)
    _tick(services, clock, 0)
    web.at(2, 90, 0.5)
    assert _tick(services, clock, 5)["Resolved"] == "errors"
    # WHEN it is deleted THEN its message is said to be its last, not its firing one
    deleted = run(services, "alert delete errors", user="oli", channel="C-pay")
    assert deleted.text == "Its last message now says it is deleted.", deleted
