"""A Cloud Monitoring override keeps its metric type prefix."""

from __future__ import annotations

import pytest

from shared.telemetry.models import ResourceKind, Signal
from shared.telemetry.queries import override, queries_for


def test_a_cloud_monitoring_override_keeps_the_metric_type_prefix() -> None:
    default = queries_for(ResourceKind.GCP_CLOUD_RUN, "shop-prod/europe-west1/checkout")[
        Signal.SATURATION
    ]
    changed = override(ResourceKind.GCP_CLOUD_RUN, default, metric="container/memory/utilizations")
    assert changed.namespace == "run.googleapis.com/container/memory/utilizations"
    assert changed.dimensions == default.dimensions
    with pytest.raises(ValueError, match="gcp-cloud-run metrics have no statistic `p95`"):
        override(ResourceKind.GCP_CLOUD_RUN, default, metric="x", statistic="p95")
