"""The channels of a team: only the channels bound to that team, of that org."""

from __future__ import annotations

from shared.adapters.memory import InMemoryDirectory
from shared.identity.channels import team_channels, unknown_channel
from shared.identity.models import OrgId, Platform
from tests.support import ORG, binding


def _bind(directory: InMemoryDirectory, org: OrgId, channel: str, team: str) -> None:
    directory.bind(binding(channel, team, org=org, by="root"))


def test_a_team_is_told_only_in_its_own_channels() -> None:
    # GIVEN payments bound to two channels, search to one, and another org's payments to one
    directory = InMemoryDirectory()
    _bind(directory, ORG, "C-pay-2", "payments")
    _bind(directory, ORG, "C-search", "search")
    _bind(directory, ORG, "C-pay", "payments")
    _bind(directory, OrgId("slack:T2"), "C-other", "payments")
    # WHEN payments' channels are asked for
    found = team_channels(directory, ORG, "payments")
    # THEN they are its two channels of this org, in channel order, and nobody else's
    assert [b.channel for b in found] == ["C-pay", "C-pay-2"]
    assert team_channels(directory, ORG, "quiet") == []


def test_a_channel_its_platform_would_not_send_is_unknown() -> None:
    # Slack sends a channel it knows by its id; text left as a lower-case name is none it knows
    assert unknown_channel("C024BE91L", Platform.SLACK) is None
    said = unknown_channel("payments-alerts", Platform.SLACK)
    assert said is not None and "Slack knows no channel #payments-alerts" in said
    # Teams names channels by conversation id; a bare name is none
    teams_id = "19:Ql86tXNM2lTBXNKJdqKdwIF9ltGZwpvluLvnJdA0tmg1@thread.v2"
    assert unknown_channel(teams_id, Platform.TEAMS) is None
    said = unknown_channel("General", Platform.TEAMS)
    assert said is not None and "is not a Teams channel" in said
    # the terminal's channels are whatever it calls them
    assert unknown_channel("anything", Platform.LOCAL) is None
