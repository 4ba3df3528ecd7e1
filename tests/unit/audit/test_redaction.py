"""Secrets never reach an audit entry: realistic samples of what people paste into chat."""

from __future__ import annotations

import pytest

from shared.audit.redaction import redact
from shared.audit.trail import redacted
from tests.unit.audit.test_chain import _draft

SLACK_BOT = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
SLACK_USER = "xoxp-2048-111111111111-222222222222-0123456789abcdef0123456789abcdef"
SLACK_APP = "xapp-1-A0123ABCD-1234567890123-abcdef0123456789abcdef0123456789abcdef"
AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
JWT = (
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyIsInR5cCI6IkpXVCJ9"
    ".eyJpc3MiOiJodHRwczovL2FwaS5ib3RmcmFtZXdvcmsuY29tIiwiYXVkIjoiMDAwMCJ9"
    ".c2lnbmF0dXJlLW9mLXRoZS1ib3QtZnJhbWV3b3Jr"
)


@pytest.mark.parametrize(
    ("typed", "secret", "kept"),
    [
        (f'sre team create x --description "bot token {SLACK_BOT}"', SLACK_BOT, "xoxb-***"),
        (f"sre team create x --description {SLACK_USER}", SLACK_USER, "xoxp-***"),
        (f"socket mode: {SLACK_APP}", SLACK_APP, "xapp-***"),
        (
            f"keys {AWS_KEY_ID} / aws_secret_access_key={AWS_SECRET}",
            AWS_SECRET,
            "aws_secret_access_key=***",
        ),
        (f"keys {AWS_KEY_ID}", AWS_KEY_ID, "AKIA***"),
        (f"Authorization: Bearer {JWT}", JWT, "Bearer ***"),
        (f"teams token {JWT}", JWT, "teams token ***"),
        ("sre deploy --password hunter2 --team payments", "hunter2", "--password ***"),
        ("sre deploy --db-password='c0rrect horse' --team p", "c0rrect horse", "--db-password=***"),
        ('sre x --client-secret "s3cr3t value"', "s3cr3t value", "--client-secret ***"),
        ("api_key: 9f8e7d6c5b4a", "9f8e7d6c5b4a", "api_key: ***"),
        ("postgres://admin:Pa55word@db.internal:5432/app", "Pa55word", "admin:***@db.internal"),
        (
            "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX",
            "B0000/XXXXXXXXXXXXXXXXXXXXXXXX",
            "hooks.slack.com/services/***",
        ),
    ],
)
def test_secrets_are_masked_and_the_rest_kept(typed: str, secret: str, kept: str) -> None:
    masked = redact(typed)
    assert secret not in masked
    assert kept in masked


def test_ordinary_commands_are_untouched() -> None:
    for text in [
        "sre team member add U024BE7LH --role admin --team payments",
        "sre team create payments --description 'Payments platform, EU and US'",
        "sre audit show --team payments --action 'team member add' --limit 10",
    ]:
        assert redact(text) == text


def test_a_draft_is_redacted_in_its_command_target_and_details() -> None:
    draft = _draft(f"sre team create x --description {SLACK_BOT}").model_copy(
        update={"target": f"token={SLACK_BOT}", "details": {"error": f"Bearer {JWT}"}}
    )
    clean = redacted(draft)
    assert SLACK_BOT not in clean.command + clean.target
    assert JWT not in clean.details["error"]
