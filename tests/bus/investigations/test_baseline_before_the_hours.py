"""A window whose 4 hours before hold too few points of a signal (a metrics file written hourly,
an exporter that was down) is judged against the last points before those hours, read from
further back, never against the window's own first points: they may be the change, and a
lasting 4× step was "within its baseline". An incident that ended in those hours is not the
level a new one is measured by; a fall to a third is said, never "within its baseline"."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bots.text import render_text
from shared.adapters.memory import InMemoryNotifier
from shared.bootstrap.memory import for_memory
from shared.config import Settings
from shared.identity.models import Platform
from shared.replies import Tone
from tests.support import MovingClock, run, run_deferred, setup_teams

FIRST = datetime(2026, 11, 20, tzinfo=UTC)
USUAL = {
    "p50_latency": 50,
    "p99_latency": 200,
    "error_rate": 0.5,
    "traffic": 1000,
    "saturation": 40,
}
Change = Callable[[str, datetime, float], float]


def _at(hours: float) -> datetime:
    return FIRST + timedelta(hours=hours)


MORNING = "--since 2026-11-20T06:00Z --window 2h"


def _report(
    tmp_path: Path,
    change: Change,
    *,
    window: str = MORNING,
    step: timedelta = timedelta(minutes=1),
    hours: float = 12,
    missing: Callable[[datetime], bool] = lambda _: False,
) -> str:
    """`window` of a file of `hours` of rows every `step` (3% noise, `change` applied, the rows
    `missing` left out), investigated as a responder would."""
    noise = random.Random(1)
    lines = ["timestamp," + ",".join(USUAL)]
    at = FIRST
    while at < _at(hours):
        if not missing(at):
            cells = [
                f"{change(k, at, v * (1 + noise.gauss(0, 0.03))):.4g}" for k, v in USUAL.items()
            ]
            lines.append(f"{at:%Y-%m-%dT%H:%M:%SZ}," + ",".join(cells))
        at += step
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "web.csv").write_text("\n".join(lines) + "\n")
    settings = Settings(org_admins=("slack:T1:root",), metrics_dir=folder)
    clock = MovingClock(FIRST + timedelta(days=13))
    services = for_memory(settings, clock=clock, notifier=InMemoryNotifier())
    setup_teams(services)
    register = "service register web --metrics-file web.csv"
    registered = run(services, register, user="oli", channel="C-pay", platform=Platform.LOCAL)
    assert registered.tone is Tone.OK, registered
    report = run_deferred(services, f"investigate web {window}", user="rey", channel="C-pay")
    assert report.tone is Tone.INFO, report
    return render_text(report)


def test_an_hourly_files_lasting_step_is_found_against_the_points_before_the_4_hours(
    tmp_path: Path,
) -> None:
    # GIVEN 10 days of hourly rows, errors 4× from day 8 at 06:00
    def step(signal: str, at: datetime, value: float) -> float:
        return value * 4 if signal == "error_rate" and at >= _at(8 * 24 + 6) else value

    # WHEN day 8 is investigated (its 4 h before hold 4 rows)
    text = _report(
        tmp_path,
        step,
        window="--since 2026-11-28T00:00Z --window 1d",
        step=timedelta(hours=1),
        hours=240,
    )
    # THEN the step is the finding, never an all-clear, judged against the last 20 rows before
    assert text.startswith("• web: error rate 4.0× baseline since Sat 28 Nov 06:00 UTC"), text
    assert "no significant change" not in text
    assert (
        "the 4 h before the window had 4 points: judged against the last 20 points before it, "
        "Fri 27 Nov 04:00–23:00 UTC"
    ) in " ".join(text.split()), text


def test_a_step_after_the_exporter_was_down_is_found_against_the_rows_before_it_stopped(
    tmp_path: Path,
) -> None:
    # GIVEN minute rows with none from 02:00 to 06:00 (the exporter was down), p99 4× from 06:10
    def step(signal: str, at: datetime, value: float) -> float:
        return value * 4 if signal == "p99_latency" and at >= _at(6 + 1 / 6) else value

    text = _report(tmp_path, step, missing=lambda at: _at(2) <= at < _at(6))
    # THEN the step is found where it began, against the last rows before the exporter stopped
    assert text.startswith("• web: p99 latency 4.0× baseline since Fri 20 Nov 06:10 UTC"), text
    assert "judged against the last 20 points before it, Fri 20 Nov 01:40–01:59 UTC" in text


def test_an_incident_that_ended_in_the_4_hours_is_not_the_baseline_of_a_new_one(
    tmp_path: Path,
) -> None:
    # GIVEN p99 5× from 02:00 to 04:15, then its usual, then 5× again 07:00-07:10
    def incidents(signal: str, at: datetime, value: float) -> float:
        hit = _at(2) <= at < _at(4.25) or _at(7) <= at < _at(7 + 1 / 6)
        return value * 5 if signal == "p99_latency" and hit else value

    text = _report(tmp_path, incidents)
    # THEN the new spike is the finding, measured from the level since the first one ended
    assert text.startswith(
        "• web: p99 latency rose to 5.1× baseline for 10 min, Fri 20 Nov 07:00–07:10 UTC"
    ), text
    assert "fell" not in text.split("\n", 1)[0]
    assert "hold a change that ended Fri 20 Nov 04:15 UTC: judged against their level since" in (
        " ".join(text.split())
    )


def test_latency_falling_to_a_third_is_said_never_within_its_baseline(tmp_path: Path) -> None:
    # GIVEN p99 at a third of its usual from 07:00
    def third(signal: str, at: datetime, value: float) -> float:
        return value / 3 if signal == "p99_latency" and at >= _at(7) else value

    text = _report(tmp_path, third)
    # THEN the fall is said, and p99 latency is not among the signals within their baseline
    assert "p99 latency fell to 0.3× baseline since Fri 20 Nov 07:00 UTC" in text, text
    assert "no significant change" not in text
    steady = next(line for line in text.splitlines() if "stayed within" in line)
    assert "p99" not in steady


def test_a_spike_whose_end_a_gap_hides_lasted_at_least_what_was_seen(tmp_path: Path) -> None:
    # GIVEN p99 4× from 07:00 to 07:10, then no rows until 07:40 (back to its usual)
    def spike(signal: str, at: datetime, value: float) -> float:
        hit = _at(7) <= at < _at(7 + 1 / 6)
        return value * 4 if signal == "p99_latency" and hit else value

    text = _report(tmp_path, spike, missing=lambda at: _at(7 + 1 / 6) <= at < _at(7 + 2 / 3))
    # THEN it lasted at least the 10 minutes seen, not the 40 until data came back
    assert text.startswith(
        "• web: p99 latency rose to 4.1× baseline for at least 10 min, Fri 20 Nov 07:00–07:10 "
        "UTC; no data until Fri 20 Nov 07:40 UTC, back then"
    ), text
    assert "40 min" not in text


def test_a_ramp_begun_before_the_window_has_one_onset_in_its_finding_and_baseline(
    tmp_path: Path,
) -> None:
    # GIVEN p99 climbing steadily from its usual at 03:00 to 4× at 09:00
    def ramp(signal: str, at: datetime, value: float) -> float:
        if signal != "p99_latency" or at < _at(3):
            return value
        return value * (1 + 3 * min(1.0, (at - _at(3)) / timedelta(hours=6)))

    text = " ".join(_report(tmp_path, ramp, window="--since 2026-11-20T07:00Z --window 2h").split())
    # THEN the finding's onset and the Baseline line's are the same moment
    since = text.split("p99 latency ", 1)[1].split(" since ", 1)[1][:20]
    began = text.split("hold a change that began ", 1)[1][:20]
    assert since.split(" UTC")[0] == began.split(" UTC")[0], text
