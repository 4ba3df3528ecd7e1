"""Secret settings given as SSM or Secrets Manager references are resolved on AWS (moto); a
surface that is not configured is off."""

from __future__ import annotations

import re
from pathlib import Path

import boto3
import pytest
import yaml
from botocore.stub import Stubber
from moto import mock_aws

from shared.bootstrap.aws import resolve_secret, resolve_secrets
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
            "TEAMS_APP_ID": "00000000-app",
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


# -- a surface that is not configured is off: its secrets are neither fetched nor required ---------

SERVERLESS = yaml.safe_load((Path(__file__).resolve().parents[2] / "serverless.yml").read_text())


def _as_deployed(function: str) -> dict[str, str]:
    """A function's secret settings as serverless.yml sets them when no parameter is given."""
    env = SERVERLESS["functions"][function]["environment"]
    defaults = {
        name: re.fullmatch(r"\$\{param:\w+, '(.*)'\}", value) for name, value in env.items()
    }
    return {name: found.group(1) for name, found in defaults.items() if found}


@pytest.mark.parametrize("function", ["worker", "alerts"])
@mock_aws
def test_a_slack_only_deployment_needs_no_teams_parameter(
    function: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Given the deploy steps for Slack only: its two parameters stored, nothing for Teams
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/autosre/slack/bot-token", Value="xoxb-real", Type="SecureString")
    ssm.put_parameter(Name="/autosre/slack/signing-secret", Value="s3cret", Type="SecureString")
    # When the function reads its settings as deployed
    resolved = resolve_secrets(Settings.from_env(_as_deployed(function)))
    # Then Slack's token is there, Teams is off, and nobody is warned about Teams
    assert resolved.slack_bot_token == "xoxb-real"
    assert resolved.teams_app_id == resolved.teams_app_password == ""
    assert "TEAMS" not in caplog.text
    # AND OAuth mode is off without its client id: its secret is not fetched, nor warned about
    assert resolved.slack_client_secret == ""
    assert "SLACK_CLIENT_SECRET" not in caplog.text


@pytest.mark.parametrize("function", ["slack", "worker", "alerts"])
def test_the_slack_client_secret_is_never_plain_text_in_the_template(function: str) -> None:
    # a parameter's value is written into the template and every function's environment: the
    # secret is an SSM reference by default, like the signing secret and the bot token
    assert _as_deployed(function)["SLACK_CLIENT_SECRET"] == "ssm:/autosre/slack/client-secret"


@mock_aws
def test_in_oauth_mode_the_client_secret_is_read_from_ssm() -> None:
    boto3.client("ssm").put_parameter(
        Name="/autosre/slack/client-secret", Value="client-s3cret", Type="SecureString"
    )
    env = {**_as_deployed("slack"), "SLACK_CLIENT_ID": "1234.5678"}
    resolved = resolve_secrets(Settings.from_env(env))
    assert resolved.slack_oauth
    assert resolved.slack_client_secret == "client-s3cret"


@mock_aws
def test_a_teams_only_deployment_runs_with_slack_off_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    boto3.client("ssm").put_parameter(
        Name="/autosre/teams/app-password", Value="teams-pass", Type="SecureString"
    )
    env = {**_as_deployed("worker"), "TEAMS_APP_ID": "00000000-app"}
    resolved = resolve_secrets(Settings.from_env(env))
    assert resolved.teams_app_password == "teams-pass"
    assert resolved.slack_bot_token == ""
    assert "SLACK_BOT_TOKEN refers to ssm:/autosre/slack/bot-token, which does not exist" in (
        caplog.text
    )


@mock_aws
def test_the_audit_key_is_never_optional() -> None:
    with pytest.raises(LookupError):
        resolve_secret("secretsmanager:autosre/audit-key-prod")


@mock_aws
def test_the_model_key_is_read_only_for_an_openai_compatible_model(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN the default reference every function carries, and no key stored
    deployed = {"AUTOSRE_MODEL_API_KEY": "ssm:/autosre/model/api-key"}
    # WHEN no model, or a Bedrock one (signed with the role), is configured THEN it is not read
    for model in ({}, {"AUTOSRE_MODEL": "bedrock:anthropic.claude-3-haiku-20240307-v1:0"}):
        resolved = resolve_secrets(Settings.from_env({**deployed, **model}))
        assert resolved.model_api_key.get_secret_value() == ""
    assert "AUTOSRE_MODEL_API_KEY" not in caplog.text
    # AND with an OpenAI-compatible model it is read from SSM
    boto3.client("ssm").put_parameter(
        Name="/autosre/model/api-key", Value="sk-stored", Type="SecureString"
    )
    openai = {
        "AUTOSRE_MODEL": "openai:gpt-4o-mini",
        "AUTOSRE_MODEL_URL": "http://127.0.0.1:8080/v1",
    }
    resolved = resolve_secrets(Settings.from_env({**deployed, **openai}))
    assert resolved.model_api_key.get_secret_value() == "sk-stored"


def test_a_reference_the_function_may_not_read_turns_its_surface_off_saying_where_to_store_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN the signing secret stored outside /autosre/, which the functions' policy does not
    # grant: SSM refuses it (moto does not check a parameter's ARN against the policy: Stubber)
    ssm = boto3.client("ssm", region_name="us-east-1")
    stub = Stubber(ssm)
    stub.add_client_error("get_parameter", "AccessDeniedException", "not authorized", 400)
    stub.activate()
    real_client = boto3.client
    monkeypatch.setattr(
        boto3, "client", lambda name, **kw: ssm if name == "ssm" else real_client(name, **kw)
    )
    env = {
        "SLACK_SIGNING_SECRET": "ssm:/prod/slack/signing-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    # WHEN the settings are resolved
    resolved = resolve_secrets(Settings.from_env(env))
    # THEN Slack is off (401 to every request, not a 500), and the log says what to do
    assert resolved.slack_signing_secret == ""
    assert (
        "SLACK_SIGNING_SECRET refers to ssm:/prod/slack/signing-secret, which is refused: the "
        "functions may read only SSM parameters under /autosre/ and secrets named autosre/…: "
        "that surface is off"
    ) in caplog.text
    # AND the audit key is never optional: a refused one stops the function
    stub.add_client_error("get_parameter", "AccessDeniedException", "not authorized", 400)
    with pytest.raises(LookupError, match="may not be read"):
        resolve_secret("ssm:/prod/audit-key")
