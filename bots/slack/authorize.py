"""bolt's authorize step in OAuth mode: the bot token of the workspace (or Enterprise Grid org) a
request comes from, read from its installation and kept a few seconds, so a busy workspace is not
read from the store on every request, and no request waits on Slack's `auth.test`: bolt's install
flow already called it for this token and stored the bot's ids with the installation."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import NamedTuple

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.context import BoltContext

from bots.slack.rotation import RotatingInstallationStore

KEEP_SECONDS = 10.0
"""How long a workspace's token is kept before the store is read again: far below the two hours
before expiry at which a rotating token is refreshed, so a kept token is always still valid. An
uninstall seen by this process forgets it at once; one seen by another process (another Lambda
instance) is followed within this time."""

Key = tuple[str | None, str | None]


class Bot(NamedTuple):
    """What an installation gives every request of its workspace: the bot's token and ids. Never
    a person's id or token: those are each request's own."""

    token: str
    user_id: str | None
    id: str | None
    scopes: Sequence[str] | str | None

    def result(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> AuthorizeResult:
        """The authorize result of one request: this bot, and the request's own ids and user."""
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_user_id=self.user_id,
            bot_id=self.id,
            bot_token=self.token,
            bot_scopes=self.scopes,
            user_id=user_id,
        )


class InstalledAuthorize(Authorize):
    """The installation's bot token for each request, kept per workspace for `keep` seconds."""

    def __init__(self, store: RotatingInstallationStore, *, keep: float = KEEP_SECONDS) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._store = store
        self._keep = keep
        self._kept: dict[Key, tuple[Bot, float]] = {}
        self._lock = threading.Lock()
        self._forgotten = 0
        """Forgets so far: a token read before a forget is not kept after it."""

    def __call__(  # bolt passes these by name; the actor ones unused
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: str | None,
    ) -> AuthorizeResult | None:
        """The request's workspace's token, or None (bolt then says it is not installed)."""
        org_wide = bool(context.is_enterprise_install)
        key = (enterprise_id, None if org_wide else team_id)
        bot = self._bot(key, team_id=team_id, org_wide=org_wide)
        if bot is None:
            return None
        return bot.result(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)

    def _bot(self, key: Key, *, team_id: str | None, org_wide: bool) -> Bot | None:
        """The workspace's (or org's) bot: kept, or read from its installation and kept."""
        now = time.monotonic()
        with self._lock:
            kept, forgotten = self._kept.get(key), self._forgotten
        if kept is not None and kept[1] > now:
            return kept[0]
        found = self._store.find_installation(
            enterprise_id=key[0], team_id=team_id, is_enterprise_install=org_wide
        )
        if found is None or not found.bot_token:
            return None
        bot = Bot(found.bot_token, found.bot_user_id, found.bot_id, found.bot_scopes)
        with self._lock:
            if self._forgotten == forgotten:
                self._kept[key] = (bot, now + self._keep)
        return bot

    def forget(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """An uninstall or a revoked token: this workspace's (or org's) token is not used again."""

        def gone(key: Key) -> bool:
            return key[1] == team_id if team_id else key[0] == enterprise_id

        with self._lock:
            self._forgotten += 1
            for key in [k for k in self._kept if gone(k)]:
                del self._kept[key]
