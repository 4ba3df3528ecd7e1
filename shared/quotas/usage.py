"""Monthly usage: what each team's work cost in the month (investigations, provider calls by
provider and kind, model tokens, canaries and chaos experiments started), counted at the same
points the quotas count."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from shared.quotas.models import Limit, Window


class UsageKind(StrEnum):
    """What a usage record counts, as `sre usage` and its price table name it."""

    INVESTIGATIONS = "investigations"
    CLOUDWATCH_GET_METRIC_DATA = "cloudwatch-get-metric-data"
    CLOUDWATCH_METRICS_REQUESTED = "cloudwatch-metrics-requested"
    """The metrics those GetMetricData calls requested (up to 500 a call): what AWS bills."""
    AZURE_MONITOR_METRICS_QUERIES = "azure-monitor-metrics-queries"
    AZURE_MONITOR_LOG_QUERIES = "azure-monitor-log-queries"
    CLOUD_MONITORING_TIME_SERIES_READS = "cloud-monitoring-time-series-reads"
    SAMPLE_READS = "sample-reads"
    OTHER_PROVIDER_CALLS = "other-provider-calls"
    MODEL_TOKENS = "model-tokens"
    """Model tokens in and out together: counted so before they were split (not split)."""
    MODEL_INPUT_TOKENS = "model-input-tokens"
    MODEL_OUTPUT_TOKENS = "model-output-tokens"
    CANARIES_STARTED = "canaries-started"
    CHAOS_EXPERIMENTS_STARTED = "chaos-experiments-started"


_STARTED_BY = {
    Limit.INVESTIGATIONS_PER_DAY: UsageKind.INVESTIGATIONS,
    Limit.CANARIES: UsageKind.CANARIES_STARTED,
    Limit.CHAOS_EXPERIMENTS: UsageKind.CHAOS_EXPERIMENTS_STARTED,
}
"""The usage a take of each limit counts (model tokens are counted as the model reports them,
in and out, not by the bound their quotas take)."""

_PROVIDERS = {
    "CloudWatchMetricsSource": UsageKind.CLOUDWATCH_GET_METRIC_DATA,
    "AzureMonitorMetricsSource": UsageKind.AZURE_MONITOR_METRICS_QUERIES,
    "AzureMonitorLogSource": UsageKind.AZURE_MONITOR_LOG_QUERIES,
    "CloudMonitoringMetricsSource": UsageKind.CLOUD_MONITORING_TIME_SERIES_READS,
    "SampleMetricsSource": UsageKind.SAMPLE_READS,
}
"""The provider call each adapter makes, by the adapter's class (the quotas never import it)."""


REQUESTED_BY = {UsageKind.CLOUDWATCH_GET_METRIC_DATA: UsageKind.CLOUDWATCH_METRICS_REQUESTED}
"""The usage that counts what a provider's calls requested, where it bills by that (calls are
still what the `provider-calls-per-hour` quota limits)."""


def started_by(limit: Limit) -> UsageKind | None:
    """The usage a take of `limit` counts (None: a limit whose takes are not usage)."""
    return _STARTED_BY.get(limit)


def provider_kind(source: object) -> UsageKind:
    """The kind of provider call `source` makes (other-provider-calls when it is none of ours)."""
    return provider_kind_named(type(source).__name__)


def provider_kind_named(adapter: str) -> UsageKind:
    """The kind of provider call the adapter of class `adapter` makes."""
    return _PROVIDERS.get(adapter, UsageKind.OTHER_PROVIDER_CALLS)


def month_of(at: datetime) -> str:
    """The month `at` falls in (UTC), as `2026-11`."""
    return Window.MONTH.key(at)


class UsageLine(BaseModel):
    """One team's count of one kind in one month."""

    model_config = ConfigDict(frozen=True)

    team: str
    month: str
    kind: UsageKind
    count: int
