"""The people a Teams message mentions, as the ids they write under.

Teams sends a mention as `{"id": "29:…", "name": "Alice"}`, with no Azure AD object id, while a
person writing is known by that object id (`from.aadObjectId`): a role given to the `29:` id would
never apply to her. So each mention without one is looked up in the conversation's roster first
(the Bot Connector's `GET /v3/conversations/{id}/members/{member}`, through botbuilder's
`TeamsInfo.get_member`)."""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from msrest.exceptions import ClientException

logger = logging.getLogger(__name__)
MAX_LOOKUPS = 10
"""The most people one message's command is looked up for: each is a call to the Bot Connector,
made before the command runs, and no command names more than a few people."""


async def resolve_mentions(turn_context: TurnContext) -> None:
    """Give each person the message mentions their Azure AD object id (in place); one that cannot
    be looked up keeps its `29:` id, which no role is given to (`shared.identity.people`).

    Only a mention whose `<at>` tag is in the text can name someone in the command; each person is
    looked up once, and at most `MAX_LOOKUPS` of them (a message carrying thousands of mention
    entities would otherwise make as many calls before its command runs)."""
    activity = turn_context.activity
    found: dict[str, str | None] = {}
    for mention in TurnContext.get_mentions(activity):
        props = getattr(mention, "additional_properties", None) or {}
        mentioned, tag = props.get("mentioned"), props.get("text")
        if not isinstance(mentioned, dict) or mentioned.get("aadObjectId"):
            continue
        member = mentioned.get("id")
        if not isinstance(member, str) or member == activity.recipient.id:
            continue
        if not isinstance(tag, str) or not tag or tag not in (activity.text or ""):
            continue  # names no one in the command
        if member not in found:
            if len(found) == MAX_LOOKUPS:  # past it: keeps the `29:` id, given no role
                logger.warning(
                    "more people mentioned than are looked up", extra={"at_most": MAX_LOOKUPS}
                )
                continue
            found[member] = await _object_id(turn_context, member)
        if found[member]:
            mentioned["aadObjectId"] = found[member]


async def _object_id(turn_context: TurnContext, member: str) -> str | None:
    """The Azure AD object id of a member of the conversation; None if it cannot be looked up."""
    try:
        found = await TeamsInfo.get_member(turn_context, member)
    except (ClientException, TypeError) as error:  # not in this conversation, connector down
        logger.warning("could not look up a mentioned person", extra={"error": str(error)})
        return None
    object_id = getattr(found, "aad_object_id", None)
    return str(object_id) if object_id else None
