"""When the data under a firing alert stops, the tick's summary, the audit trail and the channel
say the same: no data, not resolved (Grafana's NoData); when it comes back still breaching, the
alert goes on firing, neither resolved nor fired again. With `--missing ok`, missing data counts
as ok: it resolves, and all three say resolved."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from shared.adapters.memory import InMemoryNotifier
from shared.audit.models import StreamKey
from shared.bootstrap.wiring import Services
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, records, run, run_deferred, run_scheduler_at
from tests.support.alerting import alert_states, every, file_alerting, register_file, write_metrics

MINUTE = timedelta(minutes=1)


def _errors_until(folder: Path, end: timedelta) -> None:
    """web.csv: error rate 9% a minute apart from 30 minutes before NOW to `end` after it."""
    rows = every(MINUTE, start=NOW - 30 * MINUTE, end=NOW + end, value=9)
    write_metrics(folder / "web.csv", rows)


def _firing(
    tmp_path: Path,
    notifier: InMemoryNotifier,
    *options: str,
    clock: MovingClock | None = None,
    when: str = "error_rate > 2%",
) -> Services:
    """One policy on web.csv's error rate per `options` (`errors`, then `quiet`, …), fired
    together at NOW."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    _errors_until(folder, -MINUTE)
    services = file_alerting(folder, clock or MovingClock(NOW), notifier)
    register_file(services, "web", "web.csv")
    for name, extra in zip(("errors", "quiet"), options, strict=False):
        text = f'alert create {name} --service web --when "{when}" {extra}'
        assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK, text
    fired = run_scheduler_at(services, NOW)
    assert dict(fired.fields)["Fired"] == ", ".join(("errors", "quiet")[: len(options)])
    return services


def _scheduled(services: Services) -> list[str]:
    """What the audit trail says the scheduler did to payments' alerts, in order."""
    entries = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    return [e.command for e in entries if e.actor.user == "scheduler"]


def test_when_a_firing_alerts_data_stops_summary_audit_and_notice_all_say_no_data(
    tmp_path: Path,
) -> None:
    # GIVEN `errors` (missing data judged by the real points) and `quiet` (`--missing ok`) firing
    notifier, clock = InMemoryNotifier(), MovingClock(NOW)
    services = _firing(tmp_path, notifier, "", "--missing ok", clock=clock)
    # WHEN the file has no rows for the last minutes (the exporter stopped)
    clock.at = NOW + 10 * MINUTE
    tested = run_deferred(services, "alert test errors", user="vic", channel="C-pay")
    tick = run_scheduler_at(services, clock.at)
    # THEN `alert test` foretold it
    assert tested.title == (
        "Test of errors: it would show firing (no data), NOT resolved, and the firing message "
        "would say so"
    ), tested.title
    # AND the summary says errors has no data (not resolved), and quiet resolved
    fields = dict(tick.fields)
    assert (fields["No data"], fields["Resolved"], fields["Fired"]) == ("errors", "quiet", "none")
    # AND the audit trail says the same
    assert _scheduled(services) == [
        "alert fired errors",
        "alert fired quiet",
        "alert no data errors",
        "alert resolved quiet",
    ]
    # AND so does the firing message, updated in place, and the alerts' states
    (_, update) = notifier.updated[-1]
    assert update.title == "NO DATA web: errors", update.title
    errors, quiet = update.text.splitlines()
    assert errors.startswith("NO DATA, not judged resolved [page] errors:"), errors
    assert quiet.startswith("resolved [page] quiet:") and "now no data" in quiet, quiet
    assert update.tone is not Tone.OK
    assert alert_states(services) == {"errors": "firing (no data)", "quiet": "inactive (no data)"}


def test_a_firing_alert_whose_data_comes_back_breaching_is_neither_resolved_nor_fired_again(
    tmp_path: Path,
) -> None:
    # GIVEN `errors` firing, then its data stopped
    notifier = InMemoryNotifier()
    services = _firing(tmp_path, notifier, "")
    run_scheduler_at(services, NOW + 10 * MINUTE)
    # WHEN the exporter writes again, the error rate still high
    _errors_until(tmp_path / "metrics", 20 * MINUTE)
    tick = run_scheduler_at(services, NOW + 20 * MINUTE)
    # THEN it went on firing since it first fired: the summary and the audit say its data is
    # back, and nothing resolved or fired again
    fields = dict(tick.fields)
    assert (fields["Data back"], fields["Fired"], fields["Resolved"]) == ("errors", "none", "none")
    assert _scheduled(services) == [
        "alert fired errors",
        "alert no data errors",
        "alert data back errors",
    ]
    listed = dict(run(services, "alert list", user="vic", channel="C-pay").fields)
    assert listed["errors"].startswith("firing since 09:30 UTC"), listed
    # AND the one firing message says FIRING again, updated in place, never posted anew
    ((_, posted),) = notifier.posted
    assert posted.title == "FIRING web: errors"
    (updated_at, update) = notifier.updated[-1]
    assert update.title == "FIRING web: errors", update.title
    assert updated_at.message == "m1"  # the memory notifier's id of its first post
    assert alert_states(services) == {"errors": "firing"}


def test_an_m_of_n_alert_is_not_resolved_while_its_data_runs_out(tmp_path: Path) -> None:
    # GIVEN `3 of 5` firing on a file whose rows stop at NOW
    notifier = InMemoryNotifier()
    services = _firing(tmp_path, notifier, "", when="error_rate > 2% 3 of 5")
    # WHEN the scheduler runs every minute for the next 10 minutes
    ticks = [dict(run_scheduler_at(services, NOW + m * MINUTE).fields) for m in range(1, 11)]
    # THEN it is never resolved (its last points breached): once no point of its last 5 periods
    # is left to judge by, it is told as no data, once, and stays firing
    assert {t["Resolved"] for t in ticks} == {"none"}, ticks
    assert [t.get("No data") for t in ticks if "No data" in t] == ["errors"], ticks
    assert _scheduled(services) == ["alert fired errors", "alert no data errors"]
    assert alert_states(services) == {"errors": "firing (no data)"}
    assert [reply.title for _, reply in notifier.updated] == ["NO DATA web: errors"]


def test_a_firing_m_of_n_alert_whose_data_stops_after_one_ok_point_is_not_resolved(
    tmp_path: Path,
) -> None:
    # GIVEN `3 of 5` firing on a file whose error rate breached for 9 minutes, then had one
    # point below the threshold at NOW - 1m, and then no row at all (the exporter died)
    folder = tmp_path / "metrics"
    folder.mkdir()
    rows = every(MINUTE, start=NOW - 10 * MINUTE, end=NOW - 2 * MINUTE, value=9)
    rows.append((NOW - MINUTE, 1.0))
    write_metrics(folder / "web.csv", rows)
    notifier = InMemoryNotifier()
    services = file_alerting(folder, MovingClock(NOW), notifier)
    register_file(services, "web", "web.csv")
    create = 'alert create errors --service web --when "error_rate > 2% 3 of 5"'
    assert run(services, create, user="oli", channel="C-pay").tone is Tone.OK
    assert dict(run_scheduler_at(services, NOW).fields)["Fired"] == "errors"
    # WHEN the scheduler runs every minute for the next 8 minutes
    ticks = [dict(run_scheduler_at(services, NOW + m * MINUTE).fields) for m in range(1, 9)]
    # THEN it is never resolved: one real point below the threshold, the others missing, is
    # no all-clear (the missing points are not points below it); it stays firing, no data
    assert {t["Resolved"] for t in ticks} == {"none"}, ticks
    assert alert_states(services) == {"errors": "firing (no data)"}
    assert [reply.title for _, reply in notifier.updated] == ["NO DATA web: errors"]
    # AND once real points come back below the threshold, it resolves
    rows += every(MINUTE, start=NOW + 9 * MINUTE, end=NOW + 20 * MINUTE, value=0.5)
    write_metrics(folder / "web.csv", rows)
    later = [dict(run_scheduler_at(services, NOW + m * MINUTE).fields) for m in range(10, 16)]
    assert [t["Resolved"] for t in later if t["Resolved"] != "none"] == ["errors"], later


def test_alert_test_counts_the_points_its_judgement_counts(tmp_path: Path) -> None:
    # GIVEN `3 of 5` firing on a file whose rows stopped at NOW - 1m: 9% for 9 minutes, 1% last
    folder = tmp_path / "metrics"
    folder.mkdir()
    rows = every(MINUTE, start=NOW - 10 * MINUTE, end=NOW - 2 * MINUTE, value=9)
    rows.append((NOW - MINUTE, 1.0))
    write_metrics(folder / "web.csv", rows)
    clock = MovingClock(NOW + 2 * MINUTE)
    services = file_alerting(folder, clock)
    register_file(services, "web", "web.csv")
    create = 'alert create errors --service web --when "error_rate > 2% 3 of 5"'
    assert run(services, create, user="oli", channel="C-pay").tone is Tone.OK
    # WHEN someone tests it 2 minutes later (the range still holds 5 real points)
    tested = run_deferred(services, "alert test errors", user="vic", channel="C-pay")
    # THEN it counts the 5 latest real points the judgement counts, not the gaps
    first = tested.text.splitlines()[0]
    assert first == (
        "4 of the latest 5 points breach `error_rate > 2%` (it takes 3 of 5): the condition holds."
    ), first
