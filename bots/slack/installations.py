"""slack_sdk's installation store and OAuth state store over a short-records port (SQLite
locally, the app's DynamoDB table on AWS, memory in tests).

An installation sits under `<client id>/<enterprise id or none>-<team id or none>` with the names
`AmazonS3InstallationStore` uses (`installer-latest`, `installer-<user>-latest`, `bot-latest`), so
every key carries the org. Tokens are stored, never logged.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from typing import Protocol

from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

log = logging.getLogger("autosre.slack.installations")

NONE = "none"
STATES = "slack-oauth-state"


class Records(Protocol):
    """Text values under (partition, name), with a compare-and-set and a take (one winner)."""

    def get(self, partition: str, name: str) -> str | None: ...
    def put(
        self, partition: str, name: str, value: str, *, expires: float | None = None
    ) -> None: ...
    def swap(self, partition: str, name: str, expected: str | None, value: str) -> bool: ...
    def take(self, partition: str, name: str) -> str | None: ...
    def clear(self, partition: str, prefix: str = "") -> None: ...


def workspace(client_id: str, enterprise: str | None, team: str | None) -> str:
    """The partition of one installation: the org is in it, as the S3 store lays it out."""
    return f"{client_id}/{enterprise or NONE}-{team or NONE}"


def org_of(enterprise: str | None, team: str | None) -> str:
    """Our org id of an installation: the Grid org for an org-wide one (no team), else the
    workspace, as `bots.slack.normalize.slack_org` names the org of a request (from the ids bolt
    looks the installation up by)."""
    return f"slack:{team}" if team else f"slack:{enterprise}"


class RecordsInstallationStore(InstallationStore):
    """Installations and bots of every workspace (and org-wide Enterprise Grid install)."""

    def __init__(self, records: Records, *, client_id: str) -> None:
        self.records = records
        self.client_id = client_id

    @property
    def logger(self) -> logging.Logger:
        """bolt's store interface asks for one."""
        return log

    def partition(self, enterprise: str | None, team: str | None, org_wide: bool | None) -> str:
        """Where an installation is kept (an org-wide one has no team)."""
        return workspace(self.client_id, enterprise, None if org_wide else team)

    def save(self, installation: Installation) -> None:
        """Keep the installation as the workspace's latest and as its installer's."""
        where = workspace(self.client_id, installation.enterprise_id, installation.team_id)
        entity = json.dumps(installation.__dict__)
        self.records.put(where, "installer-latest", entity)
        self.records.put(where, f"installer-{installation.user_id or NONE}-latest", entity)
        self.save_bot(installation.to_bot())

    def _index(self, org: str) -> str:
        return f"{self.client_id}/org-{org}"

    def ids_of(self, org: str) -> tuple[str | None, str | None] | None:
        """The (enterprise, team) installed as our org `slack:…`, if the app is installed there."""
        where = self.records.get(self._index(org), "installed")
        if where is None:
            return None
        enterprise, _, team = where.rpartition("/")[2].partition("-")
        return (None if enterprise == NONE else enterprise), (None if team == NONE else team)

    def save_bot(self, bot: Bot) -> None:
        """Keep the workspace's bot (its token) as the latest."""
        where = workspace(self.client_id, bot.enterprise_id, bot.team_id)
        self.records.put(where, "bot-latest", json.dumps(bot.__dict__))
        self.records.put(self._index(org_of(bot.enterprise_id, bot.team_id)), "installed", where)

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The latest installation of the workspace (or by `user_id`), with the latest bot."""
        where = self.partition(enterprise_id, team_id, is_enterprise_install)
        name = f"installer-{user_id}-latest" if user_id else "installer-latest"
        found = self.records.get(where, name)
        if found is None:
            return None
        installation = Installation(**json.loads(found))
        bot = self._bot(where)
        if bot is not None and bot.bot_token != installation.bot_token:  # bolt-python #664
            installation.bot_token = bot.bot_token
            installation.bot_refresh_token = bot.bot_refresh_token
            installation.bot_token_expires_at = bot.bot_token_expires_at
            installation.bot_scopes = bot.bot_scopes
        return installation

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """The workspace's latest bot, if the app is installed there."""
        return self._bot(self.partition(enterprise_id, team_id, is_enterprise_install))

    def _bot(self, where: str) -> Bot | None:
        found = self.records.get(where, "bot-latest")
        return Bot(**json.loads(found)) if found else None

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget the workspace's bot token."""
        self.records.clear(workspace(self.client_id, enterprise_id, team_id), "bot-")

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Forget the workspace's installations (or one user's)."""
        where = workspace(self.client_id, enterprise_id, team_id)
        self.records.clear(where, f"installer-{user_id}-" if user_id else "installer-")

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget everything of the workspace: bot and installations."""
        self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self.delete_installation(enterprise_id=enterprise_id, team_id=team_id)
        self.records.take(self._index(org_of(enterprise_id, team_id)), "installed")


class RecordsOAuthStateStore(OAuthStateStore):
    """OAuth `state` values: each consumed once, and only before it expires."""

    def __init__(self, records: Records, *, expiration_seconds: int = 600) -> None:
        self._records = records
        self._expiration = expiration_seconds

    @property
    def logger(self) -> logging.Logger:
        """bolt's store interface asks for one."""
        return log

    def issue(self, *args: object, **kwargs: object) -> str:
        """A new unguessable state, remembered with when it was issued until it expires."""
        del args, kwargs
        state = secrets.token_urlsafe(24)
        now = time.time()
        # the store deletes it once expired (DynamoDB's TTL; SQLite's sweep): an unused state
        # does not stay forever
        self._records.put(f"{STATES}/{state}", "issued", str(now), expires=now + self._expiration)
        return state

    def consume(self, state: str) -> bool:
        """Whether `state` was issued here and is still fresh; it can never be used again."""
        issued = self._records.take(f"{STATES}/{state}", "issued")
        return issued is not None and time.time() - float(issued) <= self._expiration
