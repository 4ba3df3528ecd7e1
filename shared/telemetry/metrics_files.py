"""The port that admits a CSV metrics file (`--metrics-file`) before a service may read it.

A metrics file is a file on the machine that runs Auto SRE: only the terminal may name one, only
inside the folder the deployment names (AUTOSRE_METRICS_DIR), and only once it has been read and
found to be a metrics file (so a registered path can never be `/etc/passwd` or a FIFO)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Protocol, runtime_checkable

from shared.telemetry.models import ResourceKind, Service
from shared.times import moment


@runtime_checkable
class MetricsFiles(Protocol):
    """Checks a metrics file where the deployment keeps them."""

    def admit(self, path: str) -> str:
        """The file's absolute path once it is a valid metrics file inside the folder; raises
        InvalidCommandError saying what is wrong (outside the folder, not a regular file, too
        large, a bad row and column)."""
        ...

    def columns(self, path: str) -> list[str]:
        """The metric columns (all but `timestamp` and `event`) the file at `path` names now;
        raises InvalidCommandError when it cannot be read."""
        ...

    def step(self, path: str) -> timedelta | None:
        """How far apart the file's latest rows are (the median gap; None with fewer than two
        rows); raises InvalidCommandError when it cannot be read."""
        ...

    def span(self, path: str) -> tuple[datetime, datetime] | None:
        """The times of the file's first and last rows (None: it has none); raises
        UnavailableError when it cannot be read."""
        ...


def without_paths(text: str, service: Service) -> str:
    """`text` as chat may show it: a metrics file named by its file name alone, never by its
    path on the server (the terminal, which registered it, is shown the whole path)."""
    if service.kind is not ResourceKind.METRICS_FILE:
        return text
    return text.replace(service.resource, PurePath(service.resource).name)


AHEAD = timedelta(minutes=10)
"""How far past now a metrics file's last row may be (a clock a little ahead) before its times
are taken for another time zone's written without their offset."""


def rows_ahead(name: str, last: datetime, now: datetime) -> str:
    """What to say of a file whose rows run past now by more than `AHEAD` (empty if they do
    not): its times are read as UTC, so an exporter's local time written without its offset
    puts every row hours ahead, and the window before now judges the wrong rows."""
    ahead = last - now
    if ahead <= AHEAD:
        return ""
    minutes = round(ahead / timedelta(minutes=1))
    hours, rest = divmod(minutes, 60)
    said = f"{hours} h {rest} min" if hours and rest else f"{hours} h" if hours else f"{rest} min"
    return (
        f"{name}'s rows run to {moment(last, today=now)}, {said} after now: a time written "
        f"without its offset is read as UTC (write each with its offset, like "
        f"`{last:%Y-%m-%dT%H:%M:%S}+02:00`, or in UTC); times that have one are dated ahead "
        "of now (check the exporter's clock)"
    )
