"""Investigations of an Azure service through the bus, its log evidence read by the real
LogsQueryClient over a fake HTTP transport: reported, kept for the page, or noted as unreadable."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from shared.adapters.azure.monitor_logs import AzureMonitorLogSource
from shared.adapters.memory import FixedClock, InMemoryTaskQueue
from shared.bootstrap.wiring import build
from shared.config import Settings
from shared.telemetry.models import ResourceKind
from tests.support import memory_adapters, run, setup_teams
from tests.support.azure import END, SITE, WORKSPACE, logs_source, metrics_source


def _investigated(logs: AzureMonitorLogSource) -> Any:
    """An Azure service registered with its workspace, investigated through the bus."""
    _, metrics = metrics_source()
    adapters = memory_adapters(
        FixedClock(END),
        metrics={ResourceKind.AZURE_RESOURCE: metrics},
        logs={ResourceKind.AZURE_RESOURCE: logs},
    )
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    register = f"service register shop --azure-resource {SITE} --azure-workspace {WORKSPACE}"
    assert not run(services, register, user="oli", channel="C-pay").failed
    shown = run(services, "service show shop", user="oli", channel="C-pay")
    assert f"Logs: workspace `{WORKSPACE}`" in shown.text
    run(services, "investigate shop", user="rey", channel="C-pay")
    tasks = services.tasks
    assert isinstance(tasks, InMemoryTaskQueue)
    (task,) = tasks.drain()
    return services, services.bus.resume(task)


def test_an_investigation_reports_log_evidence_and_keeps_it_for_the_page() -> None:
    _, logs = logs_source()
    services, report = _investigated(logs)
    assert dict(report.fields)["Logs"].splitlines() == [
        "503 POST /api/checkout: 412 since 13:05 UTC (3 before)",
        "Timeout acquiring a connection from the pool: 380 since 13:04 UTC (none before)",
        "500 GET /api/cart: 20 since 12:01 UTC (18 before)",
    ]
    investigation_id = dict(report.fields)["Investigation"].split()[0]
    stored = services.pages.serve(
        investigation_id,
        urlparse(dict(report.fields)["Page"]).query.removeprefix("token="),
        END,
    )
    assert stored[0] == 200
    assert "Timeout acquiring a connection from the pool" in stored[1]


def test_logs_that_cannot_be_read_are_noted_and_the_investigation_still_reports() -> None:
    def refused(request: dict[str, Any]) -> dict[str, Any]:
        return {"error": {"code": "InsufficientAccessError", "message": "no access"}}

    _, logs = logs_source(refused)
    _, report = _investigated(logs)
    assert not report.failed
    assert dict(report.fields)["Logs"].startswith("log evidence unavailable: Log Analytics")
