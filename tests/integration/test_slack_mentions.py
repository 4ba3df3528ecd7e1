"""What Slack shows of people, channels and user text, through signed requests: mentions Slack
renders with names, and nothing a user typed ever pings a channel or a group."""

from __future__ import annotations

import json
import re
from typing import Any

from handlers import aws_worker
from tests.fakes.http_capture import CaptureServer
from tests.support.aws import queued_record
from tests.support.handlers import slash
from tests.support.payloads import LambdaContext

ALICE = "<@U024BE7LH|alice>"
"""Alice, as Slack escapes a mention in a slash command's text."""
PINGS = "<!subteam^S0DBONCALL|@db-oncall> <!channel> <!here> <!everyone> @here"
"""Every way a Slack user can ask for a crowd, as Slack sends it."""


def _texts(answer: dict[str, Any]) -> list[str]:
    """Every mrkdwn text of a message, in order (sections, fields, context)."""
    return [
        part["text"]
        for block in answer["blocks"]
        for part in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]
        if part and part.get("type") == "mrkdwn"
    ]


def _crowd_pinged(text: str) -> bool:
    return bool(re.search(r"<!(channel|here|everyone|subteam)", text))


def test_people_and_channels_in_replies_are_slack_mentions(aws: dict[str, str]) -> None:
    # GIVEN team demo, made by the org admin W111
    assert slash("team create demo")["response_type"] == "in_channel"
    # WHEN alice is added (mentioned as Slack sends her) and the channel is bound
    added = slash(f"team member add {ALICE} --role admin --team demo")
    bound = slash("team bind --team demo")
    members = slash("team member list --team demo")
    # THEN Slack gets mentions, which it shows with the person's and the channel's names
    assert _texts(added)[0] == ":white_check_mark: *<@U024BE7LH> added to demo as admin*"
    assert _texts(bound)[0] == ":white_check_mark: *<#C111> is bound to team demo*"
    assert _texts(members)[1] == "<@U024BE7LH> · admin"
    # AND the receipt names the trail it is in, so two #2s from two trails tell apart
    assert _texts(bound)[-1].startswith("audit demo#")
    assert _texts(added)[-1].startswith("audit demo#")
    created_again = slash("team create ops")
    assert re.match(r"audit org#\d+ · [0-9a-f]{6}$", _texts(created_again)[-1])


def test_a_comment_asking_for_a_crowd_pings_nobody(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN an investigation of the sample service in channel C111
    for command in (
        "team create payments",
        "team bind C111 --team payments",
        "team member add W111 --role operator --team payments",
        "service register checkout-api --sample checkout",
        "investigate checkout-api",
    ):
        assert not _crowd_pinged(json.dumps(slash(command)))
    record = queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])
    assert aws_worker.handler({"Records": [record]}, LambdaContext()) == {"batchItemFailures": []}
    (report,) = slack_api.calls("chat.postMessage")
    inv = re.findall(r"inv-[0-9a-f]+", json.dumps(report.body["blocks"]))[0]
    # WHEN someone comments with every group and channel mention Slack knows
    commented = slash(f'investigation comment {inv} "{PINGS} rolled back"')
    shown = slash(f"investigation show {inv}")
    # THEN the comment reads as typed and pings nobody: the markup is escaped, Slack parses nothing
    for answer in (commented, shown):
        assert not any(_crowd_pinged(text) for text in _texts(answer)), _texts(answer)
        assert not _crowd_pinged(answer["text"])
        assert all(
            part.get("verbatim") is True
            for block in answer["blocks"]
            for part in [block.get("text"), *block.get("fields", [])]
            if part
        )
    assert "@S0DBONCALL &lt;!channel&gt; &lt;!here&gt;" in _texts(commented)[1]
    # AND the one who commented is a mention in the timeline
    assert "<@W111> comment: @S0DBONCALL &lt;!channel&gt;" in _texts(shown)[1]
