"""The service catalog: per-signal overrides of the metric behind a golden signal."""

from __future__ import annotations

import pytest

from shared.adapters.memory import FixedClock
from shared.bootstrap.local import cloud_metrics
from shared.bootstrap.memory import for_memory
from shared.bootstrap.sample import local_metrics
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.replies import Tone
from shared.telemetry.models import ResourceKind, Signal
from shared.telemetry.queries import queries_for
from tests.support import ORG, finding_lines, investigate, run, setup_teams


@pytest.fixture
def services(clock: FixedClock) -> Services:
    """In-memory services that can register services of every provider (none is called here)."""
    settings = Settings(org_admins=("slack:T1:root",))
    metrics = {**local_metrics(clock), **cloud_metrics(settings)}
    return for_memory(settings, clock=clock, metrics=metrics)


def _fields(services: Services, name: str) -> dict[str, str]:
    return dict(run(services, f"service show {name}", user="vic", channel="C-pay").fields)


def _query(services: Services, name: str, signal: Signal) -> object:
    team = services.directory.get_team(ORG, "payments")
    assert team is not None
    return team.services[name].queries[signal]


def test_an_operator_points_one_signal_at_another_metric_and_back(services: Services) -> None:
    # GIVEN a Lambda-backed service, its p99 latency read from Duration p99 by default
    setup_teams(services)
    run(services, "service register api --aws-lambda checkout-fn", user="oli", channel="C-pay")
    assert _fields(services, "api")["p99 latency"] == "AWS/Lambda/Duration (p99)"
    # WHEN an operator overrides it with p99.9 of the same metric
    reply = run(
        services,
        "service signal set api p99_latency --metric Duration --statistic p99.9",
        user="oli",
        channel="C-pay",
    )
    # THEN the service reads that, with the default's namespace and dimensions, marked as override
    assert reply.tone is Tone.OK
    assert reply.receipt  # audited
    query = _query(services, "api", Signal.P99_LATENCY)
    assert query == queries_for(ResourceKind.AWS_LAMBDA, "checkout-fn")[
        Signal.P99_LATENCY
    ].model_copy(update={"statistic": "p99.9"})
    shown = _fields(services, "api")
    assert shown["p99 latency"] == (
        "AWS/Lambda/Duration (p99.9) {FunctionName=checkout-fn} (override)"
    )
    assert shown["p50 latency"] == "AWS/Lambda/Duration (p50)"  # the others are untouched
    # AND reset restores the default
    run(services, "service signal reset api p99_latency", user="oli", channel="C-pay")
    assert _fields(services, "api")["p99 latency"] == "AWS/Lambda/Duration (p99)"


def test_a_rate_override_divides_by_its_denominator(services: Services) -> None:
    setup_teams(services)
    arn = "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/web/1"
    run(services, f"service register web --aws-alb {arn}", user="oli", channel="C-pay")
    reply = run(
        services,
        "service signal set web error_rate --metric HTTPCode_ELB_5XX_Count "
        "--divide-by RequestCount --statistic Sum --scale 100",
        user="oli",
        channel="C-pay",
    )
    assert reply.title == (
        "web: error rate now reads AWS/ApplicationELB/HTTPCode_ELB_5XX_Count (Sum) per "
        "RequestCount × 100 {LoadBalancer=app/web/1}"
    )
    # AND pointed at the targets' 5xx alone, it says the load balancer's are no longer added,
    # and how to get them back
    targets = run(
        services,
        "service signal set web error_rate --metric HTTPCode_Target_5XX_Count "
        "--divide-by RequestCount --statistic Sum --scale 100",
        user="oli",
        channel="C-pay",
    )
    assert targets.text == (
        "HTTPCode_ELB_5XX_Count is no longer added to it (the default adds it). "
        "`sre service signal reset web error_rate` undoes it."
    )
    assert "no longer added" not in reply.text


def _finding_signals(services: Services, window: str) -> set[str]:
    report = investigate(services, f"investigate api --window {window}")
    return {line.split(" ", 2)[1] for line in finding_lines(report)}


def test_an_override_of_the_sample_reads_another_column(services: Services) -> None:
    # GIVEN the sample, whose error rate rises in the incident while its traffic stays flat
    setup_teams(services)
    run(services, "service register api --sample checkout", user="oli", channel="C-pay")
    assert "error" in _finding_signals(services, "2h")
    # WHEN the error rate is pointed at the traffic column
    set_ = "service signal set api error_rate --metric traffic"
    assert run(services, set_, user="oli", channel="C-pay").tone is Tone.OK
    # THEN the investigation reads that column for it, and finds no error-rate change
    assert "error" not in _finding_signals(services, "90m")
    refused = run(
        services, "service signal set api traffic --metric db_cpu", user="oli", channel="C-pay"
    )
    assert "the sample has no metric `db_cpu`" in refused.title + refused.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("api p99_latency --metric Duration --statistic Total", "aws-lambda metrics have no"),
        ("api p99_latency --metric Duration --dimensions FunctionName", "KEY=VALUE pairs"),
        ("api latency --metric Duration", "p50_latency|p99_latency"),
        ("nope p99_latency --metric Duration", "has no service `nope`"),
    ],
)
def test_a_wrong_override_says_what_is_wrong_and_changes_nothing(
    services: Services, text: str, expected: str
) -> None:
    setup_teams(services)
    run(services, "service register api --aws-lambda checkout-fn", user="oli", channel="C-pay")
    before = _query(services, "api", Signal.P99_LATENCY)
    reply = run(services, f"service signal set {text}", user="oli", channel="C-pay")
    assert reply.failed
    assert expected in reply.title + reply.text
    assert _query(services, "api", Signal.P99_LATENCY) == before
