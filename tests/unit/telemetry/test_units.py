"""Saturation reads in its resource's unit: a Lambda's concurrent executions, a load balancer's
active connections, an Azure resource's CPU seconds, a percentage of capacity for Cloud Run, the
sample and a metrics file (before, `35.69 → 96.12` with no unit, whatever it measured); a query
a team set itself measures what its metric does, so no unit is said for it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from shared.telemetry.analysis import findings
from shared.telemetry.models import ResourceKind, Service, Signal
from shared.telemetry.queries import override, units_of
from tests.support import service_of
from tests.support.series import T0, noisy, shifted

RESOURCES = {
    ResourceKind.AWS_LAMBDA: ("checkout", " concurrent"),
    ResourceKind.AWS_ALB: (
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188",
        " connections",
    ),
    ResourceKind.AZURE_RESOURCE: (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
        "Microsoft.Web/sites/web",
        " s CPU",
    ),
    ResourceKind.GCP_CLOUD_RUN: ("projects/p/locations/europe-west1/services/web", "%"),
    ResourceKind.SAMPLE: ("checkout", "%"),
    ResourceKind.METRICS_FILE: ("web.csv", "%"),
}


def _saturation_finding(service: Service) -> str:
    """The evidence of a saturation that rose 4x an hour into two hours of a minute apart."""
    points = shifted(noisy(360, level=30.0, noise=0.02, seed=7), 300, 360, 4.0)
    start = T0 + timedelta(hours=4)
    judged = findings(
        {Signal.SATURATION: points},
        start=start,
        end=start + timedelta(hours=2),
        units=units_of(service),
    )
    (finding,) = judged.ranked
    return finding.evidence


@pytest.mark.parametrize("kind", list(RESOURCES), ids=[k.value for k in RESOURCES])
def test_saturation_is_said_in_its_resources_unit(kind: ResourceKind) -> None:
    resource, unit = RESOURCES[kind]
    evidence = _saturation_finding(service_of(kind, resource))
    u = re.escape(unit)
    assert re.search(rf"\(30\.\d+{u} → 1\d\d{u}\)", evidence), evidence


def test_a_saturation_query_a_team_set_itself_says_no_unit() -> None:
    # GIVEN a Lambda whose saturation the team set to its own metric (a count of throttles)
    service = service_of(ResourceKind.AWS_LAMBDA, "checkout")
    own = override(ResourceKind.AWS_LAMBDA, service.queries[Signal.SATURATION], metric="Throttles")
    service = service.model_copy(update={"queries": {**service.queries, Signal.SATURATION: own}})
    # WHEN its saturation rises, THEN no unit is guessed for it
    evidence = _saturation_finding(service)
    assert "concurrent" not in evidence and "%" not in evidence, evidence
    # AND the other signals keep theirs
    assert units_of(service)[Signal.P99_LATENCY] == " ms"
