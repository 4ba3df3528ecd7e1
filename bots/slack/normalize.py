"""Slack payloads (slash commands, mentions, button clicks) to neutral Invocations."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from slack_bolt.request.internals import (
    extract_enterprise_id,
    extract_is_enterprise_install,
    extract_team_id,
)

from bots.slack.render import ANSWER
from shared.identity.models import Actor, OrgId, Platform, UserId, org_id
from shared.invocation import Invocation, ReplyTarget, new_correlation_id
from shared.replies import Button

_USER = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_GROUP = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
"""A link Slack made of what was typed: `<http://web.app|web.app>` for `web.app`, with its
label when it has one (the words typed), else its address (a whole URL pasted)."""
_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>\s*")


def plain_text(text: str) -> str:
    """Slack's escaped markup as typed: mentions become `@U…` (user groups `@S…`), channels `#C…`,
    entities decoded."""
    if "<" not in text and "&" not in text:  # no markup, no entity: as typed
        return text
    text = _USER.sub(r"@\1", text)
    text = _GROUP.sub(r"@\1", text)
    text = _CHANNEL.sub(r"#\1", text)
    text = _LINK.sub(lambda link: link.group(2) or link.group(1), text)
    return html.unescape(text)


def slack_org(body: Mapping[str, Any]) -> OrgId:
    """The org a payload (slash command, mention, click, modal answer) comes from: the Enterprise
    Grid org for an org-wide installation, else the workspace; always keyed `slack:`, so no Teams
    tenant can ever be mistaken for it. Read with bolt's own extraction, the ids bolt authorizes
    the request with: an Events API payload says it in `authorizations[0]`, not at its top level,
    and reading it elsewhere made a mention act for another org than `/sre` from the same person."""
    payload = cast("dict[str, Any]", body)  # bolt's readers are typed for a dict; they only read
    enterprise = extract_enterprise_id(payload)
    if enterprise and extract_is_enterprise_install(payload):
        return org_id(Platform.SLACK, enterprise)
    return org_id(Platform.SLACK, extract_team_id(payload) or "")


def _invocation(
    *,
    org: OrgId,
    user: str,
    name: str,
    channel: str | None,
    text: str,
    delivery: str | None,
    thread: str | None = None,
    response_url: str | None = None,
    retries: bool = True,
) -> Invocation:
    """An Invocation from Slack, answered in `channel` (in `thread`, or at `response_url`)."""
    return Invocation(
        actor=Actor(platform=Platform.SLACK, org=org, user=UserId(user), name=name),
        channel=channel,
        text=text,
        correlation_id=new_correlation_id(),
        delivery_id=delivery,
        platform_retries=retries,
        received_at=datetime.now(UTC),
        reply_to=ReplyTarget(
            platform=Platform.SLACK,
            org=org,
            channel=channel,
            thread=thread,
            response_url=response_url,
        ),
    )


def from_slash_command(command: Mapping[str, Any]) -> Invocation:
    """`/sre …`: the text after the command, answered in the request or at `response_url`."""
    channel = command.get("channel_id")
    return _invocation(
        org=slack_org(command),
        user=command["user_id"],
        name=command.get("user_name", ""),
        channel=channel,
        text=plain_text(command.get("text", "")),
        delivery=command.get("trigger_id"),
        response_url=command.get("response_url"),
        retries=False,  # Slack never delivers a slash command twice
    )


def from_mention(body: Mapping[str, Any]) -> Invocation:
    """`@Auto SRE …` in a channel: answered in the message's thread."""
    event = body["event"]
    channel = event.get("channel")
    return _invocation(
        org=slack_org(body),
        user=event["user"],
        name="",
        channel=channel,
        text=plain_text(_LEADING_MENTION.sub("", event.get("text", ""))),
        delivery=body.get("event_id"),
        thread=event.get("thread_ts") or event.get("ts"),
    )


def from_button(body: Mapping[str, Any]) -> Invocation:
    """A click on a reply's button: the button carries the command it runs."""
    action = body["actions"][0]
    channel = (body.get("channel") or {}).get("id")
    message = body.get("message") or {}
    return _invocation(
        org=slack_org(body),
        user=body["user"]["id"],
        name=body["user"].get("username") or body["user"].get("name", ""),
        channel=channel,
        text=plain_text(action.get("value", "")),
        delivery=f"{body.get('trigger_id')}:{action.get('action_ts')}",
        thread=message.get("thread_ts") or message.get("ts"),
        response_url=body.get("response_url"),
    )


def answer_metadata(body: Mapping[str, Any]) -> dict[str, str | None]:
    """What a prompting button's modal must carry back: where the button was clicked."""
    channel = (body.get("channel") or {}).get("id")
    message = body.get("message") or {}
    return {"channel": channel, "thread": message.get("thread_ts") or message.get("ts")}


def from_answer(body: Mapping[str, Any]) -> Invocation:
    """A modal answered after a prompting button: its command with the text typed."""
    view = body["view"]
    metadata = json.loads(view.get("private_metadata") or "{}")
    typed = view["state"]["values"][ANSWER][ANSWER].get("value") or ""
    channel = metadata.get("channel")
    return _invocation(
        org=slack_org(body),
        user=body["user"]["id"],
        name=body["user"].get("username") or body["user"].get("name", ""),
        channel=channel,
        # the answer's entities undone once (before, twice: a typed `&amp;lt;` became `<`)
        text=Button(label="", command=metadata["command"]).with_answer(plain_text(typed)),
        delivery=f"{view['id']}:{view.get('hash', '')}",
        thread=metadata.get("thread"),
    )
