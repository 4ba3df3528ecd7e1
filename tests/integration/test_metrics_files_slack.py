"""A Slack user cannot make the server read its files through `--metrics-file`."""

from __future__ import annotations

import json
from typing import Any

from handlers import aws_slack
from tests.fixtures import LambdaContext, http_api_event, signed_headers, slash_command_body


def _command(text: str, trigger: str) -> dict[str, Any]:
    body = slash_command_body(text, user_id="W111", trigger_id=f"{trigger}.111.xxx")
    response = aws_slack.handler(
        http_api_event(body, signed_headers(body), "/slack/events"), LambdaContext()
    )
    assert response["statusCode"] == 200
    answer: dict[str, Any] = json.loads(response["body"])
    return answer


def test_a_signed_slack_command_cannot_register_etc_passwd(aws: dict[str, str]) -> None:
    # GIVEN an operator of team payments, in Slack
    _command("team create payments", "5001")
    _command("team member add W111 --role operator --team payments", "5002")
    # WHEN they register /etc/passwd (and the process environment) as a service's metrics file
    for i, path in enumerate(("/etc/passwd", "/proc/self/environ")):
        answer = _command(f"service register leak --metrics-file {path} --team payments", f"51{i}")
        # THEN it is refused with the reason, and nothing is registered
        text = json.dumps(answer["blocks"])
        assert answer["response_type"] == "ephemeral"
        assert "only the terminal may name one" in text
        assert "root:" not in text
    listed = _command("service list --team payments", "5200")
    assert "Team payments has no services yet" in json.dumps(listed["blocks"])
