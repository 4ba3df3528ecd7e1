"""Chaos on the AWS deployment through Slack: signed `/sre chaos start` queued and run by the
worker on moto (FIS, Lambda with a stand-in extension layer, IAM, CloudWatch, DynamoDB, SQS);
the guard alarm fired with `set_alarm_state` and StopExperiment called by the next scheduler tick
(moto never stops an experiment by itself); a signed Halt click acknowledged at once.

Moto has no FIS safety lever: botocore answers its two calls (tests/support/chaos_aws.py)."""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import boto3
import pytest

from handlers import aws_runtime, aws_slack
from shared.adapters.aws.dynamodb_chaos import DynamoDbChaosStore
from shared.adapters.aws.s3_audit import S3AuditLog
from shared.audit.models import StreamKey
from shared.chaos.models import ExperimentOutcome, ExperimentState
from shared.identity.models import OrgId
from tests.fakes.http_capture import CaptureServer
from tests.support import records
from tests.support.chaos_aws import (
    GUARD,
    START,
    AccountLever,
    fis_catches_up,
    fis_deployment,
    injections,
    running,
    status,
)
from tests.support.handlers import alerts_tick, post_slack, slash, work_queued
from tests.support.payloads import load, signed_headers, slash_command_body


@pytest.fixture
def chaos_aws(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[AccountLever]:
    """The AWS deployment with FIS configured, the team payments with W111 its operator."""
    with fis_deployment(monkeypatch) as lever:
        for text in (
            "team create payments",
            "team bind --team payments",
            "team member add W111 --role operator --team payments",
            "service register checkout-api --aws-lambda checkout-fn --team payments",
            GUARD,
        ):
            assert "needs" not in json.dumps(slash(text)["blocks"]), text
        yield lever


def _started(aws: dict[str, str], slack_api: CaptureServer) -> str:
    """`/sre chaos start`, signed, answered at once and run by the worker: the FIS experiment."""
    body = slash_command_body(
        START, response_url=f"{slack_api.url}commands/T111/111/start", trigger_id="1.111.start"
    )
    answer = json.loads(post_slack(body, signed_headers(body))["body"])
    assert "Working on" in json.dumps(answer["blocks"])
    assert not injections()  # nothing before the worker
    work_queued(aws["AUTOSRE_TASK_QUEUE_URL"])
    (handle,) = injections()
    running(handle)
    return handle


def _halt_click(slack_api: CaptureServer, answer_at: str) -> str:
    """The body of a click on the experiment message's Halt button (bolt's recorded
    block_actions payload), answered at `answer_at` on the fake Slack API."""
    (posted,) = slack_api.told("chat.postMessage")
    (actions,) = [b for b in posted.body["blocks"] if b["type"] == "actions"]
    halt = next(e for e in actions["elements"] if e["text"]["text"] == "Halt")
    payload = copy.deepcopy(load("slack/block_actions_payload.json"))
    payload["actions"][0].update(action_id=halt["action_id"], value=halt["value"])
    payload["response_url"] = f"{slack_api.url}actions/T111/111/{answer_at}"
    return "payload=" + quote(json.dumps(payload))


def _experiments(aws: dict[str, str]) -> Any:
    store = DynamoDbChaosStore(table=aws["AUTOSRE_TABLE"], client=boto3.client("dynamodb"))
    return store.list_for(OrgId("slack:T111"), "payments")


def test_a_start_is_recorded_injected_by_the_worker_and_stopped_by_the_tick_after_its_guard_fires(
    chaos_aws: AccountLever, aws: dict[str, str], slack_api: CaptureServer
) -> None:
    handle = _started(aws, slack_api)
    # the experiment is kept in the table, its first step's injection is the FIS experiment
    (kept,) = _experiments(aws)
    assert kept.state is ExperimentState.RUNNING
    assert [i.handle for i in kept.injections] == [handle]
    found = boto3.client("fis").get_experiment(id=handle)["experiment"]
    (action,) = found["actions"].values()
    assert action["parameters"]["invocationPercentage"] == "1"
    assert status(handle) == "running"
    (posted,) = slack_api.told("chat.postMessage")
    assert "Halt" in json.dumps(posted.body["blocks"])
    # WHEN customers see errors: the guard alarm (FIS's stop condition) is in ALARM
    (alarm,) = boto3.client("cloudwatch").describe_alarms()["MetricAlarms"]
    boto3.client("cloudwatch").set_alarm_state(
        AlarmName=alarm["AlarmName"], StateValue="ALARM", StateReason="5XX above 5%"
    )
    # THEN the next tick calls StopExperiment and removes the guard alarm; the experiment is
    # rolling back, its removal not verified while FIS is still `stopping` (the engine says so
    # as a halt under way, checked again every tick; failed only past the stopping grace)
    alerts_tick("tick-1", 1)
    assert status(handle) == "stopping"
    assert not boto3.client("cloudwatch").describe_alarms()["MetricAlarms"]
    (halting,) = _experiments(aws)
    assert halting.state is ExperimentState.ROLLING_BACK
    assert f"guard alarm {alarm['AlarmName']} is in ALARM" in halting.reason
    assert [r.verified for r in halting.rollbacks] == [False]
    # AND once FIS has stopped it, the next tick verifies it gone and ends the experiment
    fis_catches_up()
    alerts_tick("tick-2", 2)
    assert status(handle) == "stopped"
    (ended,) = _experiments(aws)
    assert ended.state is ExperimentState.ENDED
    assert [r.verified for r in ended.rollbacks] == [False, True]
    assert ended.outcome is ExperimentOutcome.HALTED
    # all of it told in the experiment's one message, updated in place
    assert len(slack_api.told("chat.postMessage")) == 1
    assert "every injection removed and verified" in json.dumps(
        slack_api.calls("chat.update")[-1].body["blocks"]
    )


def test_a_signed_halt_click_is_answered_at_once_and_the_worker_stops_the_fis_experiment(
    chaos_aws: AccountLever, aws: dict[str, str], slack_api: CaptureServer
) -> None:
    handle = _started(aws, slack_api)
    # WHEN the operator clicks Halt (bolt's recorded block_actions payload, signed)
    body = _halt_click(slack_api, "halt-click")
    # THEN bolt acknowledges it and the operator is told it is under way; FIS is not called yet
    assert post_slack(body, signed_headers(body))["statusCode"] == 200
    (working,) = slack_api.calls("halt-click")
    assert "Working on" in json.dumps(working.body["blocks"])
    assert status(handle) == "running"
    # AND once the worker ran it, StopExperiment was called and the experiment is halted
    work_queued(aws["AUTOSRE_TASK_QUEUE_URL"])
    assert status(handle) == "stopping"
    (halted,) = _experiments(aws)
    assert halted.state is ExperimentState.ROLLING_BACK
    assert "halted by @W111" in halted.reason
    told = json.dumps(slack_api.told("chat.postMessage")[-1].body["blocks"])
    assert "halted by <@W111>: its fault is being removed" in told
    assert halted.outcome is ExperimentOutcome.HALTED  # FIS still stopping: not a failure
    # AND once FIS has stopped it, the next tick verifies it gone and ends the experiment
    fis_catches_up()
    alerts_tick("tick-1", 1)
    assert status(handle) == "stopped"
    (ended,) = _experiments(aws)
    assert ended.state is ExperimentState.ENDED
    assert [r.verified for r in ended.rollbacks] == [False, True]


def test_without_an_fis_role_every_chaos_command_names_the_setting(aws: dict[str, str]) -> None:
    slash("team create payments")
    slash("team member add W111 --role operator --team payments")
    answer = slash("chaos list --team payments")
    text = json.dumps(answer["blocks"])
    assert "Chaos is not configured on this deployment" in text
    assert "set AUTOSRE_FIS_ROLE_ARN" in text
    assert answer["response_type"] == "ephemeral"


def test_halt_all_engages_the_account_lever_stops_fis_and_refuses_a_new_start(
    chaos_aws: AccountLever, aws: dict[str, str], slack_api: CaptureServer
) -> None:
    handle = _started(aws, slack_api)
    # WHEN an org admin halts everything: answered at once, run by the worker
    body = slash_command_body(
        "chaos halt --all", response_url=f"{slack_api.url}commands/all", trigger_id="2.111.all"
    )
    answer = json.dumps(json.loads(post_slack(body, signed_headers(body))["body"]))
    assert "Working on" in answer
    work_queued(aws["AUTOSRE_TASK_QUEUE_URL"])
    # THEN FIS's safety lever is engaged, by whom and why, and the FIS experiment is stopping
    assert chaos_aws.state["status"] == "engaged"
    assert "by W111" in chaos_aws.state["reason"]
    assert status(handle) == "stopping"
    told = json.dumps(slack_api.told("chat.postMessage")[-1].body["blocks"])  # in the channel
    assert "Safety lever engaged by <@W111>: 1 experiment halted" in told
    # AND a new start is refused while it is engaged, nothing injected
    fis_catches_up()  # (preflight's dry run may resolve its targets)
    again = slash_command_body(
        START, response_url=f"{slack_api.url}commands/again", trigger_id="3.111.again"
    )
    post_slack(again, signed_headers(again))
    work_queued(aws["AUTOSRE_TASK_QUEUE_URL"])
    assert "safety lever" in json.dumps(slack_api.calls("commands/again")[-1].body["blocks"])
    assert injections() == [handle]


def test_a_halt_click_while_s3_takes_requests_and_never_answers_is_answered_its_entries_owed(
    chaos_aws: AccountLever,
    aws: dict[str, str],
    slack_api: CaptureServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handle = _started(aws, slack_api)
    body = _halt_click(slack_api, "silent-s3")
    # GIVEN the audit bucket's endpoint takes connections and never answers (fresh functions)
    with socket.create_server(("127.0.0.1", 0)) as s3:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{s3.getsockname()[1]}")
        _fresh_functions()
        # WHEN the operator clicks Halt THEN bolt answers while S3 still holds the request, and
        # says the entry is owed
        assert post_slack(body, signed_headers(body))["statusCode"] == 200
        held, _ = s3.accept()  # the entry's first request: still waiting for its answer
        assert _still_waiting(held)
        (working,) = slack_api.calls("silent-s3")
        told = json.dumps(working.body["blocks"])
        assert "Working on" in told
        assert "Its audit entry will be written when the audit trail is back." in told
        # AND the worker halts it all the same: StopExperiment called
        work_queued(aws["AUTOSRE_TASK_QUEUE_URL"])
        assert status(handle) == "stopping"
    # WHEN S3 answers again THEN the next tick writes the halt's owed entries into the trail
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    _fresh_functions()
    alerts_tick("tick-1", 1)
    trail = S3AuditLog(bucket=aws["AUTOSRE_AUDIT_BUCKET"], client=boto3.client("s3"))
    halts = [
        r.outcome.value
        for r in records(trail, StreamKey(org=OrgId("slack:T111"), team="payments"))
        if r.command.startswith("sre chaos halt")
    ]
    assert halts == ["requested", "succeeded"]


def _fresh_functions() -> None:
    """The functions as a new container makes them (clients from the environment)."""
    aws_runtime.services.cache_clear()
    aws_slack.slack.cache_clear()


def _still_waiting(connection: socket.socket) -> bool:
    """Whether the client is still waiting on `connection` (its request read, no end seen)."""
    connection.setblocking(False)
    try:
        while connection.recv(65536):
            pass
    except BlockingIOError:
        return True
    return False  # the client gave up on it: closed


def test_a_second_registration_of_a_production_function_still_waits_for_approval(
    chaos_aws: AccountLever, aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN checkout-fn registered twice by one operator: once as production, once not (the
    # same function: a fault in one is a fault in both)
    for text in (
        "service remove checkout-api --team payments",
        "service register checkout-api --aws-lambda checkout-fn:live --production --team payments",
        "service register checkout-staging --aws-lambda checkout-fn:staging --team payments",
        GUARD,
        GUARD.replace("checkout-api", "checkout-staging"),
    ):
        assert "needs" not in json.dumps(slash(text)["blocks"]), text
    # WHEN the same operator starts chaos on the registration that is not marked production
    said = _run_start(START.replace("checkout-api", "checkout-staging"), aws, slack_api)
    # THEN nothing is injected: it waits for a second operator, saying why
    assert not injections()
    assert "waits for approval: checkout-staging's resource is production" in said, said[:2000]


def test_a_function_of_another_account_is_refused_not_its_namesake_here_faulted(
    chaos_aws: AccountLever, aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN checkout-api registered as the ARN of a function in another account and Region,
    # whose name this deployment's account also has
    for text in (
        "service remove checkout-api --team payments",
        "service register checkout-api --aws-lambda "
        "arn:aws:lambda:eu-west-1:999999999999:function:checkout-fn --team payments",
        GUARD,
    ):
        slash(text)
    # WHEN chaos is started on it
    said = _run_start(START, aws, slack_api)
    # THEN nothing is injected (FIS here would fault this account's checkout-fn), and it says why
    assert not injections()
    assert "is a function of account 999999999999 in eu-west-1" in said, said[:3000]


def _run_start(text: str, aws: dict[str, str], slack_api: CaptureServer) -> str:
    """`/sre <text>`, signed, run by the worker: everything posted to Slack since, as JSON."""
    body = slash_command_body(text, response_url=f"{slack_api.url}commands/T111/111/start")
    post_slack(body, signed_headers(body))
    work_queued(aws["AUTOSRE_TASK_QUEUE_URL"])
    return json.dumps([request.body for request in slack_api.requests])
