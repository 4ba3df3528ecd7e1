"""Metric series as `timestamp,value` CSV (NAB's format and `--metrics-file`), and their period."""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from shared.telemetry.detector import DetectorSettings, score_series

DAY = 86_400.0


@dataclass(frozen=True)
class Series:
    """Timestamps (as written) and values, in order."""

    stamps: list[str]
    times: list[datetime]
    values: list[float]

    def period(self) -> int | None:
        """Rows per day when the series spans at least three days at a steady step, else None."""
        if len(self.times) < 3:
            return None
        steps = [(b - a).total_seconds() for a, b in zip(self.times, self.times[1:], strict=False)]
        step = statistics.median(steps)
        span = (self.times[-1] - self.times[0]).total_seconds()
        if step <= 0 or span < 3 * DAY:
            return None
        rows = round(DAY / step)
        return rows if rows >= 4 else None


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))


def read_csv(handle: TextIO) -> Series:
    """A `timestamp,value` CSV (a header row first)."""
    reader = csv.reader(handle)
    header = [column.strip().lower() for column in next(reader, [])]
    if "timestamp" not in header or "value" not in header:
        raise ValueError("the first row must name the columns timestamp and value")
    t, v = header.index("timestamp"), header.index("value")
    rows = [row for row in reader if row]
    return Series(
        stamps=[row[t] for row in rows],
        times=[_time(row[t]) for row in rows],
        values=[float(row[v]) for row in rows],
    )


def write_scores(
    series: Series, handle: TextIO, *, settings: DetectorSettings | None = None
) -> None:
    """The detector contract: `timestamp,value,anomaly_score`, one row per input row."""
    scores = score_series(series.values, period=series.period(), settings=settings)
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(["timestamp", "value", "anomaly_score"])
    for stamp, value, score in zip(series.stamps, series.values, scores, strict=True):
        writer.writerow([stamp, _number(value), f"{score:.6f}"])


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)
