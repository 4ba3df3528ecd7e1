"""What a Slack user sees: usage and suggestions, denials naming the role, buttons, bad payloads."""

from __future__ import annotations

import copy
import itertools
import json
from urllib.parse import quote

import boto3
import pytest

from bots.slack.render import blocks
from handlers import aws_runtime, aws_slack, aws_worker
from shared.replies import Button, Reply, Tone
from tests.fakes.http_capture import CaptureServer, capture_server
from tests.support.aws import lambda_function, queued_record
from tests.support.handlers import post_slack, slash
from tests.support.payloads import (
    LambdaContext,
    load,
    signed_headers,
    slash_command_body,
)

_TRIGGERS = itertools.count(1000)


def test_a_typo_gets_an_ephemeral_usage_with_a_did_you_mean(aws: dict[str, str]) -> None:
    answer = slash("team membr list")
    assert answer["response_type"] == "ephemeral"
    assert "Did you mean `sre team member list`?" in json.dumps(answer["blocks"])


def test_smart_quotes_from_slack_are_read_as_quotes(aws: dict[str, str]) -> None:
    answer = slash("team create payments --description \u201cPayments platform\u201d")
    assert answer["response_type"] == "in_channel"
    assert "Team payments created" in json.dumps(answer["blocks"])
    shown = slash("team show payments")
    assert "Payments platform" in json.dumps(shown["blocks"])


def test_a_forbidden_command_says_which_role_it_needs_and_shows_no_internals(
    aws: dict[str, str],
) -> None:
    slash("team create payments")
    answer = slash("team member add U0456 --team payments", user_id="U0NOBODY")
    text = json.dumps(answer["blocks"])
    assert answer["response_type"] == "ephemeral"
    assert "needs the admin role in team payments" in text
    assert "Traceback" not in text


def test_an_outcome_is_posted_in_channel_with_its_audit_receipt(aws: dict[str, str]) -> None:
    answer = slash("team create payments")
    context = answer["blocks"][-1]
    assert context["type"] == "context"
    assert context["elements"][0]["text"].startswith("audit org#2 · ")


def test_a_button_click_runs_its_command_through_the_same_bus(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN bolt's recorded block_actions payload, its button carrying one of our commands
    payload = copy.deepcopy(load("slack/block_actions_payload.json"))
    payload["actions"][0].update(action_id="sre:0", value="team create search")
    payload["response_url"] = f"{slack_api.url}actions/T111/111/random-value"
    body = "payload=" + quote(json.dumps(payload))
    # WHEN it is posted, signed
    response = post_slack(body, signed_headers(body))
    # THEN it is acknowledged and the outcome is posted to the response URL
    assert response["statusCode"] == 200
    (posted,) = slack_api.calls("random-value")
    assert "Team search created" in json.dumps(posted.body["blocks"])
    assert posted.body["replace_original"] is False


def test_a_signed_but_malformed_payload_is_refused_without_a_trace(aws: dict[str, str]) -> None:
    body = "payload=%7Bnot-json"
    response = post_slack(body, signed_headers(body))
    assert response["statusCode"] == 400
    assert "Traceback" not in response.get("body", "")


def test_a_prompting_button_opens_a_modal_and_runs_its_command_with_the_answer(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN a button that asks for a line of text first, rendered as our Block Kit renders it
    asking = Button(label="New team", command="sre team create", prompt="Team name?")
    (button,) = blocks(Reply(tone=Tone.INFO, title="Start", buttons=[asking]))[-1]["elements"]
    payload = copy.deepcopy(load("slack/block_actions_payload.json"))
    payload["actions"][0].update(action_id=button["action_id"], value=button["value"])
    payload["message"] = {"ts": "111.222"}
    body = "payload=" + quote(json.dumps(payload))
    # WHEN it is clicked, Slack gets a modal asking the question (views.open, with the trigger)
    assert post_slack(body, signed_headers(body))["statusCode"] == 200
    (opened,) = slack_api.calls("views.open")
    assert opened.body["trigger_id"] == "111.222.valid"
    view = (
        json.loads(opened.body["view"])
        if isinstance(opened.body["view"], str)
        else opened.body["view"]
    )
    assert view["blocks"][0]["label"]["text"] == "Team name?"
    # AND when the modal is submitted with "search"
    submission = {
        "type": "view_submission",
        "team": payload["team"],
        "user": payload["user"],
        "api_app_id": "A111",
        "token": "verification_token",
        "trigger_id": "222.333.valid",
        "view": {
            "id": "V0MODAL",
            "hash": "1700000000.abc",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {
                "values": {"answer": {"answer": {"type": "plain_text_input", "value": "search"}}}
            },
        },
    }
    body = "payload=" + quote(json.dumps(submission))
    response = post_slack(body, signed_headers(body))
    # THEN the modal closes and the command's outcome is posted in the button's thread
    assert response["statusCode"] == 200
    assert not response.get("body")
    (posted,) = slack_api.calls("chat.postMessage")
    assert posted.body["channel"] == "C111"
    assert posted.body["thread_ts"] == "111.222"
    assert "Team search created" in json.dumps(posted.body["blocks"])


def test_a_form_that_cannot_open_says_so_and_what_to_type_instead(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a Slack that refuses to open the form (the click's trigger expired: a cold start)
    refusing = {"views.open": {"ok": False, "error": "expired_trigger_id"}}
    with capture_server(by_path=refusing) as slack_api:
        monkeypatch.setenv("SLACK_API_URL", slack_api.url)
        for cached in (aws_runtime.settings, aws_runtime.services, aws_slack.slack):
            cached.cache_clear()
        asking = Button(label="Comment", command="sre investigation comment inv-1", prompt="Why?")
        (button,) = blocks(Reply(tone=Tone.INFO, title="Start", buttons=[asking]))[-1]["elements"]
        payload = copy.deepcopy(load("slack/block_actions_payload.json"))
        payload["actions"][0].update(action_id=button["action_id"], value=button["value"])
        payload["response_url"] = f"{slack_api.url}actions/T111/111/random-value"
        body = "payload=" + quote(json.dumps(payload))
        # WHEN the button is clicked
        assert post_slack(body, signed_headers(body))["statusCode"] == 200
        # THEN the person is told, only them, why nothing opened and what to type
        (told,) = slack_api.calls("actions/T111/111/random-value")
    assert told.body["response_type"] == "ephemeral"
    assert "The form could not open (expired_trigger_id)" in told.body["text"]
    assert "`/sre investigation comment inv-1 …`" in told.body["text"]


def test_a_canarys_promote_button_refuses_a_viewer_at_once_and_the_worker_runs_it_for_an_operator(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN a canary of checkout-fn version 2 at 5%, its message posted with its buttons
    lambda_function()
    for text in (
        "team create payments",
        "team bind --team payments",
        "team member add W111 --role operator --team payments",
        "team member add U0VIEWER --role viewer --team payments",
        "service register checkout-api --aws-lambda checkout-fn --team payments",
    ):
        assert "needs" not in json.dumps(slash(text)["blocks"]), text
    # (the start is queued, its traffic moved by the worker, its answer given at response_url)
    start = slash_command_body(
        "canary start checkout-api --version 2 --team payments",
        response_url=f"{slack_api.url}commands/T111/111/start",
    )
    answer = json.loads(post_slack(start, signed_headers(start))["body"])
    assert "Working on" in json.dumps(answer["blocks"])
    assert aws_worker.handler(
        {"Records": [queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])]}, LambdaContext()
    ) == {"batchItemFailures": []}
    (started,) = slack_api.calls("commands/T111/111/start")
    assert started.body["response_type"] == "ephemeral"
    (message,) = slack_api.calls("chat.postMessage")
    (actions,) = [b for b in message.body["blocks"] if b["type"] == "actions"]
    promote = next(e for e in actions["elements"] if e["text"]["text"] == "Promote")
    # WHEN a viewer of the team clicks Promote (a signed block_actions request)
    payload = copy.deepcopy(load("slack/block_actions_payload.json"))
    payload["user"] = {**payload["user"], "id": "U0VIEWER", "username": "vic", "name": "vic"}
    payload["actions"][0].update(action_id=promote["action_id"], value=promote["value"])
    payload["response_url"] = f"{slack_api.url}actions/T111/111/viewer-click"
    body = "payload=" + quote(json.dumps(payload))
    assert post_slack(body, signed_headers(body))["statusCode"] == 200
    # THEN they alone are told it needs the operator role, and the traffic did not move
    (told,) = slack_api.calls("viewer-click")
    assert told.body["response_type"] == "ephemeral"
    assert "needs the operator role in team payments" in json.dumps(told.body["blocks"])
    alias = boto3.client("lambda").get_alias(FunctionName="checkout-fn", Name="live")
    assert alias["FunctionVersion"] == "1"
    assert alias["RoutingConfig"]["AdditionalVersionWeights"] == {"2": 0.05}
    assert not slack_api.calls("chat.update")
    assert (
        not boto3.client("sqs")
        .receive_message(QueueUrl=aws["AUTOSRE_TASK_QUEUE_URL"])
        .get("Messages")
    )  # nothing was queued for the worker
    # WHEN the team's operator clicks it THEN they alone are told it is under way, traffic unmoved
    payload = copy.deepcopy(load("slack/block_actions_payload.json"))
    payload["actions"][0].update(action_id=promote["action_id"], value=promote["value"])
    payload["response_url"] = f"{slack_api.url}actions/T111/111/operator-click"
    body = "payload=" + quote(json.dumps(payload))
    assert post_slack(body, signed_headers(body))["statusCode"] == 200
    (working,) = slack_api.calls("operator-click")
    assert working.body["response_type"] == "ephemeral"
    assert "Working on" in json.dumps(working.body["blocks"])
    alias = boto3.client("lambda").get_alias(FunctionName="checkout-fn", Name="live")
    assert alias["FunctionVersion"] == "1"
    # AND once the worker ran it, version 2 has all the traffic, the canary's one message says so
    # (updated, never posted again), and the operator alone reads who promoted it
    assert aws_worker.handler(
        {"Records": [queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])]}, LambdaContext()
    ) == {"batchItemFailures": []}
    alias = boto3.client("lambda").get_alias(FunctionName="checkout-fn", Name="live")
    assert alias["FunctionVersion"] == "2"
    (updated,) = slack_api.calls("chat.update")
    assert updated.body["ts"] == "1700000000.000100"  # the fake Web API's ts of the message
    assert "promoted at 100%" in json.dumps(updated.body["blocks"])
    assert len(slack_api.calls("chat.postMessage")) == 1
    _, done = slack_api.calls("operator-click")
    assert done.body["response_type"] == "ephemeral"
    assert "promoted by <@W111>" in json.dumps(done.body["blocks"])
