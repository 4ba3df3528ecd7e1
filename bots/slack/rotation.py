"""Token rotation one refresh at a time per installation, however many functions run at once.

Slack invalidates a refresh token on its first use (bolt-python #663 and #1332), so two callers
exchanging the same one leave one with `invalid_refresh_token`. Before an expiring token is
refreshed, a caller takes the installation's lease by a conditional write; the one that wins
exchanges the refresh token and saves the result, the others re-read until the new token is there.
"""

from __future__ import annotations

import logging
import time

from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.token_rotation import TokenRotator

from bots.slack.installations import Records, RecordsInstallationStore

log = logging.getLogger("autosre.slack.rotation")

LEASE = "rotation-lease"
FREE = "free"
LEASE_SECONDS = 30.0
"""After this, a lease whose holder never let go (a function killed mid-refresh) is taken over."""
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.05


def expiring(installation: Installation, minutes: int, now: float) -> bool:
    """Whether the bot token expires within `minutes` (a token without expiry never does)."""
    expires = installation.bot_token_expires_at
    return (
        bool(installation.bot_refresh_token)
        and expires is not None
        and (expires <= now + minutes * 60)
    )


class RotatingInstallationStore(RecordsInstallationStore):
    """The installation store that hands out a fresh bot token, refreshed by one caller."""

    def __init__(
        self, records: Records, *, client_id: str, rotator: TokenRotator, minutes: int
    ) -> None:
        super().__init__(records, client_id=client_id)
        self._rotator = rotator
        self._minutes = minutes

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The latest installation, its bot token refreshed first when about to expire."""
        ids = {"enterprise_id": enterprise_id, "team_id": team_id}
        found = super().find_installation(
            **ids, user_id=user_id, is_enterprise_install=is_enterprise_install
        )
        if found is None or not expiring(found, self._minutes, time.time()):
            return found
        where = self.partition(enterprise_id, team_id, is_enterprise_install)
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            lease = self._lease(where)
            if lease is not None:
                return self._refresh(where, lease, found, user_id=user_id)
            time.sleep(POLL_SECONDS)  # another caller refreshes: read what it saved
            again = super().find_installation(
                **ids, user_id=user_id, is_enterprise_install=is_enterprise_install
            )
            if again is None or not expiring(again, self._minutes, time.time()):
                return again
            found = again
        log.warning("token refresh of %s still running after %ss", where, WAIT_SECONDS)
        return found

    def _lease(self, where: str) -> str | None:
        """This caller's lease on the installation, or None when another holds a live one."""
        held = self.records.get(where, LEASE)
        mine = f"{time.time():.6f}"
        free = held is None or held == FREE or float(held) < time.time() - LEASE_SECONDS
        return mine if free and self.records.swap(where, LEASE, held, mine) else None

    def _refresh(
        self, where: str, lease: str, found: Installation, *, user_id: str | None
    ) -> Installation:
        """Exchange the refresh token (unless the lease's last holder just did) and save it."""
        try:
            current = super().find_installation(
                enterprise_id=found.enterprise_id,
                team_id=found.team_id,
                user_id=user_id,
                is_enterprise_install=found.is_enterprise_install,
            )
            if current is None or not expiring(current, self._minutes, time.time()):
                return current or found
            refreshed = self._rotator.perform_token_rotation(
                installation=current, minutes_before_expiration=self._minutes
            )
            if refreshed is None:
                return current
            self.save_bot(refreshed.to_bot())  # read back into every installation of it
            log.info("bot token of %s refreshed", where)
            return refreshed
        finally:
            self.records.swap(where, LEASE, lease, FREE)
