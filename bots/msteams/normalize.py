"""A Teams message activity to a neutral Invocation (the bot's mention stripped)."""

from __future__ import annotations

import copy
import html
import re
from datetime import UTC, datetime

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bots.msteams.render import ANSWER_KEY, SUBMIT_KEY
from shared.identity.models import Actor, Platform, UserId, org_id
from shared.invocation import Invocation, ReplyTarget, new_correlation_id
from shared.replies import Button

THREAD = ";messageid="
"""How a Teams channel's conversation id names one of its threads."""
_TAGS = re.compile(r"<[^<>]+>")
"""A tag: `<` up to the next `>` with no `<` between (so unclosed `<`s cost one step each, where
`<[^>]+>` tried the rest of the text from each: 230 KB of them took 37 s)."""
_BREAKS = re.compile(r"<br\s*/?>|</(?:p|div|li)\s*>", re.IGNORECASE)
"""Where Teams' HTML breaks a line (Shift-Enter, a new paragraph): a space between the words."""
_LEADING_MENTION = re.compile(r"^\s*<at>[^<]*</at>\s*")


def tenant_of(activity: Activity) -> str:
    """The tenant the message came from (the org is `teams:<tenant>`), empty if none."""
    conversation_tenant = getattr(activity.conversation, "tenant_id", None)
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = (channel_data.get("tenant") or {}).get("id")
    return str(conversation_tenant or tenant or "")


def _mentioned(activity: Activity) -> list[tuple[str, str, str]]:
    """The people the message mentions (not the bot): their `<at>` tag, id and display name."""
    found = []
    for mention in TurnContext.get_mentions(activity):
        props = getattr(mention, "additional_properties", None) or {}
        mentioned, tag = props.get("mentioned") or {}, props.get("text")
        if tag and mentioned.get("id") not in (None, activity.recipient.id):
            user = str(mentioned.get("aadObjectId") or mentioned["id"])
            found.append((str(tag), user, str(mentioned.get("name") or "")))
    return found


def mentioned_names(activity: Activity) -> dict[str, str]:
    """The display names of the people the message mentions, by the id the command names."""
    return {user: name for _, user, name in _mentioned(activity) if name}


def command_text(activity: Activity) -> str:
    """What the person typed (or the command a clicked button carries), less the bot's mention."""
    value = activity.value if isinstance(activity.value, dict) else {}
    if isinstance(value.get(SUBMIT_KEY), str):
        typed = value.get(str(value.get(ANSWER_KEY)))
        button = Button(label="", command=value[SUBMIT_KEY])
        return button.with_answer(typed) if isinstance(typed, str) else button.command
    text = _without_bot_tags(activity)
    text = _LEADING_MENTION.sub("", text)  # the bot's mention, when its entity carries no text
    for tag, user, _ in _mentioned(activity):
        text = text.replace(tag, f"@{user}")
    return html.unescape(_TAGS.sub("", _BREAKS.sub(" ", text))).strip()


def _without_bot_tags(activity: Activity) -> str:
    """The text less each `<at>…</at>` tag of the bot's own mentions. Not botbuilder's
    `remove_recipient_mention`: it removes the bot's display name wherever it is typed (a
    description "links to Auto SRE" lost its last words) and raises on a mention with no name."""
    text = str(activity.text or "")
    for mention in TurnContext.get_mentions(activity):
        props = getattr(mention, "additional_properties", None) or {}
        mentioned, tag = props.get("mentioned") or {}, props.get("text")
        if isinstance(tag, str) and tag and mentioned.get("id") == activity.recipient.id:
            text = text.replace(tag, " ")
    return text


def channel_name(activity: Activity) -> str:
    """The name of the channel the message came from, where Teams sends it (a channel's
    `channelData.channel.name`, else the conversation's name), empty if it does not."""
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    channel = channel_data.get("channel")
    named = channel.get("name") if isinstance(channel, dict) else None
    return str(named or getattr(activity.conversation, "name", None) or "")


def _delivery(activity: Activity) -> str | None:
    """The activity's id within its conversation: Teams numbers a message by its time in
    milliseconds, so two conversations of one tenant can send the same id at once, and a command
    keyed by the id alone would be taken for a retry of the other's and never run."""
    return f"{activity.conversation.id}#{activity.id}" if activity.id else None


def from_activity(activity: Activity) -> Invocation:
    """The invocation for one message activity: a channel's threads all belong to the channel."""
    sender = activity.from_property
    user = getattr(sender, "aad_object_id", None) or sender.id
    channel, _, thread = str(activity.conversation.id).partition(THREAD)
    reference = TurnContext.get_conversation_reference(activity)
    reference.conversation = copy.copy(reference.conversation)  # the activity's own, else
    reference.conversation.id = channel
    # Teams sends `conversation.tenantId`, which botbuilder reads only as `tenantID`: keep the
    # tenant in the reference, so that proactive posts name the tenant they are for
    reference.conversation.tenant_id = tenant_of(activity) or None
    # later posts go to the channel (or, with `thread`, its thread), not as replies to this message
    reference.activity_id = None
    return Invocation(
        actor=Actor(
            platform=Platform.TEAMS,
            org=org_id(Platform.TEAMS, tenant_of(activity)),
            user=UserId(user),
            name=getattr(sender, "name", "") or "",
        ),
        channel=channel,
        text=command_text(activity),
        names=mentioned_names(activity),
        channel_name=channel_name(activity),
        correlation_id=new_correlation_id(),
        delivery_id=_delivery(activity),
        received_at=datetime.now(UTC),
        reply_to=ReplyTarget(
            platform=Platform.TEAMS,
            channel=channel,
            thread=thread or None,
            conversation=reference.serialize(),
        ),
    )
