"""An anomaly alert on a level that lasts: the detector stops being surprised by an error rate
that stays 20x its baseline, but the alert does not resolve until the signal is back within
what it did in the hours before it fired (before, it resolved 35 minutes into the incident)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from shared.replies import Tone
from tests.support import NOW, MovingClock, run, run_scheduler
from tests.support.alerting import alert_states, file_alerting, register_file

MINUTE = timedelta(minutes=1)


def _write(path: Path, clock: MovingClock, *, since: int, until: int | None = None) -> None:
    """Six hours a minute apart up to now: error rate 0.3% (a little noise), about 6% from
    `since` minutes ago (to `until` minutes ago, if given)."""
    rows = ["timestamp,error_rate"]
    for i in range(360):
        ago = 359 - i
        high = since >= ago and (until is None or ago > until)
        value = 6.0 + (i % 3) * 0.1 if high else 0.3 + (i % 5) * 0.02
        rows.append(f"{(clock.at - MINUTE * ago).isoformat()},{value:g}")
    path.write_text("\n".join(rows) + "\n")


def test_an_anomaly_alert_stays_firing_while_the_new_level_lasts_and_resolves_after(
    tmp_path: Path,
) -> None:
    folder, clock = tmp_path / "metrics", MovingClock(NOW)
    folder.mkdir()
    path = folder / "errors.csv"
    _write(path, clock, since=10)
    services = file_alerting(folder, clock)
    register_file(services, "errors", "errors.csv")
    made = 'alert create odd --service errors --when "error_rate anomalous"'
    assert run(services, made, user="oli", channel="C-pay").tone is Tone.OK
    # GIVEN the alert fired 10 minutes into a 20x error rate
    run_scheduler(services, clock)
    assert alert_states(services)["odd"] == "firing"
    # WHEN the error rate stays there for two hours, the scheduler ticking every 10 minutes
    states = []
    for minutes in range(10, 130, 10):
        clock.at = NOW + MINUTE * minutes
        _write(path, clock, since=10 + minutes)
        run_scheduler(services, clock)
        states.append(alert_states(services)["odd"])
    # THEN it is firing throughout: never resolved while the level lasts
    assert set(states) == {"firing"}, states
    # WHEN the error rate is back to its baseline for a while
    clock.at += MINUTE * 30
    _write(path, clock, since=160, until=25)
    resolved = run_scheduler(services, clock)
    # THEN it resolves
    assert dict(resolved.fields)["Resolved"] == "odd", resolved
    assert alert_states(services)["odd"] == "inactive"
