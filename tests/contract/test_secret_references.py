"""Secret settings given as SSM or Secrets Manager references are resolved on AWS (moto)."""

from __future__ import annotations

import boto3
from moto import mock_aws

from shared.bootstrap import resolve_secrets
from shared.config import Settings


@mock_aws
def test_references_are_replaced_by_their_values_and_plain_values_kept() -> None:
    boto3.client("ssm").put_parameter(
        Name="/autosre/slack/bot-token", Value="xoxb-from-ssm", Type="SecureString"
    )
    boto3.client("secretsmanager").create_secret(Name="autosre/teams", SecretString="from-sm")
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "ssm:/autosre/slack/bot-token",
            "TEAMS_APP_PASSWORD": "secretsmanager:autosre/teams",
            "SLACK_SIGNING_SECRET": "plain-secret",
        }
    )
    resolved = resolve_secrets(settings)
    assert resolved.slack_bot_token == "xoxb-from-ssm"
    assert resolved.teams_app_password == "from-sm"
    assert resolved.slack_signing_secret == "plain-secret"


def test_settings_without_references_need_no_aws() -> None:
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "AUTOSRE_ORG_ADMINS": "T1:U1, U2"})
    assert resolve_secrets(settings) is settings
    assert settings.org_admins == ("T1:U1", "U2")
