"""On AWS the faulted share is not read apart (CloudWatch's Lambda metrics do not split it): the
plan and the start say so in one line, through the bus with the Slack renderer; the simulation,
which splits the shares, does not."""

from __future__ import annotations

import html
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from bots.slack.render import blocks
from shared.adapters.aws.cloudwatch_chaos import CloudWatchFaultMetrics
from shared.adapters.aws.cloudwatch_metrics import CloudWatchMetricsSource
from shared.adapters.local.simulated_chaos import (
    InMemoryChaosState,
    SimulatedFaultInjector,
    SimulatedSafetyLever,
)
from shared.adapters.memory import InMemoryChaosStore
from shared.bootstrap.adapters import ChaosAdapters
from shared.bootstrap.wiring import Services
from shared.chaos.planning import WHOLE_SERVICE
from shared.replies import Tone
from tests.support import NOW, MovingClock, run_deferred
from tests.support.chaos import HARMLESS, chaos_services

ERRORS = 'checkout-api --fault error --expect "error_rate < 1%"'


@pytest.fixture
def on_cloudwatch() -> Iterator[Services]:
    """Chaos whose fault metrics are CloudWatch's (moto), the injection simulated."""
    clock = MovingClock(NOW)
    state = InMemoryChaosState()
    with mock_aws():
        client = boto3.client("cloudwatch", region_name="us-east-1")
        yield chaos_services(
            clock,
            chaos=ChaosAdapters(
                store=InMemoryChaosStore(),
                injector=SimulatedFaultInjector(state=state, clock=clock),
                lever=SimulatedSafetyLever(state=state),
                metrics=CloudWatchFaultMetrics(CloudWatchMetricsSource(client=client)),
            ),
        )


def shown(services: Services, command: str) -> str:
    """What Slack shows of `sre <command>` by oli in C-pay (run by the worker), unescaped."""
    reply = run_deferred(services, command, user="oli", channel="C-pay")
    return html.unescape(str(blocks(reply)))


def test_the_plan_on_aws_says_the_faulted_share_is_not_told_apart(
    on_cloudwatch: Services,
) -> None:
    said = shown(on_cloudwatch, f"chaos plan {ERRORS}")
    assert "On AWS the faulted share cannot be told apart" in said
    assert "a fault on 1% may not show: use larger steps" in said
    assert "against the same minutes' unfaulted share" not in said


def test_the_start_on_aws_says_so_too(on_cloudwatch: Services) -> None:
    reply = run_deferred(on_cloudwatch, f"chaos start {ERRORS}", user="oli", channel="C-pay")
    assert reply.tone is Tone.OK, reply
    assert WHOLE_SERVICE in html.unescape(str(blocks(reply)))


def test_the_simulation_splits_the_shares_and_says_nothing_of_it() -> None:
    services = chaos_services(MovingClock(NOW))
    said = shown(services, f"chaos plan {HARMLESS}")
    assert "against the same minutes' unfaulted share" in said
    assert "cannot be told apart" not in said
    assert WHOLE_SERVICE not in shown(services, f"chaos start {HARMLESS}")


def test_an_error_bound_under_a_step_is_said_to_break_there_with_what_holds(
    on_cloudwatch: Services,
) -> None:
    # GIVEN an error fault whose last step fails 25% of the whole service by itself
    plan = 'chaos plan checkout-api --fault error --expect "error_rate < 10%"'
    said = shown(on_cloudwatch, plan)
    # THEN the plan says where it breaks and what to write instead, and still would start
    assert "(would start)" in said
    assert "`error_rate < 10%` cannot hold from the 25% step" in said
    assert (
        '(--expect "error_rate < 30%"), or keep to the steps that do not break it (--percent 1,5).'
        in said
    )
    # AND the steps under it are not said to break
    assert "cannot hold" not in shown(on_cloudwatch, f"{plan} --percent 1,5")
