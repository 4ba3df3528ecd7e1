"""A change told in an investigation of several days carries its date when it began another day
than the window's end, and a change across midnight dates both ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.telemetry.analysis import headline
from shared.telemetry.models import Finding, LogEvidence, Signal

END = datetime(2026, 11, 30, 9, 10, tzinfo=UTC)


def _finding(onset: datetime, end: datetime | None = None, current: float = 4.0) -> Finding:
    return Finding(
        signal=Signal.ERROR_RATE,
        onset=onset,
        baseline=0.2,
        current=current,
        confidence=1.0,
        evidence="",
        end=end,
    )


def test_a_change_that_began_yesterday_says_its_day() -> None:
    began = END - timedelta(days=1, hours=1)
    assert headline(_finding(began), END) == "error rate 20.0× baseline since Sun 29 Nov 08:10 UTC"
    assert headline(_finding(END - timedelta(hours=1)), END).endswith("since 08:10 UTC")


def test_a_change_across_midnight_dates_both_ends() -> None:
    onset = datetime(2026, 11, 28, 23, 50, tzinfo=UTC)
    said = headline(_finding(onset, onset + timedelta(minutes=30), current=0.04), END)
    across = "Sat 28 Nov 23:50 \N{EN DASH} Sun 29 Nov 00:20 UTC"
    assert said.endswith(f"for 30 min, {across}, recovered"), said


def test_a_log_line_first_seen_yesterday_says_its_day() -> None:
    seen = LogEvidence(
        source="failed requests",
        text="503 POST /pay",
        window=412,
        baseline=0,
        first=END - timedelta(days=1),
    )
    assert seen.describe(END) == "503 POST /pay: 412 since Sun 29 Nov 09:10 UTC (none before)"
    assert seen.describe(END - timedelta(days=1)).endswith("since 09:10 UTC (none before)")
