"""The LogSource port on Azure Monitor Logs: an App Service's failed requests and error lines.

Uses azure-monitor-query's `LogsQueryClient.query_batch`: both KQL queries go to the service's
Log Analytics workspace in one request, each counting the window against the baseline before it.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any

from azure.core.exceptions import AzureError

from shared.adapters.azure.refusals import refused
from shared.commands.free_text import shown
from shared.errors import UnavailableError
from shared.telemetry import provider_calls
from shared.telemetry.limits import READ_TIMEOUT
from shared.telemetry.models import LogEvidence, Service

TOP = 5
"""Lines of each kind kept as evidence."""


def _counted(table: str, where: str, by: str, start: datetime) -> str:
    """KQL counting rows of `table` in the window and before it, grouped by `by`."""
    since = f"datetime({start:%Y-%m-%dT%H:%M:%SZ})"
    return (
        f"{table}\n"
        f"| where {where}\n"
        f"| summarize window = countif(TimeGenerated >= {since}), "
        f"baseline = countif(TimeGenerated < {since}), "
        f"first = minif(TimeGenerated, TimeGenerated >= {since}) by {by}\n"
        f"| where window > 0\n"
        f"| top {TOP} by window desc"
    )


def queries(resource: str, start: datetime) -> dict[str, str]:
    """The KQL of each kind of evidence for an App Service app (Microsoft.Web/sites)."""
    site = resource.replace("\\", "\\\\").replace('"', '\\"')  # validated already; belt and braces
    return {
        "failed requests": _counted(
            "AppServiceHTTPLogs",
            f'_ResourceId =~ "{site}" and ScStatus >= 500',
            "line = strcat(tostring(ScStatus), ' ', CsMethod, ' ', CsUriStem)",
            start,
        ),
        "error logs": _counted(
            "AppServiceAppLogs",
            f'_ResourceId =~ "{site}" and Level in ("Error", "Critical")',
            "line = substring(tostring(Message), 0, 160)",
            start,
        ),
    }


class AzureMonitorLogSource:
    """Queries the service's Log Analytics workspace with a token credential."""

    def __init__(self, *, client: Any = None) -> None:
        self._given = client
        self.calls = 0

    @cached_property
    def _client(self) -> Any:
        """The client given, or one made at first use with DefaultAzureCredential."""
        if self._given is not None:
            return self._given
        from azure.identity import DefaultAzureCredential
        from azure.monitor.query import LogsQueryClient

        return LogsQueryClient(DefaultAzureCredential())

    def evidence(
        self, service: Service, *, baseline_start: datetime, start: datetime, end: datetime
    ) -> list[LogEvidence]:
        """Both kinds of evidence from one batch request; a failed query is reported, not hidden."""
        from azure.monitor.query import LogsBatchQuery, LogsQueryStatus

        if not service.log_workspace:
            return []
        kinds = queries(service.resource, start)
        batch = [
            LogsBatchQuery(
                workspace_id=service.log_workspace, query=kql, timespan=(baseline_start, end)
            )
            for kql in kinds.values()
        ]
        self.calls += 1
        provider_calls.made(by=self)
        found: list[LogEvidence] = []
        try:
            results = self._client.query_batch(
                batch, connection_timeout=5, read_timeout=READ_TIMEOUT
            )
        except AzureError as error:
            raise _refused(error) from error
        for source, result in zip(kinds, results, strict=True):
            if result.status == LogsQueryStatus.FAILURE:
                said = shown(f"{result.code}: {result.message}", limit=200)
                raise UnavailableError(f"Log Analytics refused the {source} query ({said})")
            tables = (
                result.partial_data if result.status == LogsQueryStatus.PARTIAL else result.tables
            )
            found += [_evidence(source, row) for table in tables for row in table.rows]
        return sorted(found, key=lambda e: (-e.window, e.source, e.text))


_HINTS = {
    403: ": the deployment's identity needs the Log Analytics Reader role on the workspace",
    404: ": no such workspace (check the service's log workspace id)",
}


def _refused(error: AzureError) -> UnavailableError:
    return refused(error, service="Log Analytics", reading="the logs", hints=_HINTS)


def _evidence(source: str, row: Any) -> LogEvidence:
    first = row["first"]
    return LogEvidence(
        source=source,
        text=str(row["line"]),
        window=int(row["window"]),
        baseline=int(row["baseline"]),
        first=first if isinstance(first, datetime) else None,
    )
