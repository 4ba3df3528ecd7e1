"""Investigations in the terminal, as a new user runs them on their own CSV: never a false
all-clear. Each case here was once answered "no significant change" above a chart that showed
the change (issue 12)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bots.cli import main
from shared.times import day

START = datetime(2026, 11, 22, 17, 32, tzinfo=UTC)
ON = "" if START.date() == datetime.now(UTC).date() else f"{day(START)} "
"""The files' day as a report read today writes it before a time (`Sun 22 Nov `)."""
COLUMNS = ("p50_latency", "p99_latency", "error_rate", "traffic", "saturation")
LEVELS = {"p50_latency": 120.0, "p99_latency": 380.0, "error_rate": 1.0, "traffic": 1000.0}
ALL_CLEAR = ("no significant change", "stayed within", "moved beyond")
Shape = Callable[[str, int], float]


def _steady(column: str, minute: int) -> float:
    return LEVELS.get(column, 40.0)


@pytest.fixture
def folder(home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The deployment's metrics folder (AUTOSRE_METRICS_DIR), after the terminal's first use."""
    metrics = tmp_path / "exports"
    metrics.mkdir()
    monkeypatch.setenv("AUTOSRE_METRICS_DIR", str(metrics))
    main(["whoami"])
    return metrics


def _write(
    path: Path,
    shape: Shape = _steady,
    *,
    minutes: int = 360,
    columns: tuple[str, ...] = COLUMNS,
    header: str | None = None,
    step: int = 1,
    holes: range = range(0),
) -> None:
    """Rows every `step` minutes from START, each `shape(column, minute)` with a little noise;
    none in the minutes `holes` (no data written as no rows, as the README says)."""
    rng = random.Random(12)
    rows = [header or ",".join(("timestamp", *columns))]
    for minute in (m for m in range(0, minutes, step) if m not in holes):
        at = START + timedelta(minutes=minute)
        cells = [f"{shape(c, minute) * (1 + rng.gauss(0, 0.03)):.4f}" for c in columns]
        rows.append(",".join((at.strftime("%Y-%m-%dT%H:%M:%SZ"), *cells)))
    path.write_text("\n".join(rows) + "\n")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """The status and answer of `sre ARGS…`: on stdout, or on stderr for a usage error."""
    capsys.readouterr()
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def _investigate(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    status, out = _run(capsys, "investigate", "web", *args)
    assert status == 0, out
    return out


def _registered(
    folder: Path, capsys: pytest.CaptureFixture[str], shape: Shape, **kw: int | range
) -> None:
    _write(folder / "web.csv", shape, **kw)  # type: ignore[arg-type]
    status, out = _run(capsys, "service", "register", "web", "--metrics-file", "web.csv")
    assert status == 0, out


def _error_spike(column: str, minute: int) -> float:
    """The error rate 13× its level in the file's last 30 minutes (from 23:02 UTC)."""
    return _steady(column, minute) * (13 if column == "error_rate" and minute >= 330 else 1)


@pytest.mark.parametrize(
    ("window", "since"),
    [
        ("5h", "2026-11-22T18:32"),
        ("6h", "2026-11-22T17:32"),
        ("1d", "2026-11-22T00:00"),
        ("10m", "2026-11-22T23:31"),  # only the file's last row is in the window
    ],
)
def test_an_error_spike_in_a_users_csv_is_reported_whatever_the_window(
    folder: Path, capsys: pytest.CaptureFixture[str], window: str, since: str
) -> None:
    # GIVEN six hours of one-minute rows whose error rate is 13× its level in the last 30 minutes
    _registered(folder, capsys, _error_spike)
    # WHEN it is investigated over 5 h (4 h of baseline before it), 6 h (none) or a day (none)
    out = _investigate(capsys, "--window", window, "--since", since)
    # THEN every window reports the spike from its onset, and none says all is well
    assert "• web: error rate 1" in out, out
    assert f"× baseline since {ON}23:02 UTC" in out, out
    assert not any(phrase in out for phrase in ALL_CLEAR), out
    if (
        window == "1d"
    ):  # the file covers 6 of its 24 hours: the finding first, then what was not judged
        lines = out.splitlines()
        assert lines.index("Could not judge:") > next(
            i for i, line in enumerate(lines) if line.startswith("1. error rate")
        )
        assert "traffic: partial data: 360 of 1,440 expected points in the window" in out


@pytest.mark.parametrize(("step", "rows", "onset"), [(5, 2, "23:22"), (1, 1, "23:31")])
def test_an_error_spike_in_the_latest_rows_is_reported_as_weak_not_as_steady(
    folder: Path, capsys: pytest.CaptureFixture[str], step: int, rows: int, onset: str
) -> None:
    # GIVEN six hours of rows every `step` minutes whose error rate is 13× in the last `rows`
    def latest(column: str, minute: int) -> float:
        spike = column == "error_rate" and minute >= 360 - rows * step
        return _steady(column, minute) * (13 if spike else 1)

    _registered(folder, capsys, latest, step=step)
    # WHEN the last two hours are investigated
    out = _investigate(capsys, "--window", "2h", "--since", "2026-11-22T21:32")
    # THEN the spike is the finding, as weak evidence, and nothing says all is well
    assert "• web: error rate 1" in out and f"× baseline since {ON}{onset} UTC" in out, out
    assert f"weak evidence: {rows} point" in out, out
    assert not any(phrase in out for phrase in ALL_CLEAR), out


def test_an_error_spike_running_now_is_reported_even_after_an_earlier_one_came_back(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN errors 13× for 10 minutes from 21:42 UTC (then back), and again from 23:02 UTC on
    def twice(column: str, minute: int) -> float:
        spike = column == "error_rate" and (250 <= minute < 260 or minute >= 330)
        return _steady(column, minute) * (13 if spike else 1)

    _registered(folder, capsys, twice)
    # WHEN the last two hours are investigated
    out = _investigate(capsys, "--window", "2h", "--since", "2026-11-22T21:32")
    # THEN the headline is the spike still running, not "recovered"; the earlier one is named
    headline = next(line for line in out.splitlines() if line.startswith("• web: "))
    assert "error rate 1" in headline and f"× baseline since {ON}23:02 UTC" in headline, out
    assert "recovered" not in headline, out
    assert f"it also rose {ON}21:42–21:52 UTC and came back" in out, out


def test_a_window_with_no_baseline_before_it_is_judged_against_its_start_and_says_so(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a three-hour file whose p99 latency jumps 5× after 90 minutes (at 19:02 UTC)
    def jump(column: str, minute: int) -> float:
        return _steady(column, minute) * (5 if column == "p99_latency" and minute >= 90 else 1)

    _registered(folder, capsys, jump, minutes=180)
    # WHEN the window is the whole file: nothing before it
    out = _investigate(capsys, "--window", "3h", "--since", "2026-11-22T17:32")
    # THEN the jump is found, and the report says what the baseline was
    assert f"• web: p99 latency 4.9× baseline since {ON}19:02 UTC" in out, out
    assert "the 4 h before the window had no data: judged against the earliest 20 points" in out


def test_errors_high_from_the_files_first_row_are_not_an_all_clear(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a file whose error rate is 13× its level from its first row until 18:02 UTC
    def early(column: str, minute: int) -> float:
        return _steady(column, minute) * (13 if column == "error_rate" and minute < 30 else 1)

    _registered(folder, capsys, early)
    # WHEN its first hour is investigated: nothing before it, so the baseline is its start
    out = _investigate(capsys, "--window", "1h", "--since", "2026-11-22T17:32")
    # THEN the fall back to normal at 18:02 is the finding, against the baseline it names
    assert f"• web: error rate 0.1× baseline since {ON}18:02 UTC" in out, out
    assert f"judged against the earliest 20 points, {ON}17:32–17:51 UTC" in out, out
    assert not any(phrase in out for phrase in ALL_CLEAR), out


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--window", "0m"), "`0m` is too short for --window: at least 1m"),
        (("--since", "2099-01-01T00:00"), "--since is in the future"),
    ],
)
def test_an_empty_or_future_window_is_refused_with_the_reason_not_an_all_clear(
    folder: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], reason: str
) -> None:
    _registered(folder, capsys, _error_spike)
    status, out = _run(capsys, "investigate", "web", *args)
    assert status == 2, out
    assert reason in out, out
    assert not any(phrase in out for phrase in ALL_CLEAR), out


def test_a_csv_whose_columns_name_no_signal_is_reported_as_no_data_for_every_signal(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a registered file, since rewritten with columns that are not the signals' names
    _registered(folder, capsys, _error_spike)
    _write(folder / "web.csv", columns=("latency_ms", "errors"))
    # WHEN it is investigated
    out = _investigate(capsys, "--window", "2h", "--since", "2026-11-22T21:00")
    # THEN the report says first that nothing could be judged, and why
    assert (
        "• Cannot judge web: no data for p50 latency, p99 latency, error rate, traffic, "
        f"saturation in {ON}21:00–23:00 UTC"
    ) in out, out
    assert not any(phrase in out for phrase in ALL_CLEAR), out


@pytest.mark.parametrize(
    ("options", "missing"),
    [(("--metric", "errors_total"), "errors_total"), (("--divide-by", "requests"), "requests")],
)
def test_a_signal_cannot_be_pointed_at_a_column_the_file_does_not_have(
    folder: Path, capsys: pytest.CaptureFixture[str], options: tuple[str, ...], missing: str
) -> None:
    # GIVEN a registered quiet file with the five signal columns
    _registered(folder, capsys, _steady)
    # WHEN the error rate is pointed at a column it does not have, or divided by one
    args = ("--metric", "traffic", *options) if options[0] == "--divide-by" else options
    status, out = _run(capsys, "service", "signal", "set", "web", "error_rate", *args)
    # THEN it is refused, naming the missing column and the ones the file has, and nothing changed
    assert status == 2, out
    assert f"web.csv has no column `{missing}`: its metric columns are p50_latency, " in out, out
    assert "(override)" not in _run(capsys, "service", "show", "web")[1]


def test_a_signal_whose_column_left_the_file_is_no_data(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a quiet file with an extra column, and the error rate pointed at it
    columns = (*COLUMNS, "errors_total")
    _write(folder / "web.csv", minutes=360, columns=columns)
    assert _run(capsys, "service", "register", "web", "--metrics-file", "web.csv")[0] == 0
    status, out = _run(
        capsys, "service", "signal", "set", "web", "error_rate", "--metric", "errors_total"
    )
    assert status == 0, out
    # WHEN the file is rewritten without that column, and investigated
    _write(folder / "web.csv", minutes=360)
    out = _investigate(capsys, "--window", "2h", "--since", "2026-11-22T21:00")
    # THEN the error rate is named as not judged, the others as steady, and no all-clear is given
    assert (
        "• web: p50 latency, p99 latency, traffic, saturation steady; no data for error rate in "
        f"{ON}21:00–23:00 UTC"
    ) in out, out
    assert f"error rate: no data in {ON}21:00–23:00 UTC" in out
    assert not any(phrase in out for phrase in ALL_CLEAR), out


def test_a_traffic_drop_to_a_fifth_for_30_minutes_is_reported_by_its_trough_and_duration(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN traffic that falls to 20% from 21:38 to 22:08 UTC
    def dip(column: str, minute: int) -> float:
        low = column == "traffic" and 246 <= minute < 276
        return _steady(column, minute) * (0.2 if low else 1)

    _registered(folder, capsys, dip)
    # WHEN a 2-hour window around it is investigated
    out = _investigate(capsys, "--window", "2h", "--since", "2026-11-22T20:30")
    # THEN the headline gives the trough, the duration and the recovery, in req/min
    assert f"• web: traffic fell to 0.2× baseline for 30 min, {ON}21:38–22:08 UTC, recovered" in out
    assert "(1,000 req/min → trough 191 req/min)" in out, out
    assert "anomaly score" not in out
    assert "confidence" not in out


def test_traffic_that_stopped_for_two_minutes_is_an_outage_not_steady(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN traffic at zero from 21:38 to 21:40 UTC (two rows: every request failed to arrive)
    def stopped(column: str, minute: int) -> float:
        gone = column == "traffic" and 246 <= minute < 248
        return 0.0 if gone else _steady(column, minute)

    _registered(folder, capsys, stopped)
    # WHEN a 2-hour window around it is investigated
    out = _investigate(capsys, "--window", "2h", "--since", "2026-11-22T20:30")
    # THEN it is reported as a change (before: "stayed within their baseline", since a change
    # took three points beyond the margin), weak for its length
    assert f"• web: traffic fell to 0× baseline for 2 min, {ON}21:38–21:40 UTC, recovered" in out
    assert "(1,000 req/min → trough 0 req/min); weak evidence: 2 points" in out, out
    assert not any(phrase in out for phrase in ALL_CLEAR), out


def test_every_request_failing_for_two_minutes_is_a_change_not_steady(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an error rate of 1% that is 90% from 21:38 to 21:40 UTC (two rows)
    def failing(column: str, minute: int) -> float:
        gone = column == "error_rate" and 246 <= minute < 248
        return 90.0 if gone else _steady(column, minute)

    _registered(folder, capsys, failing)
    # WHEN a 2-hour window around it is investigated
    out = _investigate(capsys, "--window", "2h", "--since", "2026-11-22T20:30")
    # THEN two points 10 margins or more from the baseline are a change on their own, weak for
    # their length (before: "stayed within their baseline": a change took three points)
    assert "• web: error rate rose to 9" in out, out
    assert f"× baseline for 2 min, {ON}21:38–21:40 UTC, recovered" in out, out
    assert "(1% → peak 9" in out and "weak evidence: 2 points" in out, out
    assert not any(phrase in out for phrase in ALL_CLEAR), out


def test_latency_that_fell_to_a_tenth_is_said_not_called_within_its_baseline(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN p99 latency that falls to a tenth from 21:30 UTC (a service answering at once with
    # errors its metrics do not count, or an exporter gone wrong), all else steady
    def fast(column: str, minute: int) -> float:
        return _steady(column, minute) * (0.1 if column == "p99_latency" and minute >= 238 else 1)

    _registered(folder, capsys, fast)
    # WHEN a 2-hour window over it is investigated
    out = _investigate(capsys, "--window", "2h", "--since", "2026-11-22T20:30")
    # THEN the fall is said, not counted as a change, and no all-clear mark is given (before:
    # "✓ no significant change … stayed within their baseline")
    assert f"• web: nothing rose, but p99 latency fell in {ON}20:30–22:30 UTC" in out, out
    assert f"p99 latency fell to 0.1× baseline since {ON}21:30 UTC (380 ms → 3" in out, out
    assert "P50 latency, error rate, traffic and saturation stayed within their baseline." in out
    assert "✓" not in out.split("• web")[1].splitlines()[0]


def test_a_fall_is_said_when_another_signal_has_no_column(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the same fall in a file with no saturation column (a signal with no data)
    def fast(column: str, minute: int) -> float:
        return _steady(column, minute) * (0.1 if column == "p99_latency" and minute >= 238 else 1)

    _registered(folder, capsys, fast, columns=COLUMNS[:4])  # type: ignore[arg-type]
    out = _investigate(capsys, "--window", "2h", "--since", "2026-11-22T20:30")
    # THEN the fall is said, and p99 latency is not called steady (before: "p50 latency, p99
    # latency, error rate, traffic steady … Judged steady: …, p99 latency, …")
    assert (
        "• web: p50 latency, error rate, traffic steady; nothing rose, but p99 latency fell; "
        f"no data for saturation in {ON}20:30–22:30 UTC"
    ) in out, out
    assert "No change in p50 latency, error rate, traffic; p99 latency fell. Could not" in out
    assert "Judged steady: p50 latency, error rate, traffic." in out
    assert f"p99 latency fell to 0.1× baseline since {ON}21:30 UTC (380 ms → 3" in out, out


def test_a_fall_beside_a_rise_is_said_in_the_report(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN errors at 30x and p99 latency at a tenth from 21:30 UTC (a service failing fast)
    def failing_fast(column: str, minute: int) -> float:
        after = minute >= 238
        rate = 30 if after and column == "error_rate" else 1
        return _steady(column, minute) * (0.1 if after and column == "p99_latency" else rate)

    _registered(folder, capsys, failing_fast)
    out = _investigate(capsys, "--window", "2h", "--since", "2026-11-22T20:30")
    # THEN the report has the rise as its finding and says the fall beside it (before: only
    # the page said it)
    assert "1. error rate 3" in out, out
    fell = out.split("Fell, not counted as a change:\n")[1].splitlines()[0]
    assert fell.startswith(f"p99 latency fell to 0.1× baseline since {ON}21:30 UTC (380 ms → 3")


def test_an_incident_still_under_way_heads_the_report_over_a_spike_that_came_back(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN errors at 30x from 21:38 to 21:50 UTC (back after), then p99 latency 3x from 22:32
    # UTC to the end; and (second file) the error rate itself 4x again from 22:32 UTC
    def two(column: str, minute: int) -> float:
        spike = column == "error_rate" and 246 <= minute < 258
        slow = column == "p99_latency" and minute >= 300
        return _steady(column, minute) * (30 if spike else 3 if slow else 1)

    def again(column: str, minute: int) -> float:
        spike = column == "error_rate" and 246 <= minute < 258
        up = column == "error_rate" and minute >= 300
        return _steady(column, minute) * (30 if spike else 4 if up else 1)

    _registered(folder, capsys, two)
    for shape, headline in (
        (two, "• web: p99 latency 3.0× baseline since {ON}22:32 UTC"),
        (again, "• web: error rate 4.0× baseline since {ON}22:32 UTC"),
    ):
        _write(folder / "web.csv", shape)
        # WHEN the two hours to 23:30 are investigated
        out = _investigate(capsys, "--window", "2h", "--since", "2026-11-22T21:30")
        # THEN the first line is the incident that goes on (before: the spike, "recovered"),
        # and the spike is still told
        assert headline.format(ON=ON) in out, out
        assert f"{ON}21:38–21:50 UTC" in out, out


def test_a_signal_with_negative_values_is_sized_by_its_difference_not_a_ratio(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a saturation column that is a signed offset: -20 for 5.5 hours, then +30
    def offset(column: str, minute: int) -> float:
        if column != "saturation":
            return _steady(column, minute)
        return 30.0 if minute >= 330 else -20.0

    _registered(folder, capsys, offset)
    # WHEN the last hour is investigated
    out = _investigate(capsys, "--window", "1h", "--since", "2026-11-22T22:32")
    # THEN the change is told as how far it rose, never as a negative multiple of the baseline
    assert f"• web: saturation 49.88 above baseline since {ON}23:02 UTC" in out, out
    assert "(-20.04% → 29.84%)" in out, out  # a file's saturation is % of capacity
    assert "× baseline" not in out, out


def test_a_huge_value_is_told_in_a_few_characters(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN p99 latency that jumps from 380 ms to 1e14 ms in the last half hour
    def absurd(column: str, minute: int) -> float:
        return 1e14 if column == "p99_latency" and minute >= 330 else _steady(column, minute)

    _registered(folder, capsys, absurd)
    # WHEN the last hour is investigated
    out = _investigate(capsys, "--window", "1h", "--since", "2026-11-22T22:32")
    # THEN its size and value read in a few words, not as dozens of digits (nor as 9.99e+13)
    headline = next(line for line in out.splitlines() if line.startswith("• web: "))
    assert f"p99 latency 264 billion× baseline since {ON}23:02 UTC" in headline, out
    assert "(379 ms → 99.9 trillion ms)" in out, out


def test_a_baseline_borrowed_across_midnight_is_dated(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN two days of hourly rows: the 4 h before a day's window hold only 4 of them
    _registered(folder, capsys, _steady, minutes=48 * 60, step=60)
    # WHEN the second day is investigated
    out = _investigate(capsys, "--window", "1d", "--since", "2026-11-23T00:00")
    # THEN the report dates the borrowed baseline, which runs from one day into the next (the
    # file's 7 rows before the window, all read, then the window's first 13)
    assert "the 4 h before the window had 4 points: judged against the earliest 20 points, " in out
    assert "points, Sun 22 Nov 17:32 – Mon 23 Nov 12:32 UTC" in out, out


@pytest.mark.parametrize(
    ("minutes", "holes", "said"),
    [
        (340, range(0), "no data after {}23:11 UTC"),  # the rows stop 20 min before the end
        (360, range(300, 320), "no data between {}22:31 and 22:52 UTC"),  # an outage, no rows
    ],
)
def test_a_window_with_20_minutes_without_rows_is_never_an_all_clear(
    folder: Path, capsys: pytest.CaptureFixture[str], minutes: int, holes: range, said: str
) -> None:
    # GIVEN a quiet file whose last 20 minutes of the window, or 20 in its middle, have no rows
    # (83% of the window's points: more than the 80% a window needs)
    _registered(folder, capsys, _steady, minutes=minutes, holes=holes)
    # WHEN the last two hours are investigated
    out = _investigate(capsys, "--window", "2h", "--since", "2026-11-22T21:32")
    # THEN the headline is no all-clear, and says where there is no data
    headline = next(line for line in out.splitlines() if line.startswith("• "))
    assert headline.startswith("• Cannot judge web: partial data ("), out
    assert said.format(ON) in headline, out
    assert not any(phrase in out for phrase in ALL_CLEAR), out


def test_errors_high_since_before_a_30_minute_window_are_found_where_they_began(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a six-hour file whose error rate is 12× for its last 150 minutes (from 21:02 UTC)
    def since(column: str, minute: int) -> float:
        return _steady(column, minute) * (12 if column == "error_rate" and minute >= 210 else 1)

    _registered(folder, capsys, since)
    # WHEN its last 30 minutes are investigated: 2 of the 4 h before them are the incident
    out = _investigate(capsys, "--window", "30m", "--since", "2026-11-22T23:02")
    # THEN the change is reported from 21:02, begun before the window, against the level before
    headline = next(line for line in out.splitlines() if line.startswith("• "))
    assert headline.startswith("• web: error rate 1"), out
    assert f"× baseline since {ON}21:02 UTC; the change began before this window" in headline
    assert f"hold a change that began {ON}21:02 UTC: judged against their level before it" in out
    assert not any(phrase in out for phrase in ALL_CLEAR), out


def test_a_crash_loop_of_traffic_at_zero_one_minute_in_seven_is_never_an_all_clear(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a six-hour file whose traffic is 0 one minute in seven for its last hour (from 22:32
    # UTC), at its level between: each minute alone too short to count as a change
    def crash_loop(column: str, minute: int) -> float:
        dropped = column == "traffic" and minute >= 300 and (minute - 300) % 7 == 0
        return 0.0 if dropped else _steady(column, minute)

    _registered(folder, capsys, crash_loop)
    # WHEN its last two hours are investigated
    out = _investigate(capsys, "--window", "2h", "--since", "2026-11-22T21:32")
    # THEN the drops are the change, counted, since the first
    headline = next(line for line in out.splitlines() if line.startswith("• "))
    assert headline.startswith(f"• web: traffic dropped to zero 9 times since {ON}22:32 UTC")
    assert not any(phrase in out for phrase in ALL_CLEAR), out
