"""A Slack user cannot make the server read its files through `--metrics-file`."""

from __future__ import annotations

import json

from tests.support.handlers import slash


def test_a_signed_slack_command_cannot_register_etc_passwd(aws: dict[str, str]) -> None:
    # GIVEN an operator of team payments, in Slack
    slash("team create payments")
    slash("team member add W111 --role operator --team payments")
    # WHEN they register /etc/passwd (and the process environment) as a service's metrics file
    for path in ("/etc/passwd", "/proc/self/environ"):
        answer = slash(f"service register leak --metrics-file {path} --team payments")
        # THEN it is refused with the reason, and nothing is registered
        text = json.dumps(answer["blocks"])
        assert answer["response_type"] == "ephemeral"
        assert "only the terminal may name one" in text
        assert "root:" not in text
    listed = slash("service list --team payments")
    assert "Team payments has no services yet" in json.dumps(listed["blocks"])
