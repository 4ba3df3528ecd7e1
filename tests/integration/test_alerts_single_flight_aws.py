"""The alert tick on DynamoDB (moto) is single-flight by its conditional writes, not by reserved
concurrency (which an account with a concurrency quota of 10 cannot grant): two overlapping ticks
tell each transition once."""

from __future__ import annotations

import boto3
from moto import mock_aws

from shared.adapters.aws.dynamodb_alerts import DynamoDbAlertStore
from shared.replies import Tone
from tests.support import (
    NOW,
    MovingClock,
    Overlapping,
    notifier_of,
    overlapping_runs,
    run,
)
from tests.support.aws import create_table, serialised
from tests.support.deployments import alerting_services


@mock_aws
def test_two_overlapping_alert_ticks_on_dynamodb_tell_each_transition_once() -> None:
    # GIVEN five policies that will fire, stored in the deployment's table
    client = serialised(
        boto3.client("dynamodb"), "dynamodb", "moto's conditional writes are check-then-write"
    )
    store = DynamoDbAlertStore(table=create_table(), client=client)
    clock = MovingClock(NOW)
    services = alerting_services(clock, store=store)
    for n in range(5):
        text = f'alert create a{n} --service checkout-api --when "p99_latency > 800ms"'
        assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    # WHEN two ticks of the same minute run at once and read the same policy versions
    overlapping = alerting_services(clock, store=Overlapping(store))  # type: ignore[arg-type]
    replies = overlapping_runs(overlapping, clock)
    # THEN each alert fired in exactly one of them, and the channel was told each once
    fired = sorted(name for r in replies for name in dict(r.fields)["Fired"].split(", "))
    assert [f for f in fired if f != "none"] == [f"a{n}" for n in range(5)]
    told = sorted(
        name
        for _, notice in notifier_of(overlapping).posted
        for name in notice.title.removeprefix("FIRING checkout-api: ").split(", ")
    )
    assert told == [f"a{n}" for n in range(5)]
