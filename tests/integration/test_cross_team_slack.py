"""Cross-team reach through signed Slack requests: another team's Lambda alias, another team's
channel."""

from __future__ import annotations

import itertools
import json

from tests.support.handlers import slash

_TRIGGERS = itertools.count(7000)


def _command(text: str, user: str = "W111") -> tuple[str, str]:
    answer = slash(text, user_id=user)
    return answer["response_type"], json.dumps(answer["blocks"])


def _two_teams() -> None:
    for text in (
        "team create payments",
        "team create search",
        "team member add UPAY --role operator --team payments",
        "team member add USEARCH --role operator --team search",
        "team bind CPAY --team payments",
        "team bind CSEARCH --team search",
    ):
        kind, shown = _command(text)
        assert kind == "in_channel", shown


def test_another_team_cannot_register_a_lambda_alias_it_does_not_own(aws: dict[str, str]) -> None:
    _two_teams()
    kind, shown = _command(
        "service register checkout --aws-lambda checkout-fn --team payments", "UPAY"
    )
    assert kind == "in_channel", shown
    kind, shown = _command(
        "service register mine --aws-lambda checkout-fn:live --team search", "USEARCH"
    )
    assert kind == "ephemeral"
    assert "belongs to team payments (its service checkout)" in shown
    _, listed = _command("service list --team search", "USEARCH")
    assert "Team search has no services yet" in listed


def test_an_alert_cannot_post_into_another_teams_channel(aws: dict[str, str]) -> None:
    _two_teams()
    kind, shown = _command("service register web --aws-lambda search-fn --team search", "USEARCH")
    assert kind == "in_channel", shown
    kind, shown = _command(
        'alert create noisy --service web --when "p99_latency > 1ms" --channel CPAY --team search',
        "USEARCH",
    )
    assert kind == "ephemeral"
    assert "Channel <#CPAY> is bound to another team" in shown  # not named to outsiders
    _, listed = _command("alert list --team search", "USEARCH")
    assert "Team search has no alerts yet" in listed


def test_a_team_admin_cannot_take_or_free_another_teams_channel(aws: dict[str, str]) -> None:
    # GIVEN search has an admin of its own, and CPAY is bound to payments
    _two_teams()
    kind, shown = _command("team member add USADMIN --role admin --team search")
    assert kind == "in_channel", shown
    # WHEN search's admin binds payments' channel to search, or unbinds it
    said = {
        "team bind CPAY --team search": "<#CPAY> is bound to another team; an admin of that team "
        "unbinds it there first",
        "team unbind CPAY --team search": "<#CPAY> is not bound to team search",
    }
    for text, refusal in said.items():
        kind, shown = _command(text, "USADMIN")
        # THEN both are refused, never naming the team the channel is bound to
        assert kind == "ephemeral", text
        assert refusal in shown, shown
        assert "payments" not in shown, shown
    # AND search's alerts still cannot post there
    _command("service register web --aws-lambda search-fn --team search", "USEARCH")
    kind, shown = _command(
        'alert create noisy --service web --when "p99_latency > 1ms" --channel CPAY --team search',
        "USEARCH",
    )
    assert "Channel <#CPAY> is bound to another team" in shown
    kind, shown = _command("team unbind CPAY --team payments", "W111")
    assert kind == "in_channel", shown  # an org admin frees it
    kind, shown = _command("team bind CPAY --team search", "USADMIN")
    assert kind == "in_channel", shown  # and then it may be bound to search
