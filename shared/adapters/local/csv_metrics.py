"""Metrics from a CSV file (`--metrics-file`): exported data and post-mortems.

The file has a `timestamp` column (ISO 8601; UTC when it names no offset), one column per metric
(`p99_latency`, `error_rate`, ...; at least one named after a golden signal) with a number in every
row, and optionally an `event` column naming what happened at that time (e.g. a deploy). Rows are in
time order, one per time.

A file is read only inside the deployment's metrics folder (after resolving symlinks and `..`),
only if it is a regular file (never a FIFO, a device or /proc), opened without blocking, at most
MAX_BYTES and MAX_ROWS; the same checks run when it is registered and at every read. Event text is
redacted and shortened before anyone sees it.
"""

from __future__ import annotations

import csv
import io
import math
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared.audit.redaction import redact
from shared.commands.free_text import shown
from shared.errors import InvalidCommandError, UnavailableError
from shared.replies import counted
from shared.telemetry import provider_calls
from shared.telemetry.models import Event, MetricQuery, Service, Signal
from shared.telemetry.ports import Points
from shared.telemetry.queries import signal_values
from shared.telemetry.series import LARGEST
from shared.telemetry.steps import step_of

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "metrics"
"""The metrics files bundled with a checkout (none in a deployment's bundle)."""

MAX_BYTES = 16 * 1024 * 1024
"""A metrics file's size limit (a year of one-minute rows of five signals is about 40 MB; a
post-mortem's weeks fit easily)."""
MAX_ROWS = 200_000
"""Rows read from one file (about 139 days of one-minute data)."""
STEP_ROWS = 100
"""The latest rows whose gaps give a file's step (what its alerts will read, not its history)."""
EVENT_LENGTH = 200
"""Characters of an `event` cell shown in a report."""
_RESERVED = ("timestamp", "event")
_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a folder",
    stat.S_IFSOCK: "a socket",
}


FIRST_YEAR, LAST_YEAR = 2000, 2099
"""The years a metrics file's times may be in: no window is read before 2000 (`EARLIEST`), and
a time near year 1 or 9999 is a typo that would overflow the window's arithmetic."""


@dataclass(frozen=True)
class Row:
    """One line of a metrics file: its time, its numbers by column, its event text."""

    time: datetime
    values: dict[str, float]
    event: str


def _time(text: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # (year 1 at +01:00 is before year 1 in UTC)
        raise ValueError(
            f"{where}, column `timestamp`: {_shown(text)} is not an ISO 8601 time "
            "(like 2026-11-22T09:30:00Z)"
        ) from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(
            f"{where}, column `timestamp`: {_shown(text)} is in the year {moment.year}: "
            f"a metrics file's times are in {FIRST_YEAR} to {LAST_YEAR}"
        )
    return moment


SIGNAL_COLUMNS = {
    "p50_latency": "milliseconds",
    "p99_latency": "milliseconds",
    "error_rate": "a percentage",
    "traffic": "requests a minute",
}
"""The signals' own columns that are never below 0, and their units (saturation may be a signed
offset, and a column under another name is read as it is: `signal set` may point a signal at
anything)."""


def _number(text: str, where: str, column: str) -> float:
    if not text.strip():
        raise ValueError(
            f"{where}, column {_shown(column)}: the cell is empty (every metric cell needs a "
            "number; leave the whole row out where there is no data)"
        )
    try:
        value = float(text) if "_" not in text else math.nan  # Python's `1_000`: no CSV's number
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"{where}, column {_shown(column)}: {_shown(text)} is not a number")
    if abs(value) > LARGEST:
        raise ValueError(
            f"{where}, column {_shown(column)}: {_shown(text)} is out of range (a metric cell "
            f"is at most {LARGEST:g} either way)"
        )
    if value < 0 and column in SIGNAL_COLUMNS:
        raise ValueError(
            f"{where}, column {_shown(column)}: {_shown(text)} is negative ({column} is "
            f"{SIGNAL_COLUMNS[column]}, never below 0)"
        )
    if value > 100 and column == "error_rate":
        raise ValueError(
            f"{where}, column `error_rate`: {_shown(text)} is over 100 (error_rate is the "
            "percentage of requests that failed, 0 to 100)"
        )
    return value


def _shown(cell: str) -> str:
    """A cell (or a column's name) quoted in an error: short, redacted, printable."""
    return "`" + redact("".join(ch for ch in cell.strip()[:40] if ch.isprintable())) + "`"


def event_text(cell: str) -> str:
    """An `event` cell as a report shows it: one line, printable, secrets masked, shortened."""
    text = redact(" ".join("".join(ch if ch.isprintable() else " " for ch in cell).split()))
    return text if len(text) <= EVENT_LENGTH else text[: EVENT_LENGTH - 1] + "…"


def _name(cell: str) -> str:
    """A column's name: trimmed; `Timestamp` or `P99_Latency` read as the names we know."""
    name = cell.strip()
    return name.lower() if name.lower() in {*_RESERVED, *Signal} else name


def _columns(header: list[str]) -> list[str]:
    names = [_name(cell) for cell in header]
    separator = next((sep for sep in ";\t|" if len(names) == 1 and sep in names[0]), None)
    if separator:
        raise ValueError(
            f"its first line has no comma: its columns are separated by {separator!r}, and a "
            "metrics file separates them with commas"
        )
    if "timestamp" not in names:
        raise ValueError(
            "its first line must name the columns, one of them `timestamp` "
            f"(then metrics such as {', '.join(Signal)}, and optionally `event`)"
        )
    for number, name in enumerate(names, 1):
        if not name:
            raise ValueError(f"column {number} of the first line has no name")
        if names.count(name) > 1:
            raise ValueError(f"the first line names column {_shown(name)} twice")
    if not [n for n in names if n not in _RESERVED]:
        raise ValueError(f"it has no metric column (such as {', '.join(Signal)})")
    return names


def _in_order(rows: list[Row], row: Row, where: str) -> None:
    """ValueError unless `row` comes after the row before it (a series reads in time order)."""
    if not rows or row.time > rows[-1].time:
        return
    problem = "repeats the time of" if row.time == rows[-1].time else "is earlier than"
    raise ValueError(
        f"{where}, column `timestamp`: {row.time.isoformat()} {problem} the row before it "
        f"({rows[-1].time.isoformat()}); a file has one row per time, oldest first"
    )


def _row(names: list[str], cells: list[str], where: str) -> Row:
    if len(cells) != len(names):
        raise ValueError(
            f"{where} has {counted(len(cells), 'cell')}; the first line names {len(names)}"
        )
    record = dict(zip(names, cells, strict=True))
    return Row(
        time=_time(record["timestamp"], where),
        values={n: _number(v, where, n) for n, v in record.items() if n not in _RESERVED},
        event=event_text(record.get("event", "")),
    )


def parse(text: str, *, max_rows: int = MAX_ROWS) -> list[Row]:
    """The rows of a metrics file; ValueError naming the row and column of the first problem."""
    reader = csv.reader(io.StringIO(text), strict=True)
    number, line = 0, 1  # the row being read, and the line it began on
    try:
        names = _columns(next(reader, []))
        rows: list[Row] = []
        for number, cells in enumerate(reader, 1):
            if number > max_rows:
                raise ValueError(f"it has more than {max_rows:,} rows")
            line = reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            where = f"row {number} (line {reader.line_num})"
            row = _row(names, cells, where)
            _in_order(rows, row, where)
            rows.append(row)
    except csv.Error as error:
        if "unexpected end of data" in str(error):  # every line after it would be one cell
            raise ValueError(
                f'row {number + 1} (line {line}): a quote (") opened there is never closed; '
                "close it, or leave quotes out"
            ) from None
        raise ValueError(f"line {reader.line_num} is not CSV ({error})") from None
    return rows


def check(text: str, *, max_rows: int = MAX_ROWS) -> None:
    """ValueError unless `text` is a metrics file a service can read: valid rows, and at least
    one column named after a golden signal (others are read only once a signal points at them)."""
    rows = parse(text, max_rows=max_rows)
    if not rows:
        raise ValueError("it has no rows of data under its first line")
    if not set(rows[0].values) & set(Signal):
        found = ", ".join(f"`{name}`" for name in rows[0].values)
        raise ValueError(
            f"none of its columns ({found}) is a golden signal: the accepted columns are "
            f"`timestamp`, at least one of {', '.join(Signal)}, and optionally `event` (other "
            "columns are read once `sre service signal set` points a signal at them)"
        )


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def read_bounded(path: Path, *, limit: int = MAX_BYTES) -> str:
    """The text of the regular file at `path` (no symlink at its end), at most `limit` bytes.

    Opened without blocking, so a FIFO is refused rather than waited on."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise ValueError("there is no such file") from None
    except OSError as error:
        raise ValueError(f"it cannot be opened ({error.strerror})") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):  # checked before fdopen, which refuses a folder with a traceback
        os.close(descriptor)
        raise ValueError(f"it is {_kind(mode)}: only regular files are read")
    with os.fdopen(descriptor, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"it is larger than {limit:,} bytes, the limit for a metrics file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"it is not UTF-8 text (byte {error.start})") from None


class CsvMetricsSource:
    """Reads the service's file (its resource) and keeps the rows inside the window; admits
    files into the catalog (the MetricsFiles port)."""

    def __init__(
        self, folder: Path | None = None, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
    ) -> None:
        self._folder = folder
        self._max_bytes = max_bytes
        self._max_rows = max_rows
        self.calls = 0

    def _root(self, *, named: bool) -> Path:
        """The metrics folder, resolved; ValueError if there is none. `named`: the error says
        where it was looked for (for the terminal alone: chat never sees a server's paths)."""
        if self._folder is None:
            raise ValueError("this deployment reads no metrics files")
        folder = self._folder.expanduser().resolve()
        if not folder.is_dir():
            where = f" {folder}" if named else ""
            raise ValueError(
                f"the metrics folder{where} does not exist: create it (or set "
                "AUTOSRE_METRICS_DIR to the folder that holds the file) and put the file there"
            )
        return folder

    def _inside(self, path: str, *, named: bool = False) -> Path:
        """`path` (relative to the folder, or absolute) resolved; ValueError if it is outside."""
        folder = self._root(named=named)
        resolved = (folder / Path(path).expanduser()).resolve()
        if not resolved.is_relative_to(folder):
            where = f" {folder}" if named else ""  # named by the terminal; read for chat too
            raise ValueError(
                f"it is outside the metrics folder{where} (symlinks and `..` resolved): "
                "copy the file into that folder"
            )
        if named and not os.path.lexists(resolved):
            bundled = EXAMPLES / Path(path).name
            here = Path(path).expanduser()  # named in a terminal: the folder it runs in
            copy = (
                f": it is a bundled example, copied there with `cp {bundled} {folder}/`"
                if bundled.is_file()
                else f": copy it there with `cp {path} {folder}/`, then register it by its name"
                f" (`{here.name}`)"
                if here.is_file() and not here.is_absolute()
                else ""
            )
            raise ValueError(f"there is no such file in the metrics folder {folder}{copy}")
        return resolved

    def _rows(self, path: str) -> list[Row]:
        return parse(
            read_bounded(self._inside(path), limit=self._max_bytes), max_rows=self._max_rows
        )

    def admit(self, path: str) -> str:
        """The file's absolute path, once read and valid; InvalidCommandError saying why not."""
        try:
            resolved = self._inside(path, named=True)  # only the terminal registers a file
            check(read_bounded(resolved, limit=self._max_bytes), max_rows=self._max_rows)
        except ValueError as error:
            # the path as typed, short and its secrets masked, as every error repeats input
            said = shown(path)
            raise InvalidCommandError(f"Cannot use `{said}` as a metrics file: {error}.") from None
        return str(resolved)

    def columns(self, path: str) -> list[str]:
        """The metric columns the file's first line names now; InvalidCommandError if unreadable."""
        try:
            text = read_bounded(self._inside(path), limit=self._max_bytes)
            header = _columns(next(csv.reader(io.StringIO(text)), []))
        except (ValueError, csv.Error) as error:
            name = Path(path).name  # asked from chat too (`service signal set`): never a path
            raise InvalidCommandError(f"Cannot read `{name}` as a metrics file: {error}.") from None
        return [name for name in header if name not in _RESERVED]

    def step(self, path: str) -> timedelta | None:
        """How far apart the file's latest rows are; InvalidCommandError if it is unreadable."""
        try:
            rows = self._rows(path)
        except ValueError as error:
            name = Path(path).name  # asked from chat too (`alert create`): never a path
            raise InvalidCommandError(f"Cannot read `{name}` as a metrics file: {error}.") from None
        return step_of([row.time for row in rows[-STEP_ROWS:]])

    def span(self, path: str) -> tuple[datetime, datetime] | None:
        """The times of the file's first and last rows (None: it has none)."""
        rows = self._table(path)
        return (rows[0].time, rows[-1].time) if rows else None

    def _table(self, path: str) -> list[Row]:
        self.calls += 1
        provider_calls.made(by=self)
        try:
            return self._rows(path)
        except ValueError as error:
            raise UnavailableError(f"metrics file {Path(path).name}: {error}") from None

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        """Each query's column (its metric) of its file (its namespace), inside the window."""
        del step  # the file's own step is kept
        files: dict[str, list[Row]] = {}

        def column(query: MetricQuery) -> Points:
            if query.namespace not in files:
                files[query.namespace] = self._table(query.namespace)
            return [
                (row.time, row.values[query.metric])
                for row in files[query.namespace]
                if query.metric in row.values and start <= row.time <= end
            ]

        return [signal_values(query, column) for query in queries]

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        """The file's `event` cells inside the window (redacted, shortened)."""
        return [
            Event(time=row.time, kind="event", summary=row.event)
            for row in self._table(service.resource)
            if row.event and start <= row.time <= end
        ]
