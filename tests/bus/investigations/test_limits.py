"""`--window` and `--since` stay within what the provider keeps and what a worker can hold."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.adapters.local.sample_metrics import SampleMetricsSource
from shared.adapters.memory import FixedClock
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.replies import Reply, Tone
from shared.telemetry.models import ResourceKind
from shared.times import moment
from tests.support import NOW, ask, run, setup_teams

RESOURCES = {
    ResourceKind.AWS_LAMBDA: "--aws-lambda checkout-fn",
    ResourceKind.AZURE_RESOURCE: "--azure-resource "
    "/subscriptions/s1/resourceGroups/g/providers/Microsoft.Web/sites/app",
    ResourceKind.GCP_CLOUD_RUN: "--gcp-cloud-run shop-prod/europe-west1/checkout",
}


@pytest.fixture
def clouds(services: Services, clock: FixedClock) -> Services:
    """A service of each cloud (read here from the sample: these tests never get that far)."""
    made = for_memory(
        services.settings,
        clock=clock,
        metrics={
            kind: SampleMetricsSource(clock=clock) for kind in (*RESOURCES, ResourceKind.SAMPLE)
        },
    )
    setup_teams(made)
    for kind, option in RESOURCES.items():
        name = kind.value.split("-")[0]
        assert not run(
            made, f"service register {name} {option}", user="oli", channel="C-pay"
        ).failed
    assert not run(
        made, "service register sample --sample checkout", user="oli", channel="C-pay"
    ).failed
    return made


def _investigate(services: Services, text: str) -> Reply:
    return ask(services, text, user="rey", channel="C-pay")


def test_a_window_longer_than_a_worker_can_hold_is_refused_at_once(clouds: Services) -> None:
    for window in ("9999d", "8d", "169h"):
        refused = run(clouds, f"investigate sample --window {window}", user="rey", channel="C-pay")
        assert refused.tone is Tone.USAGE, window  # answered at once, nothing deferred
        assert "is too long for --window: at most 7d" in refused.title + refused.text
    assert _investigate(clouds, "investigate sample --window 7d").tone is not Tone.ERROR


def test_a_window_of_minutes_past_the_cap_or_of_nothing_is_refused_naming_the_bounds(
    clouds: Services,
) -> None:
    for window, said in (("10081m", "at most 7d"), ("0m", "at least 1m"), ("0d", "at least 1m")):
        refused = run(clouds, f"investigate sample --window {window}", user="rey", channel="C-pay")
        assert refused.tone is Tone.USAGE, window
        assert said in refused.title + refused.text, refused


def test_a_window_in_seconds_is_read_as_its_length(clouds: Services) -> None:
    answered = _investigate(clouds, "investigate sample --window 120s")
    assert answered.tone is Tone.INFO, answered
    assert ("Window", f"{NOW - timedelta(minutes=2):%H:%M}–{NOW:%H:%M} UTC") in (answered.fields)
    refused = run(clouds, "investigate sample --window 59s", user="rey", channel="C-pay")
    assert refused.tone is Tone.USAGE
    assert "`59s` is too short for --window: at least 1m" in refused.title


@pytest.mark.parametrize("since", ["0001-01-01", "0001-01-01T03:00:00Z", "9999-12-31T23:59:59Z"])
def test_a_since_at_the_ends_of_the_calendar_gets_a_usage_answer_not_an_internal_error(
    clouds: Services, since: str
) -> None:
    for service in ("sample", "aws"):
        refused = _investigate(clouds, f"investigate {service} --since {since}")
        assert refused.tone is Tone.USAGE, refused
        assert "--since" in refused.title


@pytest.mark.parametrize(
    ("service", "days", "said"),
    [
        ("aws", 15, "CloudWatch keeps one-minute data for 15 days"),
        ("azure", 93, "Azure Monitor keeps platform metrics for 93 days"),
        ("gcp", 42, "Cloud Monitoring keeps Cloud Run metrics for 42 days"),
    ],
)
def test_a_window_older_than_the_provider_keeps_says_the_earliest_start(
    clouds: Services, service: str, days: int, said: str
) -> None:
    # the window starts within the retention, its 4 h of baseline do not
    since = (NOW - timedelta(days=days, hours=-3)).strftime("%Y-%m-%dT%H:%M")
    refused = _investigate(clouds, f"investigate {service} --window 2h --since {since}")
    assert refused.tone is Tone.USAGE
    earliest = NOW - timedelta(days=days, hours=-4)
    assert said in refused.title
    assert f"the earliest window start is {moment(earliest, today=NOW)}" in refused.title
    later = (earliest + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    kept = _investigate(clouds, f"investigate {service} --window 2h --since {later}")
    assert "keeps" not in kept.title


def test_a_window_in_the_future_is_refused(clouds: Services) -> None:
    since = (NOW + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    refused = _investigate(clouds, f"investigate sample --since {since}")
    assert refused.tone is Tone.USAGE
    assert "--since is in the future" in refused.title


def test_a_window_from_since_ends_at_now_never_in_minutes_without_data(clouds: Services) -> None:
    # WHEN the 2-hour default window starts an hour ago (`--since 1h ago`)
    report = _investigate(clouds, "investigate sample --since 1h ago")
    # THEN it ends now: no minute after now is counted as missing data (before: 07:30–09:30
    # with its last hour "partial data", a healthy service "Cannot judge")
    start, end = NOW - timedelta(hours=1), NOW
    assert dict(report.fields)["Window"] == f"{start:%H:%M}–{end:%H:%M} UTC", report
    assert "Cannot judge" not in report.title and "partial data" not in report.text, report
    # AND a --since within the last minute leaves no window, and is refused saying so
    refused = _investigate(clouds, f"investigate sample --since {NOW:%Y-%m-%dT%H:%M}")
    assert refused.tone is Tone.USAGE
    assert "leaves less than a minute before now" in refused.title
