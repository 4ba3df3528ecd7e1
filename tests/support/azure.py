"""Azure Monitor's metrics for one App Service site, answered by a canned batch body through the
real MetricsClient on a fake HTTP transport."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from azure.monitor.querymetrics import MetricsClient

from shared.adapters.azure.monitor_metrics import AzureMonitorMetricsSource
from tests.fakes.azure_http import FakeCredential, JsonAdapter, transport

SITE = (
    "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/shop"
    "/providers/Microsoft.Web/sites/checkout"
)
END = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
START = END - timedelta(minutes=3)


def _series(name: str, points: list[dict[str, float]]) -> dict[str, Any]:
    stamps = [(START + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(3)]
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
                _series("Requests", [{"total": 1000.0}, {"total": 1000.0}, {"total": 800.0}]),
                _series("Http5xx", [{"total": 2.0}, {"total": 3.0}, {"total": 40.0}]),
                _series(
                    "HttpResponseTime",
                    [{"average": 0.12, "maximum": 0.4}] * 2 + [{"average": 0.3, "maximum": 1.6}],
                ),
                _series("CpuTime", [{"total": 30.0}, {"total": 31.0}, {"total": 95.0}]),
            ],
        }
    ]
}


def metrics_source() -> tuple[JsonAdapter, AzureMonitorMetricsSource]:
    """Our source over the real MetricsClient, its HTTP answered by the canned batch body."""
    adapter = JsonAdapter(lambda _: BODY)
    client = MetricsClient(
        "https://westeurope.metrics.monitor.azure.com",
        FakeCredential(),
        transport=transport(adapter),
    )
    return adapter, AzureMonitorMetricsSource(client=client)
