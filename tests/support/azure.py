"""Azure Monitor's metrics for one App Service site, answered by a canned batch body through the
real MetricsClient on a fake HTTP transport; and its logs, through the real LogsQueryClient."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from azure.monitor.query import LogsQueryClient
from azure.monitor.querymetrics import MetricsClient

from shared.adapters.azure.monitor_logs import AzureMonitorLogSource
from shared.adapters.azure.monitor_metrics import AzureMonitorMetricsSource
from tests.fakes.azure_http import FakeCredential, JsonAdapter, transport

SITE = (
    "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/shop"
    "/providers/Microsoft.Web/sites/checkout"
)
END = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
START = END - timedelta(minutes=3)


def series_of(name: str, points: list[dict[str, float]], start: datetime = START) -> dict[str, Any]:
    stamps = [
        (start + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(len(points))
    ]
    return {
        "id": f"{SITE}/providers/Microsoft.Insights/metrics/{name}",
        "type": "Microsoft.Insights/metrics",
        "name": {"value": name, "localizedValue": name},
        "unit": "Count",
        "displayDescription": "",
        "timeseries": [
            {
                "metadatavalues": [],
                "data": [{"timeStamp": s, **p} for s, p in zip(stamps, points, strict=True)],
            }
        ],
    }


BODY = {
    "values": [
        {
            "starttime": START.isoformat(),
            "endtime": END.isoformat(),
            "interval": "PT1M",
            "namespace": "Microsoft.Web/sites",
            "resourceregion": "westeurope",
            "resourceid": SITE,
            "value": [
                series_of("Requests", [{"total": 1000.0}, {"total": 1000.0}, {"total": 800.0}]),
                series_of("Http5xx", [{"total": 2.0}, {"total": 3.0}, {"total": 40.0}]),
                series_of(
                    "HttpResponseTime",
                    [{"average": 0.12, "maximum": 0.4}] * 2 + [{"average": 0.3, "maximum": 1.6}],
                ),
                series_of("CpuTime", [{"total": 30.0}, {"total": 31.0}, {"total": 95.0}]),
            ],
        }
    ]
}


def batch(start: datetime, series: list[dict[str, Any]]) -> dict[str, Any]:
    """A batch answer for SITE from `start`, of `series` (each made by `series_of`)."""
    return {
        "values": [
            {
                "starttime": start.isoformat(),
                "endtime": END.isoformat(),
                "interval": "PT1M",
                "namespace": "Microsoft.Web/sites",
                "resourceregion": "westeurope",
                "resourceid": SITE,
                "value": series,
            }
        ]
    }


def metrics_source(
    body: dict[str, Any] = BODY, status: int = 200
) -> tuple[JsonAdapter, AzureMonitorMetricsSource]:
    """Our source over the real MetricsClient (no retries), its HTTP answered by a batch body
    (the canned one, unless given) with `status`."""
    adapter = JsonAdapter(lambda _: body, status)
    client = MetricsClient(
        "https://westeurope.metrics.monitor.azure.com",
        FakeCredential(),
        transport=transport(adapter),
        retry_total=0,
    )
    return adapter, AzureMonitorMetricsSource(client=client)


# Azure Monitor Logs (Log Analytics): a workspace's answers to the two evidence queries.
WORKSPACE = "11111111-2222-3333-4444-555555555555"
LOGS_START = END - timedelta(hours=2)
BASELINE_START = LOGS_START - timedelta(hours=4)
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
