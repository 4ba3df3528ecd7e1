"""A metrics file whose data begins shortly before the window: its first rows are all the
baseline there is, and may be the incident itself. A fall from them is a change, said with why;
never "steady" or "no change" over a chart that shows errors falling tenfold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bots.text import render_text
from shared.adapters.memory import InMemoryNotifier
from shared.bootstrap.memory import for_memory
from shared.config import Settings
from shared.identity.models import Platform
from shared.replies import Tone
from tests.support import MovingClock, run, run_deferred, setup_teams

FIRST = datetime(2026, 11, 29, 0, 0, tzinfo=UTC)


def _file(folder: Path, rows: int, falls_at: int) -> None:
    """Errors at ~3% from the first row, ~0.3% from row `falls_at`; the rest steady."""
    lines = ["timestamp,p50_latency,p99_latency,error_rate,traffic,saturation"]
    for i in range(rows):
        at = FIRST + timedelta(minutes=i)
        errors = (3.0 if i < falls_at else 0.3) + (i % 3) * 0.01
        lines.append(f"{at:%Y-%m-%dT%H:%MZ},{40 + i % 3},{180 + i % 5},{errors},{1000 + i % 7},40")
    (folder / "early.csv").write_text("\n".join(lines) + "\n")


def _report(tmp_path: Path, window: str, rows: int = 120) -> str:
    folder = tmp_path / "metrics"
    folder.mkdir()
    _file(folder, rows=rows, falls_at=40)
    settings = Settings(org_admins=("slack:T1:root",), metrics_dir=folder)
    now = FIRST + timedelta(hours=9)
    services = for_memory(settings, clock=MovingClock(now), notifier=InMemoryNotifier())
    setup_teams(services)
    register = "service register early --metrics-file early.csv"
    registered = run(services, register, user="oli", channel="C-pay", platform=Platform.LOCAL)
    assert registered.tone is Tone.OK, registered
    report = run_deferred(services, f"investigate early {window}", user="rey", channel="C-pay")
    assert report.tone is Tone.INFO, report
    return render_text(report)


def test_a_tenfold_fall_from_the_files_first_rows_is_reported_with_why(tmp_path: Path) -> None:
    # GIVEN errors at 3% in the file's first 40 minutes, then 0.3%
    # WHEN a window from 00:30 is investigated (the 4 h before it had data only from 00:00)
    text = _report(tmp_path, "--since 2026-11-29T00:30Z --window 1h")
    # THEN the fall is a finding, and the baseline's note says why a fall counted
    assert "No change in error rate" not in text
    assert "Judged steady: error rate" not in text
    assert "error rate" in text.split("Baseline")[0]
    assert "had data only in 00:00–00:29 UTC" in text
    assert "a fall from them counted too" in text


def test_no_baseline_line_is_left_empty(tmp_path: Path) -> None:
    # GIVEN a window after 4 h of data, running past the file's last row (partial data)
    text = _report(tmp_path, "--since 2026-11-29T05:00Z --window 2h", rows=330)
    assert "partial data" in text
    # THEN no line of the report ends in a colon with nothing after it
    assert not [line for line in text.splitlines() if line.rstrip().endswith(":")], text


def test_the_report_names_the_metrics_file_never_its_path_on_the_server(tmp_path: Path) -> None:
    text = _report(tmp_path, "--since 2026-11-29T00:30Z --window 1h")
    assert "Service        early (metrics-file early.csv)" in text
    assert str(tmp_path) not in text


def test_a_file_with_no_row_near_the_window_says_when_its_rows_are(tmp_path: Path) -> None:
    # GIVEN a file of a past incident (00:00-01:59), investigated at 09:00 over the last hour
    text = _report(tmp_path, "")
    # THEN the report says nothing could be judged, and when the file's rows are
    assert text.startswith("• Cannot judge early: no data")
    assert (
        "early.csv has rows only in 00:00–01:59 UTC: name a window inside them, e.g. "
        "`sre investigate early --since 2026-11-29T00:00Z --window 2h`." in text
    )
