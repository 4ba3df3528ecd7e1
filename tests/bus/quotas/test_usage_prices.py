"""`sre usage price show` through the bus: the price table `sre usage` estimates at, each kind
with its price, unit and source (a provider's public price with its date, or who in the org set
it and when), read by anyone in the org, never showing another org's prices."""

from __future__ import annotations

from shared.audit.models import ORG_STREAM, StreamKey
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.identity.models import Actor, OrgId, Platform, UserId
from shared.invocation import Invocation, ReplyTarget
from shared.replies import Reply, Tone, user_ref
from tests.support import NOW, ORG, MovingClock, memory_adapters, records, run, setup_teams

OTHER = OrgId("slack:T2")


def _services() -> Services:
    adapters = memory_adapters(MovingClock(NOW))
    services = build(Settings(org_admins=("slack:T1:root", "slack:T2:boss")), adapters)
    setup_teams(services)
    return services


def _as_other_org(services: Services, text: str) -> Reply:
    """`text` typed by boss, the org admin of another workspace (slack:T2)."""
    return services.bus.handle(
        Invocation(
            actor=Actor(platform=Platform.SLACK, org=OTHER, user=UserId("boss")),
            channel="C-elsewhere",
            text=text,
            correlation_id="ref-other-org",
            received_at=NOW,
            reply_to=ReplyTarget(platform=Platform.SLACK, channel="C-elsewhere"),
        )
    )


def test_a_viewer_sees_every_default_price_with_its_source_and_date() -> None:
    services = _services()
    # WHEN a viewer of payments asks for the price table
    shown = run(services, "usage price show", user="vic", channel="C-pay")
    # THEN every kind is listed with its price, unit and dated public source
    assert shown.tone is Tone.INFO, shown
    prices = dict(shown.fields)
    assert prices["cloudwatch-metrics-requested"] == (
        "$0.01 per 1,000 metrics (aws.amazon.com/cloudwatch/pricing (2026-11-30), "
        "GetMetricData per metric requested)"
    )
    assert prices["cloudwatch-get-metric-data"] == (
        "$0 per 1,000 calls (billed by the metrics requested: see cloudwatch-metrics-requested)"
    )
    assert prices["cloud-monitoring-time-series-reads"].startswith("$0.01 per 1,000 calls (")
    assert (
        "cloud.google.com/stackdriver/pricing (2023-06-05"
        in (prices["cloud-monitoring-time-series-reads"])
    )
    # AND a kind with no verified public price says it is the org's to set
    assert prices["azure-monitor-metrics-queries"] == (
        "$0 per 1,000 calls (no verified public price: 0 until an org admin sets one)"
    )
    assert "sre usage price set KIND VALUE" in shown.text


def test_an_org_override_is_shown_with_who_set_it_and_when() -> None:
    services = _services()
    # GIVEN root, the org admin, sets the price of model tokens
    assert not run(services, "usage price set model-tokens 3").failed
    # WHEN a member of another team asks for the table
    shown = run(services, "usage prices", user="sam")
    # THEN the org's price is shown with who set it and when, and the defaults stay as they were
    prices = dict(shown.fields)
    assert prices["model-tokens"] == "$3 per million tokens (set by @root 09:30 UTC)"
    assert user_ref("root") in shown.refs
    assert prices["model-input-tokens"].startswith("$0 per million tokens (no verified")


def test_another_orgs_override_is_never_shown() -> None:
    services = _services()
    # GIVEN another workspace's org admin sets its own price of CloudWatch reads
    assert not _as_other_org(services, "usage price set cloudwatch-metrics-requested 9").failed
    assert (
        "$9"
        in dict(_as_other_org(services, "usage price show").fields)["cloudwatch-metrics-requested"]
    )
    # WHEN a viewer of org T1 asks for its table
    shown = run(services, "usage price show", user="vic", channel="C-pay")
    # THEN it shows T1's default, not T2's price nor its admin
    row = dict(shown.fields)["cloudwatch-metrics-requested"]
    assert row.startswith("$0.01 per 1,000 metrics (aws.amazon.com"), row
    assert "boss" not in str(shown)


def test_reading_the_price_table_writes_no_audit_entry() -> None:
    services = _services()
    stream = StreamKey(org=ORG, team=ORG_STREAM)
    before = records(services.audit_log, stream)
    assert not run(services, "usage price show", user="vic", channel="C-pay").failed
    assert records(services.audit_log, stream) == before
