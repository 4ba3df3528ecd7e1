"""A metric query as a person reads it."""

from __future__ import annotations

from shared.telemetry.models import MetricQuery


def _describe(namespace: str, metric: str, statistic: str) -> str:
    if namespace.endswith(metric):  # Cloud Monitoring: the namespace is the metric type
        return f"{namespace} ({statistic})"
    return f"{namespace}/{metric} ({statistic})" if namespace else metric


def query_text(query: MetricQuery, *, dimensions: bool = True) -> str:
    """A query as a person reads it: metric, statistic, per denominator, scale, dimensions."""
    text = _describe(query.namespace, query.metric, query.statistic)
    if query.plus:
        text += f" + {query.plus.metric}"
    if query.divide_by:
        text += f" per {query.divide_by.metric}"
    if query.scale != 1.0:
        text += f" × {query.scale:g}"
    if dimensions and query.dimensions:
        text += " {" + ", ".join(f"{k}={v}" for k, v in sorted(query.dimensions.items())) + "}"
    return text
