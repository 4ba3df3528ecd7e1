"""Configuration: environment variables read once into one settings model."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

ENVIRONMENT: dict[str, str] = {
    "backend": "AUTOSRE_BACKEND",
    "home": "AUTOSRE_HOME",
    "org_admins": "AUTOSRE_ORG_ADMINS",
    "table_name": "AUTOSRE_TABLE",
    "task_queue_url": "AUTOSRE_TASK_QUEUE_URL",
    "worker_function": "AUTOSRE_WORKER_FUNCTION",
    "audit_bucket": "AUTOSRE_AUDIT_BUCKET",
    "audit_key": "AUTOSRE_AUDIT_KEY",
    "audit_digest_every": "AUTOSRE_AUDIT_DIGEST_EVERY",
    "export_bucket": "AUTOSRE_EXPORT_BUCKET",
    "local_user": "AUTOSRE_LOCAL_USER",
    "org": "AUTOSRE_ORG",
    "user": "AUTOSRE_USER",
    "allow_ephemeral_state": "AUTOSRE_ALLOW_EPHEMERAL_STATE",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_api_url": "SLACK_API_URL",
    "slack_client_id": "SLACK_CLIENT_ID",
    "slack_client_secret": "SLACK_CLIENT_SECRET",
    "slack_scopes": "SLACK_SCOPES",
    "slack_install_path": "SLACK_INSTALL_PATH",
    "slack_redirect_uri_path": "SLACK_REDIRECT_URI_PATH",
    "teams_app_id": "TEAMS_APP_ID",
    "teams_app_password": "TEAMS_APP_PASSWORD",
    "teams_app_tenant_id": "TEAMS_APP_TENANT_ID",
    "teams_openid_metadata_url": "TEAMS_OPENID_METADATA_URL",
    "teams_token_issuer": "TEAMS_TOKEN_ISSUER",
    "teams_login_url": "TEAMS_LOGIN_URL",
    "teams_oauth_scope": "TEAMS_OAUTH_SCOPE",
    "teams_allowed_tenants": "TEAMS_ALLOWED_TENANTS",
    "azure_region": "AZURE_REGION",
    "public_url": "AUTOSRE_PUBLIC_URL",
    "metrics_dir": "AUTOSRE_METRICS_DIR",
    "fis_role_arn": "AUTOSRE_FIS_ROLE_ARN",
    "fis_layer_arn": "AUTOSRE_FIS_LAYER_ARN",
    "fis_lever_id": "AUTOSRE_FIS_LEVER_ID",
    "chaos_guard_error_rate": "AUTOSRE_CHAOS_GUARD_ERROR_RATE",
    "chaos_guard_minutes": "AUTOSRE_CHAOS_GUARD_MINUTES",
    "model": "AUTOSRE_MODEL",
    "model_url": "AUTOSRE_MODEL_URL",
    "model_api_key": "AUTOSRE_MODEL_API_KEY",
    "model_api_version": "AUTOSRE_MODEL_API_VERSION",
    "model_timeout_seconds": "AUTOSRE_MODEL_TIMEOUT_SECONDS",
    "model_budget_tokens": "AUTOSRE_MODEL_BUDGET_TOKENS",
    "tick_org_seconds": "AUTOSRE_TICK_ORG_SECONDS",
}
"""Each setting and the environment variable it is read from."""

SECRETS = (
    "slack_signing_secret",
    "slack_bot_token",
    "slack_app_token",
    "teams_app_password",
    "model_api_key",
    "slack_client_secret",
)
"""Settings that may be `ssm:/path` or `secretsmanager:name-or-arn` references on AWS."""

SLACK_SCOPES = ("commands", "app_mentions:read", "chat:write", "files:write", "files:read")
"""The bot scopes of infra/slack/manifest.yml: what an OAuth install asks for by default."""

LONGEST_TICK_WAIT = 60.0
"""The longest `tick_org_seconds`: the alerts function's timeout (serverless.yml) holds the
alerts' reads, each org's notices and two such waits (the canaries', the experiments')."""
log = logging.getLogger("autosre.config")

MODEL_FORMS = (
    "bedrock:<model id> or openai:<model>, e.g. bedrock:anthropic.claude-3-haiku-20240307-v1:0"
)
"""What AUTOSRE_MODEL may be (said when it is neither)."""

UNSHOWN = (*SECRETS, "audit_key")
"""Settings whose value a configuration error never repeats (the key is named, not shown)."""


class ConfigurationError(ValueError):
    """The environment's settings are refused; one line per problem, never a secret's value."""

    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def configuration_problems(error: ValidationError) -> tuple[str, ...]:
    """Which environment variables are wrong, each with its value (a secret's never) and what to
    use instead (`AUTOSRE_BACKEND=foo: use local or aws`), from the errors' messages only."""
    return tuple(_wrong_setting(e) for e in error.errors()) or ("the settings are invalid",)


def _wrong_setting(e: ErrorDetails) -> str:
    if not e["loc"]:  # the model's own check: its message names the variables
        return str(e["msg"]).removeprefix("Value error, ")
    field = str(e["loc"][0])
    name = ENVIRONMENT.get(field, field)
    said = name if field in UNSHOWN else f"{name}={e['input']}"
    expected = str(e.get("ctx", {}).get("expected", "")).replace("'", "")
    if e["type"] in {"literal_error", "enum"} and expected:
        return f"{said}: use {expected}"
    kinds = {
        "greater_than_equal": f"use {e.get('ctx', {}).get('ge')} or more",
        "bool_parsing": "use true or false",
        "int_parsing": "use a whole number, like 10",
        "float_parsing": "use a number, like 1.5",
    }
    return f"{said}: {kinds.get(e['type'], str(e['msg']).lower())}"


class Settings(BaseModel):
    """Every setting Auto SRE reads; see the README for what each one does."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    backend: Literal["local", "aws"] = "local"
    home: Path = Field(default_factory=lambda: Path.home() / ".autosre")
    org_admins: tuple[str, ...] = ()
    table_name: str = ""
    task_queue_url: str = ""
    worker_function: str = ""
    """The worker Lambda function's name (AWS): `sre doctor` compares its live alias with the
    last deploy."""
    audit_bucket: str = ""
    audit_key: str = Field(default="", repr=False)
    """The digest signing secret, or an `ssm:`/`secretsmanager:` reference to it (AWS)."""
    audit_digest_every: int = Field(default=100, ge=1)
    export_bucket: str = ""
    local_user: str = Field(default_factory=lambda: os.environ.get("USER") or "local-user")
    org: str = ""
    """The org the terminal acts in on a deployment (`slack:T0123`, `teams:<tenant id>`)."""
    user: str = ""
    """Who the terminal acts as on a deployment: the user's id in that org (Slack `U…`)."""
    allow_ephemeral_state: bool = False
    """Cloud Functions: serve the embedded default from the instance's /tmp (lost on restart)."""
    slack_signing_secret: str = Field(default="", repr=False)
    slack_bot_token: str = Field(default="", repr=False)
    slack_app_token: str = Field(default="", repr=False)
    slack_api_url: str = "https://slack.com/api/"
    slack_client_id: str = ""
    """With SLACK_CLIENT_SECRET: OAuth mode, one install per workspace (SLACK_BOT_TOKEN unused)."""
    slack_client_secret: str = Field(default="", repr=False)
    slack_scopes: tuple[str, ...] = SLACK_SCOPES
    """The bot scopes an install asks for (comma-separated); the manifest's by default."""
    slack_install_path: str = "/slack/install"
    slack_redirect_uri_path: str = "/slack/oauth_redirect"
    teams_app_id: str = ""
    teams_app_password: str = Field(default="", repr=False)
    teams_app_tenant_id: str = ""
    teams_openid_metadata_url: str = ""
    teams_token_issuer: str = ""
    """The `iss` of the channel's tokens with TEAMS_OPENID_METADATA_URL (public cloud's if unset)"""
    teams_login_url: str = ""
    """Where the bot gets its own token to reply, with TEAMS_OPENID_METADATA_URL."""
    teams_oauth_scope: str = ""
    """The scope of the bot's own token, with TEAMS_OPENID_METADATA_URL."""
    teams_allowed_tenants: tuple[str, ...] = ()
    """The Teams tenants served (comma-separated); empty: TEAMS_APP_TENANT_ID's alone."""
    azure_region: str = "eastus"
    public_url: str = "http://127.0.0.1:3000"
    """Where investigation pages are served (the API's URL on AWS, `sre serve` locally)."""
    metrics_dir: Path | None = None
    """The only folder `--metrics-file` may read (default: `metrics` under AUTOSRE_HOME)."""
    fis_role_arn: str = ""
    """The role AWS FIS assumes to run chaos experiments (AWS)."""
    fis_layer_arn: str = ""
    """The FIS Lambda extension layer this account uses, for preflight to recognise and name."""
    fis_lever_id: str = "default"
    """The id of the account's FIS safety lever (one per account and Region, so org-wide)."""
    chaos_guard_error_rate: float = Field(default=5.0, gt=0, le=100)
    """The customer-facing error rate (%) at which a chaos injection's guard alarm stops it."""
    chaos_guard_minutes: int = Field(default=2, ge=1, le=10)
    """Consecutive minutes over the guard's error rate before its alarm fires."""
    tick_org_seconds: float = Field(default=20.0, gt=0, le=300)
    """How long the scheduler's tick waits for one org's canary and chaos steps; a late org's
    steps are carried to a later tick. At most `LONGEST_TICK_WAIT`: a larger one (up to 300,
    allowed before) is read as that, with a warning, so an upgrade never stops a deployment."""
    model: str = ""
    """The investigator's language model: `bedrock:<model id>` or `openai:<model>` (unset: off)."""
    model_url: str = ""
    """The OpenAI-compatible endpoint's base URL (`…/v1`, or an Azure OpenAI deployment's URL)."""
    model_api_key: SecretStr = SecretStr("")
    """The OpenAI-compatible endpoint's key, or an `ssm:`/`secretsmanager:` reference to it."""
    model_api_version: str = ""
    """Azure OpenAI's `api-version` (set: the key goes in Azure's `api-key` header)."""
    model_timeout_seconds: float = Field(default=20, gt=0, le=120)
    """How long a model has to answer before the rule-based narrative is posted instead."""
    model_budget_tokens: int = Field(default=4000, ge=200)
    """The most the model is shown of an investigation (tokens estimated as characters / 4)."""

    @field_validator("org_admins", "slack_scopes", "teams_allowed_tenants", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("tick_org_seconds")
    @classmethod
    def _tick_wait(cls, value: float) -> float:
        if value <= LONGEST_TICK_WAIT:
            return value
        log.warning(
            "%s=%g is more than the scheduler's function can wait (%g s each for the canaries' "
            "and the experiments' steps in its 180 s): %g is used",
            ENVIRONMENT["tick_org_seconds"],
            value,
            LONGEST_TICK_WAIT,
            LONGEST_TICK_WAIT,
        )
        return LONGEST_TICK_WAIT

    @field_validator("model")
    @classmethod
    def _model_form(cls, value: str) -> str:
        """AUTOSRE_MODEL unset, `bedrock:…` or `openai:…`; refused otherwise, saying the forms."""
        kind, _, name = value.partition(":")
        if value and not (kind in {"bedrock", "openai"} and name):
            raise PydanticCustomError("model_form", "use {forms}", {"forms": MODEL_FORMS})
        return value

    @model_validator(mode="after")
    def _model_has_url(self) -> Settings:
        if self.model.startswith("openai:") and not self.model_url:
            raise PydanticCustomError(
                "model_url", "AUTOSRE_MODEL=openai:… needs AUTOSRE_MODEL_URL (the endpoint)"
            )
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from the environment (or from `environ`); refused with a
        ConfigurationError that says each problem in one line and carries no value it refused."""
        source = os.environ if environ is None else environ
        try:
            return cls.model_validate(
                {field: source[name] for field, name in ENVIRONMENT.items() if source.get(name)}
            )
        except ValidationError as error:
            problems = configuration_problems(error)
        raise ConfigurationError(problems)  # outside `except`: no context holding the input

    @property
    def metrics_folder(self) -> Path:
        """The folder metrics files are registered from (AUTOSRE_METRICS_DIR or HOME/metrics)."""
        return self.metrics_dir or self.home / "metrics"

    @property
    def slack_oauth(self) -> bool:
        """Whether Slack installs by OAuth (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set)."""
        return bool(self.slack_client_id and self.slack_client_secret)

    def secret_references(self) -> dict[str, str]:
        """The secret settings whose values are SSM or Secrets Manager references."""
        return {
            name: value
            for name in SECRETS
            if (value := self.secret(name)).startswith(("ssm:", "secretsmanager:"))
        }

    def secret(self, name: str) -> str:
        """The value of secret setting `name` (the model's key is kept as a SecretStr)."""
        value = getattr(self, name)
        return value.get_secret_value() if isinstance(value, SecretStr) else str(value)

    def with_secrets(self, values: Mapping[str, str]) -> Settings:
        """These settings with the secret settings `values` in place (each in its own type)."""
        return self.model_copy(
            update={
                name: SecretStr(value) if isinstance(getattr(self, name), SecretStr) else value
                for name, value in values.items()
            }
        )

    @property
    def teams_tenants(self) -> frozenset[str]:
        """The Teams tenants served: TEAMS_ALLOWED_TENANTS, else the app's own tenant
        (TEAMS_APP_TENANT_ID), else none (a multi-tenant app must name the tenants it serves)."""
        if self.teams_allowed_tenants:
            return frozenset(self.teams_allowed_tenants)
        return frozenset({self.teams_app_tenant_id} if self.teams_app_tenant_id else ())
