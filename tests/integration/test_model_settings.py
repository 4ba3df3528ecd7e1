"""The language model's configuration: off unless set, the model it names, and `sre doctor`."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from bots.cli import main
from handlers import aws_runtime
from shared.bootstrap.aws import resolve_secrets
from shared.bootstrap.wiring import language_model
from shared.config import ConfigurationError, Settings

BEDROCK = "anthropic.claude-3-haiku-20240307-v1:0"


def test_no_model_is_configured_by_default() -> None:
    settings = Settings.from_env({})
    assert language_model(settings) is None
    assert (settings.model_timeout_seconds, settings.model_budget_tokens) == (20, 4000)


def test_a_bedrock_model_is_named_by_its_id() -> None:
    model = language_model(Settings.from_env({"AUTOSRE_MODEL": f"bedrock:{BEDROCK}"}))
    assert model is not None and model.name == f"bedrock:{BEDROCK}"


def test_an_openai_compatible_model_is_named_by_its_model_and_url_never_its_key() -> None:
    settings = Settings.from_env(
        {
            "AUTOSRE_MODEL": "openai:llama3.1",
            "AUTOSRE_MODEL_URL": "http://127.0.0.1:8080/v1",
            "AUTOSRE_MODEL_API_KEY": "sk-local-secret",
        }
    )
    model = language_model(settings)
    assert model is not None and model.name == "openai:llama3.1@http://127.0.0.1:8080/v1"


def _azure(key: str) -> Settings:
    return Settings.from_env(
        {
            "AUTOSRE_MODEL": "openai:gpt-4o",
            "AUTOSRE_MODEL_URL": "https://example.openai.azure.com/openai/deployments/sre",
            "AUTOSRE_MODEL_API_KEY": key,
        }
    )


@mock_aws
def test_on_aws_the_api_key_may_be_a_secrets_manager_reference() -> None:
    boto3.client("secretsmanager").create_secret(Name="autosre/model-key", SecretString="az-key")
    assert (
        resolve_secrets(_azure("secretsmanager:autosre/model-key")).model_api_key.get_secret_value()
        == "az-key"
    )


@mock_aws
def test_a_missing_key_secret_is_named_by_its_setting(caplog: pytest.LogCaptureFixture) -> None:
    assert (
        resolve_secrets(_azure("secretsmanager:autosre/none")).model_api_key.get_secret_value()
        == ""
    )
    assert "AUTOSRE_MODEL_API_KEY refers to secretsmanager:autosre/none" in caplog.text


def test_an_unknown_kind_of_model_is_refused_at_start_up() -> None:
    with pytest.raises(ConfigurationError, match=r"bedrock|openai"):
        Settings.from_env({"AUTOSRE_MODEL": "gpt-4o"})


@pytest.mark.parametrize("given", ["gpt-4o", "bedrock:", "openai"])
def test_an_unknown_kind_of_model_is_refused_in_one_line_saying_the_forms(
    given: str, home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN AUTOSRE_MODEL set to neither bedrock:<model id> nor openai:<model>
    monkeypatch.setenv("AUTOSRE_MODEL", given)
    # WHEN the terminal starts
    assert main(["whoami"]) == 2
    # THEN it refuses in one line naming the variable, the value and the allowed forms
    assert capsys.readouterr().err.strip() == (
        f"sre: AUTOSRE_MODEL={given}: use bedrock:<model id> or openai:<model>, "
        "e.g. bedrock:anthropic.claude-3-haiku-20240307-v1:0; nothing was done"
    )


def test_an_openai_model_without_its_url_is_refused_naming_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="AUTOSRE_MODEL_URL"):
        Settings.from_env({"AUTOSRE_MODEL": "openai:llama3.1"})


@pytest.mark.parametrize(
    ("environment", "said"),
    [
        ({}, "Language model off: the rule-based narrative (set AUTOSRE_MODEL"),
        (
            {"AUTOSRE_MODEL": "openai:llama3.1", "AUTOSRE_MODEL_URL": "http://127.0.0.1:9/v1"},
            "Language model openai:llama3.1@http://127.0.0.1:9/v1",
        ),
    ],
)
def test_the_doctor_says_whether_a_model_is_configured(
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    environment: dict[str, str],
    said: str,
) -> None:
    for name in ("AUTOSRE_MODEL", "AUTOSRE_MODEL_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(["doctor"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert said in out


KEY = "sk-TOPSECRET-123"


def test_an_openai_model_without_its_url_is_said_in_one_line_without_the_key(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an OpenAI-compatible model and its key, but no endpoint
    monkeypatch.setenv("AUTOSRE_MODEL", "openai:llama")
    monkeypatch.setenv("AUTOSRE_MODEL_API_KEY", KEY)
    # WHEN the terminal starts
    assert main(["whoami"]) == 2
    # THEN one line names the missing setting, and the key appears nowhere
    out, err = capsys.readouterr()
    assert err.strip() == (
        "sre: AUTOSRE_MODEL=openai:… needs AUTOSRE_MODEL_URL (the endpoint); nothing was done"
    )
    assert KEY not in out + err


def test_the_lambdas_refused_settings_carry_no_key_in_their_text_or_chain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the AWS deployment's environment with a model key but no endpoint
    monkeypatch.setenv("AUTOSRE_BACKEND", "aws")
    monkeypatch.setenv("AUTOSRE_MODEL", "openai:llama")
    monkeypatch.setenv("AUTOSRE_MODEL_API_KEY", KEY)
    aws_runtime.settings.cache_clear()
    # WHEN a Lambda reads its settings
    with pytest.raises(ConfigurationError) as refused:
        aws_runtime.settings()
    aws_runtime.settings.cache_clear()
    # THEN what would reach the logs names the problem, and nothing in it (or behind it) has the key
    error = refused.value
    assert "AUTOSRE_MODEL_URL" in str(error) and "\n" not in str(error)
    for said in (str(error), repr(error), repr(error.__cause__), repr(error.__context__)):
        assert KEY not in said


def test_settings_never_show_a_secret_in_their_repr() -> None:
    settings = Settings.from_env({"AUTOSRE_MODEL_API_KEY": KEY, "SLACK_BOT_TOKEN": "xoxb-9"})
    assert KEY not in repr(settings) and "xoxb-9" not in str(settings)
