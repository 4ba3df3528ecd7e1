"""Azure Monitor Logs as a LogSource: the real LogsQueryClient over a fake HTTP transport."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
from azure.monitor.query import LogsQueryClient

from shared.adapters.azure.monitor_logs import AzureMonitorLogSource
from shared.adapters.memory import (
    FixedClock,
    InMemoryTaskQueue,
)
from shared.bootstrap.wiring import build
from shared.config import Settings
from shared.errors import UnavailableError
from shared.telemetry.limits import READ_TIMEOUT
from shared.telemetry.models import LogEvidence, ResourceKind
from tests.fakes.azure_http import FakeCredential, JsonAdapter, transport
from tests.support import memory_adapters, run, service_of, setup_teams
from tests.support.azure import SITE, metrics_source

WORKSPACE = "11111111-2222-3333-4444-555555555555"
END = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
START = END - timedelta(hours=2)
BASELINE_START = START - timedelta(hours=4)
COLUMNS = [
    {"name": "line", "type": "string"},
    {"name": "window", "type": "long"},
    {"name": "baseline", "type": "long"},
    {"name": "first", "type": "datetime"},
]
HTTP_ROWS = [
    ["503 POST /api/checkout", 412, 3, "2026-11-22T13:05:00Z"],
    ["500 GET /api/cart", 20, 18, "2026-11-22T12:01:00Z"],
]
APP_ROWS = [["Timeout acquiring a connection from the pool", 380, 0, "2026-11-22T13:04:30Z"]]
Answer = Callable[[dict[str, Any]], dict[str, Any]]


def tables(rows: list[list[Any]]) -> dict[str, Any]:
    return {"tables": [{"name": "PrimaryResult", "columns": COLUMNS, "rows": rows}]}


def by_table(request: dict[str, Any]) -> dict[str, Any]:
    """Log Analytics' answer to one query of the batch: rows of the table it reads."""
    query = request["body"]["query"]
    return tables(HTTP_ROWS if query.startswith("AppServiceHTTPLogs") else APP_ROWS)


def batch_answer(answer: Answer) -> Callable[[requests.PreparedRequest], dict[str, Any]]:
    """Log Analytics' `POST /v1/$batch`: one response per request of the batch, by `answer`."""

    def respond(request: requests.PreparedRequest) -> dict[str, Any]:
        batch = json.loads(request.body or b"{}")
        return {
            "responses": [
                {"id": r["id"], "status": 200, "body": answer(r)} for r in batch["requests"]
            ]
        }

    return respond


def logs_source(answer: Answer = by_table) -> tuple[JsonAdapter, AzureMonitorLogSource]:
    """Our source over the real LogsQueryClient, its HTTP answered by `answer`."""
    adapter = JsonAdapter(batch_answer(answer))
    client = LogsQueryClient(FakeCredential(), transport=transport(adapter))
    return adapter, AzureMonitorLogSource(client=client)


def _service() -> Any:
    service = service_of(ResourceKind.AZURE_RESOURCE, SITE, "checkout")
    return service.model_copy(update={"log_workspace": WORKSPACE})


def test_both_kinds_of_evidence_come_from_one_batch_request() -> None:
    adapter, source = logs_source()
    found = source.evidence(_service(), baseline_start=BASELINE_START, start=START, end=END)
    # ONE request to the batch endpoint, carrying both queries for the workspace
    (request,) = adapter.seen
    assert adapter.timeouts == [(5, READ_TIMEOUT)]  # connect, read: never azure-core's 300 s
    assert request.method == "POST"
    assert request.url == "https://api.loganalytics.io/v1/$batch"
    assert request.headers["Authorization"] == "Bearer fake-token"
    batch = json.loads(request.body or b"{}")["requests"]
    assert {r["workspace"] for r in batch} == {WORKSPACE}
    assert [r["body"]["query"].split("\n")[0] for r in batch] == [
        "AppServiceHTTPLogs",
        "AppServiceAppLogs",
    ]
    assert all(f'_ResourceId =~ "{SITE}"' in r["body"]["query"] for r in batch)
    assert all("datetime(2026-11-22T12:00:00Z)" in r["body"]["query"] for r in batch)
    assert {r["body"]["timespan"] for r in batch} == {
        "2026-11-22T08:00:00.000Z/2026-11-22T14:00:00.000Z"
    }
    # THEN the rows come back as evidence, the most frequent first, times parsed
    assert found == [
        LogEvidence(
            source="failed requests",
            text="503 POST /api/checkout",
            window=412,
            baseline=3,
            first=datetime(2026, 11, 22, 13, 5, tzinfo=UTC),
        ),
        LogEvidence(
            source="error logs",
            text="Timeout acquiring a connection from the pool",
            window=380,
            baseline=0,
            first=datetime(2026, 11, 22, 13, 4, 30, tzinfo=UTC),
        ),
        LogEvidence(
            source="failed requests",
            text="500 GET /api/cart",
            window=20,
            baseline=18,
            first=datetime(2026, 11, 22, 12, 1, tzinfo=UTC),
        ),
    ]
    assert found[1].describe() == (
        "Timeout acquiring a connection from the pool: 380 since 13:04 UTC (none before)"
    )
    assert source.calls == 1


def test_a_partial_answer_keeps_what_came_back() -> None:
    def partial(request: dict[str, Any]) -> dict[str, Any]:
        return {
            **by_table(request),
            "error": {"code": "PartialError", "message": "some shards timed out"},
        }

    _, source = logs_source(partial)
    found = source.evidence(_service(), baseline_start=BASELINE_START, start=START, end=END)
    assert len(found) == 3


def test_a_refused_query_is_an_error_that_names_it() -> None:
    def refused(request: dict[str, Any]) -> dict[str, Any]:
        if "AppServiceAppLogs" in request["body"]["query"]:
            return {"error": {"code": "BadArgumentError", "message": "table not found"}}
        return by_table(request)

    _, source = logs_source(refused)
    with pytest.raises(UnavailableError, match="error logs query"):
        source.evidence(_service(), baseline_start=BASELINE_START, start=START, end=END)


def test_a_service_without_a_workspace_makes_no_call() -> None:
    adapter, source = logs_source()
    service = service_of(ResourceKind.AZURE_RESOURCE, SITE, "checkout")
    assert source.evidence(service, baseline_start=BASELINE_START, start=START, end=END) == []
    assert adapter.seen == []


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
