"""A policy on a metrics file must read a column the file has: `alert create` and `alert edit`
refuse one it lacks as `service signal set` does, naming the columns it has; and a policy nobody
has evaluated yet says so, never `inactive` (which would claim its signal was judged fine)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from shared.adapters.memory import FixedClock
from shared.bootstrap.wiring import Services
from shared.replies import Tone
from tests.support import NOW, run, run_scheduler_at
from tests.support.alerting import alert_states, every, file_alerting, register_file, write_metrics

MINUTE = timedelta(minutes=1)


def _file(folder: Path, *, column: str) -> None:
    """nocol.csv: an hour of p99 latency a minute apart up to NOW, and `column` at 0.1."""
    write_metrics(
        folder / "nocol.csv",
        every(MINUTE, start=NOW - timedelta(hours=1), end=NOW - MINUTE, value=0.1),
        column=column,
    )


def _services(tmp_path: Path, *, column: str) -> Services:
    folder = tmp_path / "metrics"
    folder.mkdir()
    _file(folder, column=column)
    services = file_alerting(folder, FixedClock(NOW))
    register_file(services, "nocol", "nocol.csv")
    return services


def test_create_refuses_a_signal_whose_column_the_file_lacks(tmp_path: Path) -> None:
    # GIVEN a service whose file has p99_latency and traffic, no error_rate
    services = _services(tmp_path, column="traffic")
    # WHEN an operator makes a policy on its error rate
    text = 'alert create errs --service nocol --when "error_rate > 2% for 5m"'
    refused = run(services, text, user="oli", channel="C-pay")
    # THEN it is refused as `service signal set` refuses a column, naming the columns it has
    said = f"{refused.title} {refused.text}"
    assert refused.tone is Tone.USAGE, refused
    assert "nocol.csv has no column `error_rate`: its metric columns are p99_latency, traffic" in (
        said
    ), said
    assert "sre service signal set nocol error_rate --metric COLUMN" in said, said
    listed = run(services, "alert list", user="vic", channel="C-pay")
    assert listed.title == "Team payments has no alerts yet", listed
    # AND an edit to such a signal is refused too
    made = 'alert create slow --service nocol --when "p99_latency > 800ms"'
    assert run(services, made, user="oli", channel="C-pay").tone is Tone.OK
    edit = 'alert edit slow --when "error_rate > 2%"'
    assert "has no column `error_rate`" in run(services, edit, user="oli", channel="C-pay").title


def test_a_policy_not_evaluated_yet_says_so_rather_than_inactive(tmp_path: Path) -> None:
    # GIVEN policies on the file's error rate and latency, made before any scheduler run
    services = _services(tmp_path, column="error_rate")
    for text in (
        'alert create errs --service nocol --when "error_rate > 2%"',
        'alert create slow --service nocol --when "p99_latency > 800ms"',
    ):
        assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK, text
    # WHEN the file then loses its error rate, and people look before the scheduler runs
    _file(tmp_path / "metrics", column="")
    states = alert_states(services)
    shown = run(services, "alert show errs", user="vic", channel="C-pay")
    # THEN neither claims to be inactive: nothing was judged yet
    assert states == {"errs": "not evaluated yet", "slow": "not evaluated yet"}, states
    assert "State: not evaluated yet" in shown.text, shown.text
    # AND once evaluated, the one without data says no data and the judged one inactive
    run_scheduler_at(services, NOW)
    assert alert_states(services) == {"errs": "no data", "slow": "inactive"}
