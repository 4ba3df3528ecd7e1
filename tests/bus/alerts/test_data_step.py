"""A series with a point every 5 minutes is judged on its own step, as CloudWatch judges an
alarm's period and Prometheus looks back for a sample: each point counts for its 5 minutes,
`for 5m` holds over the points that cover 5 minutes, `3 of 5` counts the series' last 5 points;
`alert create` refuses a duration shorter than the step, saying what would work."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from shared.adapters.memory import InMemoryNotifier
from shared.audit.models import StreamKey
from shared.bootstrap.wiring import Services
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, records, run, run_deferred, run_scheduler
from tests.support.alerting import alert_states, every, file_alerting, register_file, write_metrics

FIVE = timedelta(minutes=5)


def _five_minute_incident(tmp_path: Path, clock: MovingClock) -> Services:
    """Service `five` on a file with a point every 5 minutes: error rate 4% from 30 minutes
    before NOW, its rows going on 30 minutes past NOW (an exporter still writing)."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    rows = every(FIVE, start=NOW - timedelta(hours=2), end=NOW - timedelta(minutes=35), value=0.3)
    rows += every(FIVE, start=NOW - timedelta(minutes=30), end=NOW + timedelta(minutes=30), value=4)
    write_metrics(folder / "five.csv", [row for row in rows if row[0] <= NOW])
    services = file_alerting(folder, clock)
    register_file(services, "five", "five.csv")  # as written so far, then the rest
    write_metrics(folder / "five.csv", rows)
    return services


def _create(services: Services, name: str, when: str, options: str = "") -> str:
    text = f'alert create {name} --service five --when "{when}" {options}'
    reply = run(services, text, user="oli", channel="C-pay")
    assert reply.tone is Tone.OK, reply
    return reply.text


def test_a_for_5m_alert_on_five_minute_data_fires_after_5m_and_never_shows_no_data(
    tmp_path: Path,
) -> None:
    # GIVEN a 5-minute file whose error rate has been 4% for 30 minutes, and `for 5m` on it
    clock = MovingClock(NOW)
    services = _five_minute_incident(tmp_path, clock)
    _create(services, "e5", "error_rate > 2% for 5m")
    # WHEN the scheduler runs every minute for 8 minutes
    seen = []
    for minute in range(8):
        tick = run_scheduler(services, clock, minutes=1 if minute else 0)
        seen.append((alert_states(services)["e5"], dict(tick.fields)["Fired"]))
    # THEN each point counts for its 5 minutes: pending for 5m (never no data), then firing
    assert seen == [("pending", "none")] * 5 + [("firing", "e5"), ("firing", "none")] + [
        ("firing", "none")
    ], seen


def test_3_of_5_on_five_minute_data_counts_its_last_5_points_and_does_not_flap(
    tmp_path: Path,
) -> None:
    # GIVEN the same file and `3 of 5` on it
    clock = MovingClock(NOW)
    notifier = InMemoryNotifier()
    folder = tmp_path / "metrics"
    folder.mkdir()
    rows = every(FIVE, start=NOW - timedelta(hours=2), end=NOW + timedelta(minutes=30), value=4)
    write_metrics(folder / "five.csv", [row for row in rows if row[0] <= NOW])
    services = file_alerting(folder, clock, notifier)
    register_file(services, "five", "five.csv")  # as written so far, then the rest
    write_metrics(folder / "five.csv", rows)
    _create(services, "e5b", "error_rate > 2% 3 of 5")
    # WHEN the scheduler runs every minute for 12 minutes
    ticks = [run_scheduler(services, clock, minutes=1 if m else 0) for m in range(12)]
    # THEN it fires at once, and stays firing: never resolved, never fired again
    assert [dict(t.fields)["Fired"] for t in ticks] == ["e5b"] + ["none"] * 11
    assert {dict(t.fields)["Resolved"] for t in ticks} == {"none"}
    assert alert_states(services)["e5b"] == "firing"
    assert [reply.title for _, reply in notifier.posted] == ["FIRING five: e5b"]
    assert notifier.updated == []


def test_alert_test_on_five_minute_data_reads_the_latest_point_as_now(tmp_path: Path) -> None:
    # GIVEN `for 5m` on the 5-minute file, 3 minutes after its latest point
    clock = MovingClock(NOW + timedelta(minutes=3))
    services = _five_minute_incident(tmp_path, clock)
    _create(services, "e5", "error_rate > 2% for 5m")
    # WHEN someone tests it
    tested = run_deferred(services, "alert test e5", user="vic", channel="C-pay")
    # THEN the point of 09:30 is the one that counts now, with the series' step said
    assert tested.title == "Test of e5: it would become pending", tested.title  # never evaluated
    assert "Error rate now 4% (a point every 5m, each counted for 5m)" in tested.text, tested.text
    assert "no point" not in tested.text


def test_create_refuses_a_for_shorter_than_the_files_step_with_a_fix(tmp_path: Path) -> None:
    # GIVEN the 5-minute file
    services = _five_minute_incident(tmp_path, MovingClock(NOW))
    # WHEN an operator asks for `for 2m`, or to keep firing for 2m
    for when, options in (
        ("error_rate > 2% for 2m", ""),
        ("error_rate > 2%", "--keep-firing-for 2m"),
    ):
        text = f'alert create quick --service five --when "{when}" {options}'
        refused = run(services, text, user="oli", channel="C-pay")
        # THEN it is refused, naming the step and what would work
        said = f"{refused.title} {refused.text}"
        assert refused.tone is Tone.USAGE, refused
        assert "five.csv has a point every 5m" in said, said
        assert "2m` is shorter than that" in said, said
        assert "5m` or longer" in said, said
    # AND a policy whose durations fit is made, saying how its points count
    said = _create(services, "fits", "error_rate > 2% for 10m", "--keep-firing-for 5m")
    assert "five.csv has a point every 5m: each point counts for 5m" in said, said
    edit = 'alert edit fits --when "error_rate > 2% for 1m"'
    assert run(services, edit, user="oli", channel="C-pay").tone is Tone.USAGE


def test_an_escalation_of_a_steady_value_is_audited_at_the_tick_that_made_it(
    tmp_path: Path,
) -> None:
    # GIVEN a page on a one-minute file whose error rate is a steady 4% (its state and value
    # never change after it fires, so the alert is not saved again)
    clock = MovingClock(NOW)
    folder = tmp_path / "metrics"
    folder.mkdir()
    minute = timedelta(minutes=1)
    rows = every(minute, start=NOW - timedelta(hours=2), end=NOW + timedelta(minutes=30), value=4)
    write_metrics(folder / "flat.csv", [row for row in rows if row[0] <= NOW])
    services = file_alerting(folder, clock)
    register_file(services, "flat", "flat.csv")  # as written so far, then the rest
    write_metrics(folder / "flat.csv", rows)
    assert not run(services, "team bind C-search --team search", user="sam").failed
    text = (
        'alert create flat --service flat --when "error_rate > 2%" '
        "--escalate-after 5m --escalate-to search"
    )
    assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    # WHEN it fires, and five minutes later escalates
    first = run_scheduler(services, clock)
    escalated = run_scheduler(services, clock, minutes=5)
    assert dict(first.fields)["Fired"] == "flat"
    assert dict(escalated.fields)["Escalated"] == "flat"
    # THEN the escalation's entry is at that tick, after the firing's (before: at the minute
    # it last changed state, so the trail's times ran backwards; a newcomer's afternoon)
    entries = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    (fired,) = [e for e in entries if e.command == "alert fired flat"]
    (told,) = [e for e in entries if e.command == "alert escalated to search flat"]
    assert told.time - fired.time >= timedelta(minutes=5), (fired.time, told.time)


def test_alert_show_says_since_when_an_alert_has_had_no_data(tmp_path: Path) -> None:
    # GIVEN an alert on a file whose rows stopped 40 minutes before NOW
    clock = MovingClock(NOW)
    folder = tmp_path / "metrics"
    folder.mkdir()
    minute = timedelta(minutes=1)
    rows = every(minute, start=NOW - timedelta(hours=2), end=NOW - timedelta(minutes=40), value=1)
    write_metrics(folder / "gone.csv", rows)
    services = file_alerting(folder, clock)
    register_file(services, "gone", "gone.csv")
    create = 'alert create gone --service gone --when "error_rate > 2%"'
    assert run(services, create, user="oli", channel="C-pay").tone is Tone.OK
    # WHEN the scheduler runs now and 20 minutes later
    run_scheduler(services, clock)
    run_scheduler(services, clock, minutes=20)
    # THEN `alert show` says since when (before: "at the last evaluation (09:30 UTC)" twenty
    # minutes after a later one: the state is written only when it changes)
    shown = run(services, "alert show gone", user="vic", channel="C-pay")
    assert "No data to judge since 09:30 UTC" in shown.text, shown.text
