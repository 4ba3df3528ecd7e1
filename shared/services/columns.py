"""What a metrics file must have for a service's signal to read it: the query's columns."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from shared.audit.redaction import redact
from shared.errors import InvalidCommandError
from shared.telemetry.metrics_files import MetricsFiles
from shared.telemetry.models import MetricQuery, Service


def query_columns(query: MetricQuery) -> list[str]:
    """The columns a metrics file's query reads: its metric, what it adds, what it divides by."""
    return [part.metric for part in query.parts]


def require_columns(
    files: MetricsFiles | None, service: Service, wanted: Sequence[str], *, fix: str
) -> None:
    """InvalidCommandError unless the service's metrics file has every `wanted` column: it names
    the file (never its path), the columns it has, and `fix`."""
    if files is None:
        raise InvalidCommandError("This deployment reads no metrics files.")
    columns = files.columns(service.resource)
    for name in wanted:
        if name not in columns:
            raise InvalidCommandError(
                f"{PurePath(service.resource).name} has no column `{name}`: its metric "
                f"columns are {redact(', '.join(columns))}. {fix}"
            )
