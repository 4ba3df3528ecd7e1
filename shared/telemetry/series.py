"""Metric series as `timestamp,value` CSV (NAB's format and `--metrics-file`), and their period."""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO, TypeVar

from shared.telemetry.detector import DetectorSettings, score_series

DAY = 86_400.0
_T = TypeVar("_T")


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
    at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=UTC)  # UTC when it names no offset


LARGEST = 1e15
"""The largest magnitude a metric value may hold (a metrics file's cell, a row of `sre analyze
anomalies`): beyond any golden signal, and far from where the baseline's arithmetic and the
chart's axis overflow; a counter that wrapped (1.8e19) is refused, not scored."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def read_csv(handle: TextIO, *, source: str = "the file", column: str = "value") -> Series:
    """A `timestamp,value` CSV (a header row first; or the named `column` of a file with several,
    as a metrics file has), its rows scored in the order they come (NAB's contract: its own files
    have a row out of order here and there); a ValueError naming the row of `source` and what is
    wrong with it, in words (`row 13 (line 14) of f.csv: `abc` is not a number`)."""
    reader = csv.reader(handle)
    header = [name.strip().lower().removeprefix("\ufeff") for name in next(reader, [])]
    column = column.strip().lower()
    if column in ("", "timestamp", "event"):
        raise ValueError(f"--column names a column of values, not `{column or ' '}`")
    others = [name for name in header if name and name not in ("timestamp", "event")]
    if "timestamp" in header and column not in header and column != "value" and others:
        raise ValueError(  # `--column` named one the file does not have
            f"{source} has no column `{column}`; its columns are {', '.join(others[:10])}"
        )
    if "timestamp" not in header or column not in header:
        hint = (
            f"; its columns are {', '.join(others[:10])}: name one with --column"
            if others and "timestamp" in header
            else ""
        )
        raise ValueError(
            f"the first row of {source} must name the columns timestamp and {column}{hint}"
        )
    t, v = header.index("timestamp"), header.index(column)
    stamps, times, values = [], [], []
    for number, row in enumerate(reader, start=2):
        if not row:
            continue
        where = f"row {number - 1} (line {number}) of {source}"  # as a metrics file's are named
        if len(row) <= max(t, v):
            raise ValueError(f"{where} has no value: each row needs a timestamp and a value")
        at = _cell(
            _time, row[t], f"{where}: `{row[t][:40]}` is not a time like 2026-11-01T14:00:00"
        )
        stamps.append(row[t])
        times.append(at)
        cell = f"{where}, column `{header[v]}`"  # as a metrics file's cells are named
        value = _cell(
            _finite,
            row[v],
            f"{cell}: the cell is empty (leave the whole row out where there is no value)"
            if not row[v].strip()
            else f"{cell}: `{row[v][:40]}` is not a number",
        )
        if abs(value) > LARGEST:  # one such value would blind the detector to what follows
            raise ValueError(
                f"{cell}: `{row[v][:40]}` is out of range (a value is at most {LARGEST:g} "
                "either way)"
            )
        values.append(value)
    return Series(stamps=stamps, times=times, values=values)


def _cell(read: Callable[[str], _T], text: str, refusal: str) -> _T:
    try:
        return read(text)
    except ValueError:
        raise ValueError(refusal) from None


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
