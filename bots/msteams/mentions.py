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


async def resolve_mentions(turn_context: TurnContext) -> None:
    """Give each person the message mentions their Azure AD object id (in place); one that cannot
    be looked up keeps its `29:` id, which no role is given to (`shared.identity.people`)."""
    activity = turn_context.activity
    for mention in TurnContext.get_mentions(activity):
        props = getattr(mention, "additional_properties", None) or {}
        mentioned = props.get("mentioned")
        if not isinstance(mentioned, dict) or mentioned.get("aadObjectId"):
            continue
        member = mentioned.get("id")
        if not isinstance(member, str) or member == activity.recipient.id:
            continue
        try:
            found = await TeamsInfo.get_member(turn_context, member)
        except (ClientException, TypeError) as error:  # not in this conversation, connector down
            logger.warning("could not look up a mentioned person", extra={"error": str(error)})
            continue
        if getattr(found, "aad_object_id", None):
            mentioned["aadObjectId"] = found.aad_object_id
