"""Bot Framework activities through handlers.aws_teams.handler; the bot on a TestAdapter."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import boto3
import jwt
import pytest
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from cryptography.hazmat.primitives.asymmetric import rsa

from bots.msteams.bot import SreBot
from bots.msteams.mentions import MAX_LOOKUPS
from handlers import aws_runtime, aws_teams, aws_worker
from shared.bootstrap.memory import for_memory
from shared.config import Settings
from shared.identity.models import OrgId
from tests.fakes.bot_framework import (
    APP_ID,
    BOT_TOKEN,
    BotFrameworkKeys,
)
from tests.fakes.http_capture import CaptureServer, capture_server
from tests.support.aws import lambda_function, queued_record
from tests.support.handlers import adaptive_cards, alerts_tick, post_teams
from tests.support.payloads import LambdaContext, channel_activity, http_api_event, message_activity
from tests.support.teams import teams_on_aws

SIGNED = "signed"
"""Sign the activity as the Bot Connector would, for its own serviceUrl."""
_channel: list[BotFrameworkKeys] = []
"""The signing keys of the running test's channel (set by the teams_env fixture)."""


@pytest.fixture
def teams_service() -> Iterator[CaptureServer]:
    """Stands in for the Bot Connector service at the activity's serviceUrl."""
    roster = {f"/members/{quote(ALICE['id'])}": {**ALICE, "aadObjectId": ALICE_AAD}}
    with capture_server({"id": "reply-1"}, by_path=roster) as server:
        yield server


ALICE = {"id": "29:1aLiCe-x_Yz", "name": "Alice"}
"""Alice as a Teams mention names her: her id on the Bot Connector, not her Azure AD one."""
ALICE_AAD = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
"""Alice's Azure AD object id, which Teams sends when she writes (`from.aadObjectId`)."""


def _post(activity: Any, authorization: str | None = SIGNED) -> dict[str, Any]:
    headers = {"content-type": "application/json"}
    if authorization == SIGNED and isinstance(activity, dict):
        authorization = _channel[-1].token(activity["serviceUrl"])
    if authorization is not None and authorization != SIGNED:
        headers["authorization"] = authorization
    return post_teams(activity if isinstance(activity, str) else json.dumps(activity), headers)


@pytest.fixture
def teams_env(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The AWS deployment with Teams on, its channel's keys served on loopback."""
    with teams_on_aws(monkeypatch) as keys:
        _channel.append(keys)
        yield aws
        _channel.remove(keys)


def test_the_recorded_activity_gets_a_reply_card(
    teams_env: dict[str, str], teams_service: CaptureServer
) -> None:
    # GIVEN the recorded Teams message ("Hallo"), sent to our handler
    response = _post(message_activity(teams_service.url))
    # THEN it is accepted and the reply goes to the conversation as an Adaptive Card, with the
    # bot's own token
    assert response["statusCode"] == 200
    (request,) = teams_service.requests
    assert request.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    conversation = quote("19:Ql86tXNM2lTBXNKJdqKdwIF9ltGZwpvluLvnJdA0tmg1@thread.v2", safe="")
    assert request.path == f"/v3/conversations/{conversation}/activities/1741702606984"
    (card,) = adaptive_cards(teams_service)
    assert card["type"] == "AdaptiveCard"
    assert "`hallo` is not a command" in card["body"][0]["text"]


def test_a_command_in_teams_runs_through_the_bus_with_the_mention_stripped(
    teams_env: dict[str, str], teams_service: CaptureServer
) -> None:
    assert _post(message_activity(teams_service.url, "team create platform"))["statusCode"] == 200
    (card,) = adaptive_cards(teams_service)
    assert card["body"][0]["text"] == "Team platform created"
    assert card["body"][-1]["text"].startswith("audit org#2 · ")


def test_the_same_message_id_in_two_conversations_is_two_commands_and_a_retry_is_one(
    teams_env: dict[str, str], teams_service: CaptureServer
) -> None:
    # GIVEN two channels of one tenant whose messages carry the same id (Teams numbers a message
    # by its time in milliseconds, unique only within its conversation)
    pay = channel_activity(
        teams_service.url, "pay", "1", 7, text="<at>Custom Agent</at> team create pay"
    )
    ops = channel_activity(
        teams_service.url, "ops", "1", 7, text="<at>Custom Agent</at> team create ops"
    )
    assert pay["id"] == ops["id"]
    # WHEN both are sent, then the first is delivered again
    for activity in (pay, ops, pay):
        assert _post(activity)["statusCode"] == 200
    # THEN both commands ran, and the retry ran nothing again
    titles = [card["body"][0]["text"] for card in adaptive_cards(teams_service)]
    assert titles[:2] == ["Team pay created", "Team ops created"]
    assert "already exists" not in " ".join(titles)
    teams = aws_runtime.services().directory.list_teams(OrgId("teams:REDACTED"))
    assert sorted(team.name for team in teams) == ["ops", "pay"]


def test_a_deferred_teams_command_is_answered_by_the_worker_in_the_conversation(
    teams_env: dict[str, str], teams_service: CaptureServer
) -> None:
    _post(message_activity(teams_service.url, "doctor"))
    assert "Working on" in adaptive_cards(teams_service)[0]["body"][0]["text"]
    record = queued_record(teams_env["AUTOSRE_TASK_QUEUE_URL"])
    assert aws_worker.handler({"Records": [record]}, LambdaContext()) == {"batchItemFailures": []}
    assert adaptive_cards(teams_service)[1]["body"][0]["text"] == "Doctor: all checks pass"


def test_with_an_openid_metadata_url_a_token_signed_by_the_key_it_serves_is_accepted(
    teams_env: dict[str, str], teams_service: CaptureServer
) -> None:
    # GIVEN TEAMS_OPENID_METADATA_URL naming a loopback OpenID document and its JWKS
    keys = _channel[-1]
    # WHEN an activity comes with a token signed by that key (the public cloud's issuer)
    response = _post(message_activity(teams_service.url, "whoami"))
    # THEN the keys were fetched from there, and the bot answered
    assert response["statusCode"] == 200
    assert keys.fetched == ["/.well-known/openidconfiguration", "/keys"]
    assert adaptive_cards(teams_service)[0]["body"][0]["text"] == "Who you are"


def test_a_sovereign_clouds_issuer_is_accepted_when_configured_and_no_other(
    teams_env: dict[str, str], teams_service: CaptureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the US Government cloud's token issuer configured beside the metadata URL
    monkeypatch.setenv("TEAMS_TOKEN_ISSUER", "https://api.botframework.us")
    aws_runtime.settings.cache_clear()
    aws_teams.teams.cache_clear()
    keys, activity = _channel[-1], message_activity(teams_service.url, "whoami")
    # WHEN its channel sends a token of that issuer: accepted and answered
    sovereign = keys.token(teams_service.url, issuer="https://api.botframework.us")
    assert _post(activity, sovereign)["statusCode"] == 200
    assert adaptive_cards(teams_service)[0]["body"][0]["text"] == "Who you are"
    # WHEN a token of the public cloud's issuer comes instead: refused, nothing posted
    teams_service.requests.clear()
    assert _post(activity, keys.token(teams_service.url))["statusCode"] == 401
    assert teams_service.requests == []


def test_a_malformed_body_is_400(teams_env: dict[str, str]) -> None:
    assert _post("{not json")["statusCode"] == 400
    assert _post(json.dumps({"text": "no type"}))["statusCode"] == 400
    from handlers import aws_teams

    event = http_api_event("{not base64!", {"content-type": "application/json"}, "/api/messages")
    answer = aws_teams.handler({**event, "isBase64Encoded": True}, LambdaContext())
    assert (answer["statusCode"], json.loads(answer["body"])) == (
        400,
        {"error": "the body is marked base64 but is not"},
    )


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A port that accepts connections and never answers (a VPC without egress, say)."""
    sink = socket.socket()
    sink.bind(("127.0.0.1", 0))
    sink.listen(16)
    yield f"http://127.0.0.1:{sink.getsockname()[1]}/.well-known/openidconfiguration"
    sink.close()


def _forged_token() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {
        "iss": "https://api.botframework.com",
        "aud": APP_ID,
        "serviceurl": "https://smba.trafficmanager.net/emea/",
        "exp": int(time.time()) + 600,
        "nbf": int(time.time()) - 60,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "forged-key"})


@pytest.mark.parametrize("authorization", [None, "Bearer garbage", "forged"])
def test_with_an_app_id_a_missing_garbage_or_forged_token_is_401_promptly(
    teams_env: dict[str, str],
    teams_service: CaptureServer,
    black_hole: str,
    monkeypatch: pytest.MonkeyPatch,
    authorization: str | None,
) -> None:
    monkeypatch.setenv("TEAMS_OPENID_METADATA_URL", black_hole)
    aws_runtime.settings.cache_clear()
    aws_teams.teams.cache_clear()
    header = f"Bearer {_forged_token()}" if authorization == "forged" else authorization
    started = time.monotonic()
    response = _post(message_activity(teams_service.url, "team create stolen"), header)
    elapsed = time.monotonic() - started
    assert response["statusCode"] == 401
    assert elapsed < 2.0  # the bound: never a hang on the key service
    assert teams_service.requests == []


def test_the_bot_on_botbuilders_test_adapter_answers_with_a_card() -> None:
    services = for_memory(Settings(org_admins=("teams:tenant-1:User1",)))
    template = Activity(
        channel_id="msteams",
        service_url="https://test.com",
        from_property=ChannelAccount(id="User1", name="user"),  # TestAdapter's own user
        recipient=ChannelAccount(id="bot", name="Bot"),
        conversation=ConversationAccount(id="Convo1", tenant_id="tenant-1"),
    )
    adapter = TestAdapter(SreBot(lambda: services.bus).on_turn, template)

    async def conversation() -> list[Any]:
        await adapter.send("team create payments")
        await adapter.send("team list")
        return list(adapter.activity_buffer)

    replies = asyncio.run(conversation())
    cards = [r.attachments[0].content for r in replies]
    assert cards[0]["body"][0]["text"] == "Team payments created"
    assert cards[1]["body"][0]["text"] == "Teams (1)"
    assert cards[1]["body"][1]["facts"][0]["title"] == "payments"


def _say(service_url: str, channel: str, thread: str, n: int, text: str) -> None:
    activity = channel_activity(
        service_url, channel, thread, n, text=f"<at>Custom Agent</at> {text}"
    )
    assert _post(activity)["statusCode"] == 200


def _paths(server: CaptureServer) -> list[str]:
    return [
        r.path.split("/activities")[0].removeprefix("/v3/conversations/") for r in server.requests
    ]


def _payments(url: str, role: str, service: str) -> None:
    """Team payments, bound from thread 1 of channel "pay", the sender a member with `role`,
    checkout-api registered with `service` (its provider's flags)."""
    for n, text in enumerate(
        [
            "team create payments",
            "team bind --team payments",
            f"team member add REDACTED --role {role} --team payments",
            f"service register checkout-api {service}",
        ]
    ):
        _say(url, "pay", "1", n, text)


def test_an_escalation_from_a_teams_button_reaches_the_other_channels_root(
    teams_env: dict[str, str], teams_service: CaptureServer
) -> None:
    url = teams_service.url
    # GIVEN payments bound from a thread of channel "pay", search bound from a thread of "search"
    _payments(url, "admin", "--sample checkout")
    _say(url, "search", "7", 10, "team create search")
    _say(url, "search", "8", 11, "team bind --team search")
    # AND an investigation opened in another thread of "pay" (so the binding holds channel-wide)
    _say(url, "pay", "2", 20, "investigate checkout-api")
    aws_worker.handler(
        {"Records": [queued_record(teams_env["AUTOSRE_TASK_QUEUE_URL"])]}, LambdaContext()
    )
    report = adaptive_cards(teams_service)[-1]
    escalate = next(a for a in report["actions"] if a["title"] == "Escalate")
    assert escalate["type"] == "Action.ShowCard"
    # WHEN someone answers the Escalate button's text box with "search"
    submit = escalate["card"]["actions"][0]
    value = {**submit["data"], submit["data"]["answer"]: "search"}
    teams_service.requests.clear()
    assert _post(channel_activity(url, "pay", "2", 30, text=None, value=value))["statusCode"] == 200
    aws_worker.handler(
        {"Records": [queued_record(teams_env["AUTOSRE_TASK_QUEUE_URL"])]}, LambdaContext()
    )
    # THEN the request is a new post at the root of "search", and the answer goes to the thread
    accepted, asked, told = adaptive_cards(teams_service)
    assert "Working on" in accepted["body"][0]["text"]
    assert asked["body"][0]["text"].startswith("Team payments asks team search for help")
    assert "escalated to team search" in told["body"][0]["text"]
    thread = quote("19:pay@thread.tacv2;messageid=2", safe="")
    assert _paths(teams_service) == [thread, quote("19:search@thread.tacv2", safe=""), thread]


def test_an_alert_fires_as_a_card_in_the_channel_and_resolves_in_place(
    teams_env: dict[str, str], teams_service: CaptureServer
) -> None:
    url = teams_service.url
    # GIVEN payments bound from a thread of channel "pay", with an alert on the sample service
    _payments(url, "operator", "--sample checkout")
    _say(
        url, "pay", "1", 5, 'alert create slow --service checkout-api --when "p99_latency > 800ms"'
    )
    teams_service.requests.clear()
    # WHEN the alerts function runs, then runs again after the threshold is raised
    assert alerts_tick("teams-1", 0)["fields"]["Fired"] == "slow"
    _say(url, "pay", "1", 10, 'alert edit slow --when "p99_latency > 5s"')
    assert alerts_tick("teams-2", 1)["fields"]["Resolved"] == "slow"
    # THEN the firing card was posted at the channel's root, with its buttons,
    channel = quote("19:pay@thread.tacv2", safe="")
    fired = next(
        r for r in teams_service.told() if r.path == f"/v3/conversations/{channel}/activities"
    )
    (card,) = [a["content"] for a in fired.body["attachments"]]
    assert card["body"][0]["text"] == "FIRING checkout-api: slow"
    assert [a["title"] for a in card["actions"]] == [
        "Acknowledge",
        "Silence 1h",
        "Silence 4h",
        "Investigate",
    ]
    # AND the resolution replaced that card (PUT on the posted activity), not a new post
    (replaced,) = [r for r in teams_service.requests if r.method == "PUT"]
    assert replaced.path == f"/v3/conversations/{channel}/activities/reply-1"
    (card,) = [a["content"] for a in replaced.body["attachments"]]
    assert card["body"][0]["text"] == "RESOLVED checkout-api: slow"


def _version_metrics(start: datetime, minutes: int, version: str, calls: int, errors: int) -> None:
    """Per-minute invocations and errors of one version of checkout-fn through its alias."""
    dimensions: list[Any] = [
        {"Name": "FunctionName", "Value": "checkout-fn"},
        {"Name": "Resource", "Value": "checkout-fn:live"},
        {"Name": "ExecutedVersion", "Value": version},
    ]
    boto3.client("cloudwatch").put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": name,
                "Dimensions": dimensions,
                "Timestamp": start + timedelta(minutes=m, seconds=30),
                "Value": float(value),
                "Unit": "Count",
            }
            for m in range(minutes)
            for name, value in (("Invocations", calls), ("Errors", errors))
        ],
    )


def test_a_canary_started_in_teams_is_held_by_a_button_then_rolled_back_in_its_card(
    teams_env: dict[str, str], teams_service: CaptureServer
) -> None:
    url = teams_service.url
    # GIVEN payments bound from a thread of channel "pay", checkout-api on a Lambda alias
    lambda_function()  # checkout-fn versions 1 and 2, alias live on 1
    _payments(url, "operator", "--aws-lambda checkout-fn")
    teams_service.requests.clear()
    # WHEN an operator starts a canary of version 2 from Teams
    started = datetime.now(UTC)
    _say(
        url,
        "pay",
        "1",
        10,
        "canary start checkout-api --version 2 --steps 5,100 --interval 5m "
        "--metrics errors --critical errors",
    )
    # THEN it is queued (the Teams function may not move traffic), and once the worker ran it
    assert "Working on" in adaptive_cards(teams_service)[0]["body"][0]["text"]
    assert aws_worker.handler(
        {"Records": [queued_record(teams_env["AUTOSRE_TASK_QUEUE_URL"])]}, LambdaContext()
    ) == {"batchItemFailures": []}
    # the alias sends 5% to version 2 and the canary's card is posted at the channel's root
    alias = boto3.client("lambda").get_alias(FunctionName="checkout-fn", Name="live")
    assert alias["RoutingConfig"]["AdditionalVersionWeights"] == {"2": 0.05}
    channel = quote("19:pay@thread.tacv2", safe="")
    (posted,) = [
        r for r in teams_service.told() if r.path == f"/v3/conversations/{channel}/activities"
    ]
    (card,) = [a["content"] for a in posted.body["attachments"]]
    assert card["body"][0]["text"].startswith("Canary checkout-api version 2: running at 5%")
    hold = next(a for a in card["actions"] if a["title"] == "Hold")
    # WHEN the operator presses Hold on that card
    teams_service.requests.clear()
    assert (
        _post(channel_activity(url, "pay", "1", 11, text=None, value=hold["data"]))["statusCode"]
        == 200
    )
    assert "Working on" in adaptive_cards(teams_service)[0]["body"][0]["text"]
    assert not [r for r in teams_service.requests if r.method == "PUT"]
    aws_worker.handler(
        {"Records": [queued_record(teams_env["AUTOSRE_TASK_QUEUE_URL"])]}, LambdaContext()
    )
    # THEN the card is replaced in place by the worker, now offering Resume
    held = next(r for r in teams_service.requests if r.method == "PUT")
    assert held.path == f"/v3/conversations/{channel}/activities/reply-1"
    (card,) = [a["content"] for a in held.body["attachments"]]
    assert card["body"][0]["text"].startswith("Canary checkout-api version 2: held at 5%")
    assert [a["title"] for a in card["actions"]] == ["Resume", "Promote", "Roll back"]
    # WHEN version 2 fails on 5% of its calls (stable 1%) and the scheduler runs six minutes on
    _version_metrics(started, 5, "1", calls=1900, errors=19)
    _version_metrics(started, 5, "2", calls=100, errors=5)
    teams_service.requests.clear()
    assert "rolled back" in alerts_tick("teams-canary", 6)["fields"]["Canaries"]
    # THEN the hold did not stop the rollback: the alias has no weights left, and the same card
    # was replaced with the verdict, the judge's reasons and the chart of both versions
    alias = boto3.client("lambda").get_alias(FunctionName="checkout-fn", Name="live")
    assert alias["FunctionVersion"] == "1"
    assert not alias.get("RoutingConfig", {}).get("AdditionalVersionWeights")
    (verdict,) = teams_service.told()
    assert verdict.method == "PUT"
    assert verdict.path == f"/v3/conversations/{channel}/activities/reply-1"
    card, chart = verdict.body["attachments"]
    text = json.dumps(card["content"])
    assert "Canary checkout-api version 2: rolled back at step 1/2" in text
    assert "errors 5.0% vs 1.0%, 5.0\\u00d7 worse, certain (p < 0.001" in text  # JSON-escaped
    assert "actions" not in card["content"]  # over: no buttons left
    assert chart["contentType"] == "image/png"
    assert chart["contentUrl"].startswith("data:image/png;base64,")
    png = base64.b64decode(chart["contentUrl"].split(",", 1)[1])
    assert png.startswith(b"\x89PNG")


def test_people_in_a_teams_reply_are_mention_entities_and_typed_tags_mention_nobody(
    teams_env: dict[str, str], teams_service: CaptureServer
) -> None:
    # GIVEN team platform, whose description someone typed with an <at> tag in it (Teams sends
    # typed text HTML-escaped)
    typed = "team create platform --description '&lt;at&gt;Alice&lt;/at&gt; is on call'"
    # WHEN Alice is added, mentioned as Teams sends a mention
    adding = "team member add <at>Alice</at> --role admin --team platform"
    alice = {"id": ALICE_AAD, "name": "Alice"}  # looked up in the conversation's roster
    for n, text in enumerate((typed, adding, "team show platform")):
        activity = message_activity(teams_service.url, text)
        activity["id"] = f"17417026{n:05d}"  # each message its own delivery
        if text == adding:
            mention = {"type": "mention", "text": "<at>Alice</at>", "mentioned": dict(ALICE)}
            activity["entities"].append(mention)
        assert _post(activity)["statusCode"] == 200
    created, added, shown = adaptive_cards(teams_service)
    # THEN the reply mentions her by name, with the mention entity Teams needs
    assert added["body"][0]["text"] == "<at>Alice</at> added to platform as admin"
    assert added["msteams"]["entities"] == [
        {"type": "mention", "text": "<at>Alice</at>", "mentioned": alice}
    ]
    assert added["body"][-1]["text"].startswith("audit platform#")
    # AND every <at> tag of every card is one of its entities: the typed one is not a tag
    for card in (created, added, shown):
        tags = re.findall(r"<at>.*?</at>", json.dumps(card["body"]))
        entities = [e["text"] for e in card.get("msteams", {}).get("entities", [])]
        assert set(tags) <= set(entities), (tags, entities)
    assert "<\u200bat>Alice<\u200b/at> is on call" in json.dumps(shown["body"], ensure_ascii=False)


def test_a_person_mentioned_is_the_person_who_writes(
    teams_env: dict[str, str], teams_service: CaptureServer
) -> None:
    # GIVEN Alice added to team platform as an operator by a mention (Teams sends her `29:` id)
    activity = message_activity(
        teams_service.url, "team create platform --description 'the platform team'"
    )
    assert _post(activity)["statusCode"] == 200
    adding = message_activity(
        teams_service.url, "team member add <at>Alice</at> --role operator --team platform"
    )
    adding["id"] = "1741702600001"
    adding["entities"].append({"type": "mention", "text": "<at>Alice</at>", "mentioned": ALICE})
    assert _post(adding)["statusCode"] == 200
    # WHEN Alice writes, known by her Azure AD object id as Teams sends it
    asking = message_activity(teams_service.url, "whoami")
    asking["id"] = "1741702600002"
    asking["from"] = {**ALICE, "aadObjectId": ALICE_AAD}
    assert _post(asking)["statusCode"] == 200
    # THEN she holds the role she was given: her mention was looked up in the roster first
    (lookup,) = teams_service.calls(f"/members/{quote(ALICE['id'])}")
    assert lookup.method == "GET"
    *_, whoami = adaptive_cards(teams_service)
    assert "operator in platform" in json.dumps(whoami["body"], ensure_ascii=False)


def test_only_the_people_a_command_names_are_looked_up_once_each_and_few(
    teams_env: dict[str, str], teams_service: CaptureServer
) -> None:
    # GIVEN a message naming Alice twice, carrying her mention entity three times, 500 mention
    # entities whose tags are nowhere in the text, and 30 more people tagged in the text
    assert _post(message_activity(teams_service.url, "team create platform"))["statusCode"] == 200
    others = [f"<at>P{n}</at>" for n in range(30)]
    text = "team member add <at>Alice</at> --role operator --team platform <at>Alice</at> "
    adding = message_activity(teams_service.url, text + " ".join(others))
    adding["id"] = "1741702600004"
    alice = {"type": "mention", "text": "<at>Alice</at>", "mentioned": dict(ALICE)}
    untagged = [
        {"type": "mention", "text": f"<at>U{n}</at>", "mentioned": {"id": f"29:u{n}"}}
        for n in range(500)
    ]
    tagged = [
        {"type": "mention", "text": tag, "mentioned": {"id": f"29:p{n}"}}
        for n, tag in enumerate(others)
    ]
    adding["entities"] += [alice, dict(alice), dict(alice), *untagged, *tagged]
    # WHEN it is posted
    assert _post(adding)["statusCode"] == 200
    # THEN Alice is looked up once, no untagged mention at all, and at most 10 people in all
    looked_up = teams_service.calls("")
    members = [call.path.rsplit("/", 1)[-1] for call in looked_up if "/members/" in call.path]
    assert members.count(quote(ALICE["id"])) == 1
    assert not [member for member in members if member.startswith("29%3Au")]
    assert len(members) == MAX_LOOKUPS
    # AND the command ran: an answer was posted
    assert adaptive_cards(teams_service)


def test_a_mention_the_roster_does_not_know_is_given_no_role(
    teams_env: dict[str, str], teams_service: CaptureServer
) -> None:
    # GIVEN a mention of someone the conversation's roster does not return (left, or a lookup
    # that failed): only their `29:` id is known
    assert _post(message_activity(teams_service.url, "team create platform"))["statusCode"] == 200
    adding = message_activity(
        teams_service.url, "team member add <at>Bob</at> --role operator --team platform"
    )
    adding["id"] = "1741702600003"
    bob = {"id": "29:b0b-unknown", "name": "Bob"}
    adding["entities"].append({"type": "mention", "text": "<at>Bob</at>", "mentioned": bob})
    # WHEN he is added
    assert _post(adding)["statusCode"] == 200
    # THEN nothing is stored for an id no one writes under, and the card says what to do
    *_, refused = adaptive_cards(teams_service)
    text = json.dumps(refused["body"], ensure_ascii=False)
    assert "could not be looked up in this conversation" in text
    assert "Azure AD object id" in text
