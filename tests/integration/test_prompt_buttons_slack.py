"""The report's Helpful / Wrong buttons in Slack: signed block_actions requests through bolt and
the AWS handlers, each person's verdict kept once in DynamoDB with the variant that wrote the
narrative."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import quote

from shared.adapters.aws.dynamodb_prompts import DynamoDbFeedbackStore
from shared.identity.models import OrgId
from shared.prompts.models import Verdict
from tests.fakes.http_capture import CaptureServer
from tests.support.handlers import post_slack, work_queued
from tests.support.payloads import load, signed_headers, slash_command_body


def _reported(aws: dict[str, str], slack_api: CaptureServer) -> dict[str, Any]:
    """The sample service investigated in C111 by W111 (an operator): the report's actions."""
    for n, command in enumerate(
        [
            "team create payments",
            "team bind C111 --team payments",
            "team member add W111 --role operator --team payments",
            "service register checkout-api --sample checkout",
            "investigate checkout-api",
        ]
    ):
        body = slash_command_body(command, trigger_id=f"setup-{n}")
        assert post_slack(body, signed_headers(body))["statusCode"] == 200
    work_queued(aws["AUTOSRE_TASK_QUEUE_URL"])
    (post,) = slack_api.calls("chat.postMessage")
    actions: dict[str, Any] = next(b for b in post.body["blocks"] if b["type"] == "actions")
    return actions


def test_helpful_is_kept_once_with_the_variant_and_a_second_click_changes_nothing(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN a report in Slack with its narrative signed in the footer
    actions = _reported(aws, slack_api)
    (post,) = slack_api.calls("chat.postMessage")
    assert "cause-first v1 · " in json.dumps(post.body["blocks"], ensure_ascii=False)
    # WHEN W111 clicks Helpful, then Helpful again
    for answer in ("first", "second"):
        _click_to(actions, "Helpful", slack_api.url, answer)
    # THEN the first is thanked, the second told it was said already
    (first,) = slack_api.calls("first")
    (second,) = slack_api.calls("second")
    assert "Recorded for cause-first v1 · " in json.dumps(first.body["blocks"], ensure_ascii=False)
    assert "you already said this narrative was helpful" in json.dumps(
        second.body["blocks"], ensure_ascii=False
    )
    # AND one verdict is kept, with the variant that wrote the narrative
    (kept,) = DynamoDbFeedbackStore(table=aws["AUTOSRE_TABLE"]).list_for(OrgId("slack:T111"))
    assert (kept.by, kept.verdict) == ("W111", Verdict.HELPFUL)
    assert kept.narrated_by.startswith("cause-first v1 · ")


def test_someone_without_a_role_in_the_team_is_refused_and_nothing_is_kept(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    actions = _reported(aws, slack_api)
    _click_to(actions, "Helpful", slack_api.url, "stranger", user="W999")
    (refused,) = slack_api.calls("stranger")
    assert "needs the responder role in team payments" in json.dumps(
        refused.body["blocks"], ensure_ascii=False
    )
    assert not DynamoDbFeedbackStore(table=aws["AUTOSRE_TABLE"]).list_for(OrgId("slack:T111"))


def _click_to(
    actions: dict[str, Any], label: str, url: str, answer: str, *, user: str = "W111"
) -> None:
    """`_click`, its answer posted to the fake Slack's `url` under `answer`."""
    button = next(e for e in actions["elements"] if e["text"]["text"] == label)
    payload = copy.deepcopy(load("slack/block_actions_payload.json"))
    payload["actions"][0].update(action_id=button["action_id"], value=button["value"])
    payload["trigger_id"] = f"{answer}.111.valid"  # every click is its own delivery
    payload["user"] = {**payload["user"], "id": user}
    payload["response_url"] = f"{url}actions/T111/111/{answer}"
    body = "payload=" + quote(json.dumps(payload))
    assert post_slack(body, signed_headers(body))["statusCode"] == 200
