"""The minimal bolt app both baselines start from: the same adapter, no network at build time."""

from __future__ import annotations

import os

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult


def _authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
    return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token="xoxb-bench")


def minimal_app() -> App:
    """A bolt App that verifies signatures and answers before its response, with no listener."""
    return App(
        process_before_response=True,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        authorize=_authorize,
        token_verification_enabled=False,
    )
