"""Secrets never reach an audit entry: realistic samples of what people paste into chat."""

from __future__ import annotations

import pytest

from shared.audit.redaction import redact
from shared.audit.trail import redacted
from tests.support import audit_draft

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


@pytest.mark.parametrize(
    ("typed", "secret", "kept"),
    [
        ("session xoxc-1234567890-abcdefghij", "1234567890-abcdefghij", "xoxc-***"),
        ("cookie d=xoxd-AbCdEf123456%2F", "AbCdEf123456", "xoxd-***"),
        (
            "webhook HTTPS://HOOKS.SLACK.COM/services/T000/B000/XXXXXXXXXXXX",
            "XXXXXXXXXXXX",
            "HOOKS.SLACK.COM/services/***",
        ),
        (
            "https://discord.com/api/webhooks/123456789/AbCdEfGhIjKlMnOp-qrs",
            "AbCdEfGhIjKlMnOp",
            "discord.com/api/webhooks/***",
        ),
        (
            "-----BEGIN PGP PRIVATE KEY BLOCK----- lQOYBF0aBcDeFgH "
            "-----END PGP PRIVATE KEY BLOCK-----",
            "lQOYBF0aBcDeFgH",
            "-----BEGIN PGP PRIVATE KEY BLOCK----- *** -----END PGP PRIVATE KEY BLOCK-----",
        ),
        ("token glpat-AbCdEfGhIjKlMnOpQrSt", "AbCdEfGhIjKlMnOpQrSt", "glpat-***"),
        (
            "npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 in .npmrc",
            "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
            "npm_***",
        ),
        ("stripe sk_live_51AbCdEfGhIjKlMnOp", "51AbCdEfGhIjKlMnOp", "sk_live_***"),
        ("DB_PASS=hunter2 ./migrate", "hunter2", "DB_PASS=***"),
        ("pass: correcthorse", "correcthorse", "pass: ***"),
        ("sre x --db-pass 'c0rrect horse'", "c0rrect horse", "--db-pass ***"),
        ("client_secret hunter2x", "hunter2x", "client_secret ***"),
    ],
)
def test_more_secret_forms_are_masked(typed: str, secret: str, kept: str) -> None:
    masked = redact(typed)
    assert secret not in masked
    assert kept in masked


@pytest.mark.parametrize(
    "text",
    [
        "sre alert create slow --service bypass-cache --when 'p99_latency > 800ms'",
        "compass: north, passport office, 3 passes",
        "the token expired yesterday",
    ],
)
def test_words_that_only_contain_a_secrets_name_are_kept(text: str) -> None:
    assert redact(text) == text


def test_ordinary_commands_are_untouched() -> None:
    for text in [
        "sre team member add U024BE7LH --role admin --team payments",
        "sre team create payments --description 'Payments platform, EU and US'",
        "sre audit show --team payments --action 'team member add' --limit 10",
    ]:
        assert redact(text) == text


def test_a_draft_is_redacted_in_its_command_target_and_details() -> None:
    draft = audit_draft(f"sre team create x --description {SLACK_BOT}").model_copy(
        update={"target": f"token={SLACK_BOT}", "details": {"error": f"Bearer {JWT}"}}
    )
    clean = redacted(draft)
    assert SLACK_BOT not in clean.command + clean.target
    assert JWT not in clean.details["error"]


GITHUB_CLASSIC = "ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d"
GITHUB_FINE = (
    "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"
)
GOOGLE_KEY = "AIzaORS_6ilI8ihN5KXSc7Tvo_hBKqFYY_kv5ZJ"
PEM_BODY = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"
PEM = f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\nVXbiz4O2bLE=\n-----END RSA PRIVATE KEY-----"


@pytest.mark.parametrize(
    ("typed", "secret", "kept"),
    [
        ("the root password is hunter2, rotate it", "hunter2", "the root password is ***"),
        ("Password for db01 was: Tr0ub4dor&3", "Tr0ub4dor&3", "Password for db01 was: ***"),
        (f"CI uses {GITHUB_CLASSIC} for releases", GITHUB_CLASSIC, "ghp_***"),
        (f"export GH={GITHUB_FINE}", GITHUB_FINE, "github_pat_***"),
        (f"the maps key {GOOGLE_KEY} leaked", GOOGLE_KEY, "AIza***"),
        (f"creds {AWS_KEY_ID} {AWS_SECRET} in us-east-1", AWS_SECRET, "*** in us-east-1"),
        (f"key:\n{PEM}\nthanks", PEM_BODY, "-----BEGIN RSA PRIVATE KEY----- ***"),
        (f"-----BEGIN OPENSSH PRIVATE KEY----- {PEM_BODY}", PEM_BODY, "OPENSSH PRIVATE KEY"),
        ('{"user": "ci", "token": "s3cr3t-value-123"}', "s3cr3t-value-123", '"token": "***"'),
        ("{'client_secret': 'abc def 123'}", "abc def 123", "'client_secret': '***'"),
        ("sre x --key=s3cr3tvalue123", "s3cr3tvalue123", "--key=***"),
        ("key: s3cr3tvalue123", "s3cr3tvalue123", "key: ***"),
        ('{"key": "s3cr3tvalue123"}', "s3cr3tvalue123", '{"key": "***"}'),
        ("signing_key=s3cr3tvalue123", "s3cr3tvalue123", "signing_key=***"),
        ("private_key=s3cr3tvalue123", "s3cr3tvalue123", "private_key=***"),
        ("routing_key=0123456789abcdef0123", "0123456789abcdef0123", "routing_key=***"),
        ("sre x --license-key s3cr3tvalue123", "s3cr3tvalue123", "--license-key ***"),
        ("sre x --passphrase=s3cr3tvalue123", "s3cr3tvalue123", "--passphrase=***"),
        ("AccountKey=abcdefghij0123456789==;", "abcdefghij0123456789", "AccountKey=***"),
        ("cache at redis://:hunter2@cache:6379", "hunter2", "redis://:***@cache:6379"),
        ("mysql://root:p@ss@db/x", "p@ss", "mysql://root:***@db/x"),
        ("mysql://root:p@ss@db/x", "ss@db", "mysql://root:***@db/x"),
        (
            "https://contoso.webhook.office.com/webhookb2/aaaa-bbbb@cccc/IncomingWebhook/dd/ee",
            "IncomingWebhook/dd/ee",
            "contoso.webhook.office.com/webhookb2/***",
        ),
        (
            "https://acct.blob.core.windows.net/c/f?sv=2022&sig=abcdSAS%3D&se=2030",
            "abcdSAS",
            "&sig=***&se=2030",
        ),
    ],
)
def test_secrets_written_as_people_paste_them_are_masked(
    typed: str, secret: str, kept: str
) -> None:
    masked = redact(typed)
    assert secret not in masked
    assert kept in masked
    # AND masking again changes nothing (an error already masked is masked again before it is
    # posted: `password=***`` kept its closing quote only then)
    assert redact(masked) == masked


@pytest.mark.parametrize(
    "text",
    [
        "rolled back to commit 49a10ae1f3c0d6d7b2e9b8e0f1a2b3c4d5e6f7a8 at 09:30",
        "audit hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "the password rotation job is due on Friday",
        "ghp_ and github_pat_ are GitHub token prefixes; AIza starts a Google key",
        "-----BEGIN CERTIFICATE----- is public, not a secret",
        '{"tokens": 42, "model": "claude", "region": "eu-west-1"}',
        "arn:aws:lambda:us-east-1:123456789012:function:checkout-api:live",
        "p99 of checkout-api went from 180ms to 2.4s after deploy v42",
        "sre service add keycloak --team platform",
        "keycloak: 3 replicas, keycloak=healthy",
        "the monkey test found nothing; monkey=3",
        "sre canary start keycloak --key-name deploy",
        # a service named with a secret's word, then an option: the fault is the record
        'sre chaos start pay-secret --fault=delay:1500ms --expect="p99_latency < 2s"',
        "sre chaos start token-svc --fault delay:1500ms",
    ],
)
def test_look_alikes_of_secrets_are_kept(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    "prose",
    [
        "design is key: we ship on Fridays",
        "the key: restart pods first",
        "primary key: user_id",
        "partition_key=tenant_id, sort_key: created_at",
        "routing_key: orders.created",
        "--dimensions FunctionName=checkout,Key=RequestCount",
        'Tags=[{Key=team,Value=payments}] {"Key": "Name", "Value": "web"}',
    ],
)
def test_the_word_key_in_prose_keeps_what_follows(prose: str) -> None:
    assert redact(prose) == prose


@pytest.mark.parametrize(
    "masked",
    ["`password=***` is not a duration", "the password is ***`", "--token ***`", "key: ***"],
)
def test_what_is_masked_already_is_kept_as_it_is(masked: str) -> None:
    assert redact(masked) == masked


@pytest.mark.parametrize(
    ("typed", "secret"),
    [("password=***hunter2", "hunter2"), ("the password is ***Tr0ub4dor", "Tr0ub4dor")],
)
def test_a_secret_typed_after_stars_is_still_masked(typed: str, secret: str) -> None:
    assert secret not in redact(typed)
