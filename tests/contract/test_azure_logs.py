"""Azure Monitor Logs as a LogSource: the real LogsQueryClient over a fake HTTP transport (the
investigations that read it through the bus: tests/bus/investigations/test_azure_logs.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.monitor.query import LogsQueryClient

from shared.adapters.azure.monitor_logs import AzureMonitorLogSource
from shared.errors import UnavailableError
from shared.telemetry.limits import READ_TIMEOUT
from shared.telemetry.models import LogEvidence, ResourceKind
from tests.fakes.azure_http import FakeCredential, JsonAdapter, transport
from tests.support import service_of
from tests.support.azure import (
    BASELINE_START,
    END,
    LOGS_START,
    SITE,
    WORKSPACE,
    by_table,
    logs_source,
)


def _service() -> Any:
    service = service_of(ResourceKind.AZURE_RESOURCE, SITE, "checkout")
    return service.model_copy(update={"log_workspace": WORKSPACE})


def test_both_kinds_of_evidence_come_from_one_batch_request() -> None:
    adapter, source = logs_source()
    found = source.evidence(_service(), baseline_start=BASELINE_START, start=LOGS_START, end=END)
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
    found = source.evidence(_service(), baseline_start=BASELINE_START, start=LOGS_START, end=END)
    assert len(found) == 3


def test_a_refused_query_is_an_error_that_names_it() -> None:
    def refused(request: dict[str, Any]) -> dict[str, Any]:
        if "AppServiceAppLogs" in request["body"]["query"]:
            return {"error": {"code": "BadArgumentError", "message": "table not found"}}
        return by_table(request)

    _, source = logs_source(refused)
    with pytest.raises(UnavailableError) as refusal:
        source.evidence(_service(), baseline_start=BASELINE_START, start=LOGS_START, end=END)
    said = "Log Analytics refused the error logs query (BadArgumentError: table not found)"
    assert str(refusal.value) == said


def test_a_refused_batch_says_what_the_deployment_needs() -> None:
    # WHEN Log Analytics refuses the whole batch: the deployment's identity may not read it
    forbidden = {"error": {"code": "AuthorizationFailed", "message": "The client does not have"}}
    adapter = JsonAdapter(lambda _: forbidden, status=403)
    source = AzureMonitorLogSource(
        client=LogsQueryClient(FakeCredential(), transport=transport(adapter))
    )
    # THEN it is said with its status, code and the role needed (not the SDK's raw error)
    with pytest.raises(UnavailableError) as refusal:
        source.evidence(_service(), baseline_start=BASELINE_START, start=LOGS_START, end=END)
    assert str(refusal.value) == (
        "Log Analytics refused to read the logs (403 AuthorizationFailed): the deployment's "
        "identity needs the Log Analytics Reader role on the workspace."
    )


def test_a_service_without_a_workspace_makes_no_call() -> None:
    adapter, source = logs_source()
    service = service_of(ResourceKind.AZURE_RESOURCE, SITE, "checkout")
    assert source.evidence(service, baseline_start=BASELINE_START, start=LOGS_START, end=END) == []
    assert adapter.seen == []
