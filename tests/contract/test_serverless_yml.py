"""serverless.yml and infra/ offline: handlers, settings, IAM, cfn-lint, bundles, manifests."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.api import lint_all
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from handlers.idempotency import EXPIRES_AFTER_SECONDS
from shared.alerts.scheduler import ORG_SECONDS
from shared.bootstrap.features import COMMANDS
from shared.config import ENVIRONMENT, LONGEST_TICK_WAIT, Settings
from shared.telemetry.limits import READ_TIMEOUT

ROOT = Path(__file__).resolve().parents[2]
SERVERLESS = yaml.safe_load((ROOT / "serverless.yml").read_text())
INCLUDED = yaml.safe_load((ROOT / "infra" / "aws" / "resources.yml").read_text())
RESOURCES = INCLUDED["Resources"]
FUNCTIONS = SERVERLESS["functions"]


def _environment(function: str) -> dict[str, Any]:
    return {**SERVERLESS["provider"]["environment"], **FUNCTIONS[function].get("environment", {})}


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_handler_path_resolves_to_a_callable(function: str) -> None:
    module, _, name = FUNCTIONS[function]["handler"].rpartition(".")
    assert callable(getattr(importlib.import_module(module.replace("/", ".")), name))


NEEDED = {
    "scheduler": set(),
    "alerts": {"SLACK_BOT_TOKEN", "TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_APP_TENANT_ID"},
    "pages": set(),
    "slack": {"SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"},
    "teams": {"TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_APP_TENANT_ID", "TEAMS_ALLOWED_TENANTS"},
    # `sre doctor` runs in the worker: it says whether Slack is served (the signing secret
    # decides) and which Teams tenants are, as the Slack and Teams functions are configured
    "worker": {
        "SLACK_SIGNING_SECRET",
        "SLACK_BOT_TOKEN",
        "TEAMS_APP_ID",
        "TEAMS_APP_PASSWORD",
        "TEAMS_APP_TENANT_ID",
        "TEAMS_ALLOWED_TENANTS",
    },
}
AWS_BACKEND = {
    "AUTOSRE_BACKEND",
    "AUTOSRE_TABLE",
    "AUTOSRE_TASK_QUEUE_URL",
    "AUTOSRE_AUDIT_BUCKET",
    "AUTOSRE_ORG_ADMINS",
    "AUTOSRE_AUDIT_KEY",
    "AUTOSRE_EXPORT_BUCKET",
    "AUTOSRE_PUBLIC_URL",
}


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_setting_the_function_reads_is_provided_and_none_is_unknown(function: str) -> None:
    env = _environment(function)
    assert set(env) >= AWS_BACKEND | NEEDED[function]
    assert env["AUTOSRE_BACKEND"] == "aws"
    known = set(ENVIRONMENT.values())
    assert {name for name in env if not name.startswith("POWERTOOLS_")} <= known


@pytest.mark.parametrize(
    ("name", "surface"),
    [
        ("SLACK_SIGNING_SECRET", "slack"),
        ("TEAMS_APP_ID", "teams"),
        ("TEAMS_APP_TENANT_ID", "teams"),
        ("TEAMS_ALLOWED_TENANTS", "teams"),
    ],
)
def test_the_worker_reads_what_the_doctor_reports_as_the_surface_does(
    name: str, surface: str
) -> None:
    # `sre doctor` runs in the worker: a setting it reports (Slack served, the tenants served)
    # set differently there would report another deployment than the one people talk to
    assert _environment("worker")[name] == _environment(surface)[name]


def test_the_alerts_function_outlasts_every_wait_of_its_tick() -> None:
    # a tick's waits run one after another; a function killed mid-tick emits no metric and
    # leaves its work to the next one: the alerts' reads, each org's notices, then the
    # canaries' and the experiments' steps, at the longest wait a deployment may set
    # (each phase runs 16 orgs at once, each bounded from its own start: this holds while at
    # most 16 orgs are late in a phase; past that a tick can be cut off, and the next carries on)
    assert Settings(tick_org_seconds=300).tick_org_seconds == LONGEST_TICK_WAIT
    waits = READ_TIMEOUT + ORG_SECONDS + 2 * LONGEST_TICK_WAIT
    assert FUNCTIONS["alerts"]["timeout"] >= waits + 10


def test_each_deferred_task_has_the_workers_whole_timeout() -> None:
    # a batch shares one invocation's timeout: five long tasks in one would run past it, and
    # all five would go back to the queue (towards its dead-letter queue) together
    trigger = RESOURCES["WorkerQueueTrigger"]["Properties"]
    assert trigger["BatchSize"] == 1
    assert (
        RESOURCES["TaskQueue"]["Properties"]["VisibilityTimeout"]
        >= 6 * FUNCTIONS["worker"]["timeout"]
    )


def test_a_task_redriven_from_the_dead_letter_queue_finds_its_run_once_record() -> None:
    # a task that ran, but whose post kept failing, goes to the dead-letter queue; redriven
    # days later, its run-once record must still be there, or it runs again (a second
    # investigation, a second chaos start)
    kept = RESOURCES["TaskDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"]
    assert kept < EXPIRES_AFTER_SECONDS


_PARAM = re.compile(r"\$\{param:(\w+)(?:, *'?([^'}]*)'?)?\}")


def _as_deployed_without_parameters(function: str) -> dict[str, str]:
    """A function's environment when the deploy gives no parameter: each default."""
    env = {}
    for name, value in _environment(function).items():
        if not isinstance(value, str):
            env[name] = "from the stack"  # Ref, GetAtt, Join
        elif "${" not in value:
            env[name] = value
        elif found := _PARAM.fullmatch(value):
            env[name] = found.group(2) or ""
        # else serverless's own variables (${self:service}, ${sls:stage}): not a setting's value
    return env


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_without_parameters_the_optional_settings_are_their_defaults_and_chaos_is_off(
    function: str,
) -> None:
    # serverless refuses an empty `--param=name=`, so a setting that may be off is empty by
    # default and turned on by its parameter: chaos (fisRoleArn) and the model (model) are off
    settings = Settings.from_env(_as_deployed_without_parameters(function))
    defaults = Settings()
    assert settings.fis_role_arn == settings.model == ""
    for name in ("chaos_guard_error_rate", "chaos_guard_minutes", "tick_org_seconds"):
        assert getattr(settings, name) == getattr(defaults, name)
    assert settings.model_timeout_seconds == defaults.model_timeout_seconds
    assert settings.model_budget_tokens == defaults.model_budget_tokens


TEAMS_CLOUD = {
    "TEAMS_OPENID_METADATA_URL",
    "TEAMS_TOKEN_ISSUER",
    "TEAMS_LOGIN_URL",
    "TEAMS_OAUTH_SCOPE",
}


@pytest.mark.parametrize("function", ["teams", "worker", "alerts"])
def test_a_sovereign_cloud_reaches_every_function_that_talks_to_teams(function: str) -> None:
    # the Teams function checks tokens with them; the worker and alerts post with them
    assert set(_environment(function)) >= TEAMS_CLOUD | {"TEAMS_APP_ID", "TEAMS_APP_TENANT_ID"}


def test_every_deploy_parameter_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    used = set()
    for file in (ROOT / "serverless.yml", ROOT / "infra" / "aws" / "resources.yml"):
        used |= {found.group(1) for found in _PARAM.finditer(file.read_text())}
    assert {"fisRoleArn", "model", "slackClientId", "slackClientSecret"} <= used
    table = readme.partition("| parameter | default |")[2].partition("\n\n")[0]
    named = " ".join(row.split("|")[1] for row in table.splitlines() if row.startswith("| `"))
    assert [name for name in sorted(used) if f"`{name}`" not in named] == []


def test_a_bedrock_model_is_granted_to_the_worker_only_when_the_deploy_names_it() -> None:
    policy = RESOURCES["BedrockModelPolicy"]
    assert policy["Condition"] == "BedrockModelGiven"
    assert policy["Properties"]["Roles"] == [{"Ref": "WorkerFunctionRole"}]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["bedrock:InvokeModel"]
    assert statement["Resource"] == {"Fn::Split": [",", {"Ref": "BedrockModelArn"}]}
    given = INCLUDED["Parameters"]["BedrockModelArn"]
    assert given["Default"] == "${param:bedrockModelArn, ''}"
    assert INCLUDED["Conditions"]["BedrockModelGiven"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "BedrockModelArn"}, ""]}]
    }


def test_the_http_routes_and_the_queue_trigger() -> None:
    routes = {
        (e["httpApi"]["method"], e["httpApi"]["path"]): name
        for name, fn in FUNCTIONS.items()
        for e in fn.get("events", [])
        if "httpApi" in e
    }
    assert routes == {
        ("POST", "/slack/events"): "slack",
        ("GET", "/slack/install"): "slack",
        ("GET", "/slack/oauth_redirect"): "slack",
        ("POST", "/api/messages"): "teams",
        ("GET", "/investigations/{id}"): "pages",
        ("GET", "/chaos/{id}"): "pages",
    }
    (schedule,) = FUNCTIONS["scheduler"]["events"]
    assert schedule["schedule"]["rate"] == "rate(1 hour)"
    (every_minute,) = FUNCTIONS["alerts"]["events"]
    assert every_minute["schedule"]["rate"] == "rate(1 minute)"
    # the queue triggers the worker's alias `live` (so the investigator can be canaried), not the
    # function: serverless gets no event for it
    assert "events" not in FUNCTIONS["worker"]
    trigger = RESOURCES["WorkerQueueTrigger"]["Properties"]
    assert trigger["EventSourceArn"] == {"Fn::GetAtt": ["TaskQueue", "Arn"]}
    assert trigger["FunctionName"] == {"Ref": "WorkerLiveAlias"}
    assert trigger["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # one version resource at the first deploy (serverless's own would publish the same code twice)
    assert FUNCTIONS["worker"]["versionFunction"] is False
    alias = RESOURCES["WorkerLiveAlias"]["Properties"]
    assert alias["FunctionName"] == {"Ref": "WorkerLambdaFunction"}  # serverless's logical id
    assert alias["FunctionVersion"] == {"Fn::GetAtt": ["WorkerFirstVersion", "Version"]}
    assert alias["Name"] == "live"
    (replay,) = [
        s
        for s in _statements(FUNCTIONS["alerts"]["role"])
        if s["Action"] == ["lambda:InvokeFunction"]
    ]
    assert replay["Resource"]["Fn::Sub"].endswith(":function:${self:service}-${sls:stage}-worker:*")
    assert RESOURCES["TaskQueue"]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["TaskDeadLetterQueue", "Arn"]
    }


# -- IAM: what the code calls, read from the code, against what the roles grant ------------------

_CALL = re.compile(r"(?:self\._?|\b)client\.(\w+)\(")
_PAGINATOR = re.compile(r"get_paginator\(\"(\w+)\"\)")
_SERVICE_BY_PREFIX = {
    "dynamodb_": "dynamodb",
    "cloudwatch_": "cloudwatch",
    "lambda_": "lambda",
    "s3_": "s3",
    "sqs_": "sqs",
}
"""Every adapter file is read by the service its name starts with (fis_* below, by client)."""
_READ_OTHERWISE = {
    "__init__.py",
    "secrets.py",
    "guard_config.py",
    "fis_template.py",
    "bedrock_model.py",
}
"""Read below (secrets), or calling nothing (guard_config, fis_template), or granted apart
(Bedrock is called only when AUTOSRE_MODEL names a model, and granted by BedrockModelPolicy
when the deploy gives its ARN)."""
_SPECIAL = {
    "s3:ListObjectsV2": "s3:ListBucket",
    "s3:ListObjectVersions": "s3:ListBucketVersions",
    # a presigned URL is signed locally; fetching it is a GetObject made with the role's credentials
    "s3:GeneratePresignedUrl": "s3:GetObject",
    "lambda:Invoke": "lambda:InvokeFunction",
}
_TRANSACTION_ITEM = re.compile(r"[\"'](Put|Update|Delete|ConditionCheck)[\"']\s*:")
_TRANSACTION_ACTION = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
"""A transaction is authorised as the items it holds, each by its own action (TransactWriteItems
is no IAM action): a ConditionCheck needs ConditionCheckItem, not only the writes around it."""


_IMPLIED = {
    # IAM authorises HEAD with s3:GetObject; a HEAD of a missing key is answered 404 only with
    # s3:ListBucket (403 otherwise); the lock headers come back only with s3:GetObjectRetention
    "s3:HeadObject": {"s3:GetObject", "s3:ListBucket", "s3:GetObjectRetention"},
}


def _transaction_items(source: str) -> set[str]:
    kinds = set(_TRANSACTION_ITEM.findall(source))
    assert kinds, "a transaction is written, but none of its items was found"
    return {_TRANSACTION_ACTION[kind] for kind in kinds}


def _actions(service: str, source: str) -> set[str]:
    found = set()
    calls = [m.group(1) for m in _CALL.finditer(source)] + _PAGINATOR.findall(source)
    for call in calls:
        if call == "get_paginator":
            continue
        action = f"{service}:{''.join(part.title() for part in call.split('_'))}"
        if action == "dynamodb:TransactWriteItems":
            found |= _transaction_items(source)
            continue
        found |= _IMPLIED.get(action, {_SPECIAL.get(action, action)})
    return found


def _service_of(file: Path) -> str | None:
    return next((s for p, s in _SERVICE_BY_PREFIX.items() if file.name.startswith(p)), None)


_CHAOS_CLIENTS = {
    # chaos on AWS: each adapter file's clients, by the name it calls them through
    "fis_injector.py": {"self._fis": "fis", "self._functions": "lambda"},
    "fis_guard.py": {"self._client": "cloudwatch", "metrics": "cloudwatch"},
    "fis_safety_lever.py": {"self._client": "fis"},
    "fis_preflight.py": {
        'self._client("lambda")': "lambda",
        'self._client("cloudwatch")': "cloudwatch",
    },
    "fis_dry_run.py": {"fis": "fis"},
    "fis_role.py": {"iam": "iam"},
}
CHAOS_IMPLIED = {"fis:TagResource", "iam:PassRole"}
"""Tags given at creation are authorised as TagResource; a template's roleArn is passed to FIS."""


def _chaos_calls() -> set[str]:
    adapters = ROOT / "shared" / "adapters" / "aws"
    found = set(CHAOS_IMPLIED)
    for file, clients in _CHAOS_CLIENTS.items():
        source = (adapters / file).read_text()
        for name, service in clients.items():
            for call in re.findall(rf"(?<![\w.]){re.escape(name)}\.(\w+)\(", source):
                found.add(f"{service}:{''.join(part.title() for part in call.split('_'))}")
    return found


def _called_by_the_code() -> set[str]:
    adapters = ROOT / "shared" / "adapters" / "aws"
    called: set[str] = set()
    for file in sorted(adapters.glob("*.py")):
        service = _service_of(file)
        if service is not None:
            called |= _actions(service, file.read_text())
    spec = importlib.util.find_spec(
        "aws_lambda_powertools.utilities.idempotency.persistence.dynamodb"
    )
    assert spec is not None and spec.origin is not None
    called |= _actions("dynamodb", Path(spec.origin).read_text())  # the run-once guard
    secrets = (adapters / "secrets.py").read_text()
    called |= {"ssm:GetParameter"} if "get_parameter(" in secrets else set()
    called |= {"secretsmanager:GetSecretValue"} if "get_secret_value(" in secrets else set()
    return called | _chaos_calls()


def test_every_aws_adapter_file_is_read_for_the_actions_it_calls() -> None:
    # a new adapter file is not skipped by the IAM check: its name says its service, or it is a
    # chaos adapter read client by client, or it is listed as read otherwise
    files = {f.name for f in (ROOT / "shared" / "adapters" / "aws").glob("*.py")}
    unread = {
        name
        for name in files - set(_CHAOS_CLIENTS) - _READ_OTHERWISE
        if _service_of(Path(name)) is None
    }
    assert unread == set()


def test_a_transaction_is_checked_item_by_item() -> None:
    # GIVEN a transaction that checks one item and puts another, as an investigation's index does
    source = (
        'self._client.transact_write_items(TransactItems=[{"ConditionCheck": check}, {"Put": put}])'
    )
    # THEN both actions are needed, and a role without ConditionCheckItem would fail the test
    assert _actions("dynamodb", source) == {"dynamodb:ConditionCheckItem", "dynamodb:PutItem"}
    assert "dynamodb:ConditionCheckItem" in _called_by_the_code()
    assert "dynamodb:DeleteItem" in _actions(
        "dynamodb", (ROOT / "shared/adapters/aws/dynamodb_chaos.py").read_text()
    )


def _statements(role: str) -> list[dict[str, Any]]:
    properties = RESOURCES[role]["Properties"]
    assert properties["ManagedPolicyArns"][0] == {"Ref": "AppAccessPolicy"}
    statements = [
        statement
        for managed in properties["ManagedPolicyArns"]
        for statement in RESOURCES[managed["Ref"]]["Properties"]["PolicyDocument"]["Statement"]
    ]
    for policy in properties["Policies"]:
        statements += policy["PolicyDocument"]["Statement"]
    return statements


def _granted(role: str) -> set[str]:
    return {a for s in _statements(role) if s["Effect"] == "Allow" for a in s["Action"]}


def _denied(role: str) -> set[str]:
    return {a for s in _statements(role) if s["Effect"] == "Deny" for a in s["Action"]}


PLATFORM = {
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    # S3 calls KMS on the functions' behalf for the audit bucket's SSE-KMS encryption
    "kms:GenerateDataKey",
    "kms:Decrypt",
}
SQS_EVENT_SOURCE = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
REPLAY = "lambda:InvokeFunction"
"""Only the function that judges canaries runs the investigator's versions on the replay set."""
TRAFFIC = {"lambda:GetAlias", "lambda:UpdateAlias"}
"""Only the functions that run canaries read and move alias weights."""
CHAOS = _chaos_calls()
"""Only the functions that run chaos experiments touch FIS, guard alarms and the role."""
LEVER = {"fis:GetSafetyLever", "fis:UpdateSafetyLeverState"}
"""Slack and Teams release the lever (`sre chaos unhalt`) and read it before `halt --all`."""
DOCTOR = {"sqs:GetQueueAttributes", "lambda:GetFunctionConfiguration"}
"""Only the worker runs `sre doctor` (a deferred command): the queues' depths, its own versions."""


@pytest.mark.parametrize(
    ("function", "extra", "without"),
    [
        ("slack", set(), {REPLAY, *TRAFFIC, *(CHAOS - LEVER), *DOCTOR}),
        ("teams", set(), {REPLAY, *TRAFFIC, *(CHAOS - LEVER), *DOCTOR}),
        ("worker", SQS_EVENT_SOURCE, {"sqs:SendMessage", REPLAY}),
        ("scheduler", set(), {"sqs:SendMessage", REPLAY, *TRAFFIC, *CHAOS, *DOCTOR}),
        ("alerts", set(), DOCTOR - CHAOS),
        ("pages", set(), {"sqs:SendMessage", REPLAY, *TRAFFIC, *CHAOS, *DOCTOR}),
    ],
)
def test_iam_grants_exactly_what_the_adapters_call(
    function: str, extra: set[str], without: set[str]
) -> None:
    role = FUNCTIONS[function]["role"]
    expected = (_called_by_the_code() - without) | extra | PLATFORM
    assert _granted(role) == expected


def _allowing(role: str, action: str) -> list[dict[str, Any]]:
    return [s for s in _statements(role) if s["Effect"] == "Allow" and action in s["Action"]]


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_a_missing_audit_entry_is_a_404_and_a_present_one_shows_its_lock(function: str) -> None:
    # S3 answers a HEAD of a missing key with 403 unless the caller may list the bucket, and a
    # condition on s3:prefix is never met by a HEAD; the lock headers need GetObjectRetention
    role = FUNCTIONS[function]["role"]
    (listing,) = _allowing(role, "s3:ListBucket")
    assert listing["Resource"] == {"Fn::GetAtt": ["AuditBucket", "Arn"]}
    assert "Condition" not in listing
    (retention,) = _allowing(role, "s3:GetObjectRetention")
    assert retention["Resource"] == [
        {"Fn::Sub": "${AuditBucket.Arn}/audit/*"},
        {"Fn::Sub": "${AuditBucket.Arn}/digests/*"},
    ]


@pytest.mark.parametrize("function", ["pages", "scheduler", "slack", "teams"])
def test_a_function_that_runs_no_canary_cannot_move_traffic(function: str) -> None:
    # the public functions queue canary commands; the worker and the alerts tick move traffic
    assert not _allowing(FUNCTIONS[function]["role"], "lambda:UpdateAlias")
    assert not _allowing(FUNCTIONS[function]["role"], "lambda:GetAlias")


@pytest.mark.parametrize("function", ["worker", "alerts"])
def test_the_functions_that_run_canaries_may_move_traffic(function: str) -> None:
    assert _allowing(FUNCTIONS[function]["role"], "lambda:UpdateAlias")


MANAGED = {"StringEquals": {"aws:ResourceTag/autosre:managed": "true"}}


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_function_of_the_account_is_reached_only_when_its_owner_tagged_it(
    function: str,
) -> None:
    # a registered service may be any function, so the grant names them all: then only those
    # tagged autosre:managed=true (README), and never their code (GetFunction links to it)
    for statement in _statements(FUNCTIONS[function]["role"]):
        resources = statement["Resource"]
        every_function = ":function:*" in json.dumps(resources)
        if statement["Effect"] == "Allow" and every_function:
            assert statement.get("Condition") == MANAGED, statement["Sid"]
    assert "lambda:GetFunction" not in _granted(FUNCTIONS[function]["role"])


def test_the_worker_is_tagged_so_it_can_be_canaried() -> None:
    assert FUNCTIONS["worker"]["tags"] == {"autosre:managed": "true"}


def test_the_doctor_in_the_worker_may_read_the_dead_letters_and_its_own_versions() -> None:
    statements = _statements(FUNCTIONS["worker"]["role"])
    (versions,) = [s for s in statements if s["Action"] == ["lambda:GetFunctionConfiguration"]]
    worker = ":function:${self:service}-${sls:stage}-worker"
    assert [r["Fn::Sub"].partition("${AWS::AccountId}")[2] for r in versions["Resource"]] == [
        worker,
        f"{worker}:*",
    ]
    assert "Condition" not in versions  # its own function, tagged or not
    depths = [s["Resource"] for s in statements if s["Action"] == ["sqs:GetQueueAttributes"]]
    assert depths == [{"Fn::GetAtt": ["TaskDeadLetterQueue", "Arn"]}]
    environment = _environment("worker")
    assert environment["AUTOSRE_WORKER_FUNCTION"] == "${self:service}-${sls:stage}-worker"


UNLOCKING = {
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:BypassGovernanceRetention",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketVersioning",
}


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_no_function_may_delete_audit_entries_or_change_their_retention_or_the_lock(
    function: str,
) -> None:
    role = FUNCTIONS[function]["role"]
    granted = _granted(role)
    risky = ("Delete", "Retention", "Lock", "Bypass", "Versioning", "*")
    changing = {a for a in granted if a.startswith("s3:") and not a.startswith("s3:Get")}
    assert not {a for a in changing if any(w in a for w in risky)}
    assert "*" not in granted
    assert _denied(role) >= UNLOCKING  # an explicit deny, should anyone widen the role later


def test_the_audit_bucket_is_locked_encrypted_and_guarded_by_its_policy() -> None:
    bucket = RESOURCES["AuditBucket"]["Properties"]
    rule = bucket["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert bucket["ObjectLockEnabled"] is True
    assert rule["Mode"] == "COMPLIANCE"
    assert rule["Days"] == "${param:auditRetentionDays, 365}"
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    policy = RESOURCES["AuditBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    denied_to_all = {
        action
        for s in policy
        if s["Effect"] == "Deny" and s["Principal"] == "*"
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert denied_to_all >= UNLOCKING


def test_nobody_may_put_a_new_version_over_an_audit_entry_or_digest() -> None:
    # GIVEN the audit bucket's policy
    policy = RESOURCES["AuditBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    # WHEN a put has no If-None-Match (it would add a version over a locked entry)
    unconditional = [
        s
        for s in policy
        if s["Effect"] == "Deny"
        and s["Principal"] == "*"
        and s["Action"] == "s3:PutObject"
        and s.get("Condition") == {"Null": {"s3:if-none-match": "true"}}
    ]
    # THEN it is denied to everyone on every entry and every digest
    assert len(unconditional) == 1
    assert unconditional[0]["Resource"] == [
        {"Fn::Sub": "${AuditBucket.Arn}/audit/*"},
        {"Fn::Sub": "${AuditBucket.Arn}/digests/*"},
    ]


def test_cfn_lint_passes_on_the_resources() -> None:
    # what serverless adds for the worker, which the resources refer to (its alias and trigger)
    worker = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.11",
            "Handler": FUNCTIONS["worker"]["handler"],
            "Role": {"Fn::GetAtt": [FUNCTIONS["worker"]["role"], "Arn"]},
            "Code": {"S3Bucket": "deployment-bucket", "S3Key": "worker.zip"},
        },
    }
    resources = {**RESOURCES, "WorkerLambdaFunction": worker}
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": INCLUDED["Parameters"],
        "Conditions": INCLUDED["Conditions"],
        "Resources": resources,
    }
    text = json.dumps(template).replace("${self:service}", "autosre").replace("${sls:stage}", "dev")
    text = re.sub(r'"\$\{param:[^,]+, (\d+)\}"', r"\1", text)  # parameters with defaults
    text = re.sub(r"\$\{param:[^,]+, ''\}", "", text)  # and those empty by default
    problems = [m for m in lint_all(text) if m.rule.id[0] in {"E", "W"}]
    assert problems == []


# -- what a deploy and a redeploy hit -------------------------------------------------------------


def test_no_function_reserves_concurrency() -> None:
    # an account with the default quota of 10 cannot reserve any (Lambda keeps 10 unreserved), so
    # the deploy would fail; the alert tick is single-flight by its conditional writes instead
    for function in FUNCTIONS.values():
        assert not {"reservedConcurrency", "provisionedConcurrency"} & set(function)


_NAMES = {"BucketName", "TableName", "QueueName", "Name", "TopicName", "KeyAlias", "RoleName"}


@pytest.mark.parametrize(
    "name", sorted(n for n, r in RESOURCES.items() if r.get("DeletionPolicy") == "Retain")
)
def test_a_retained_resource_does_not_block_the_next_deploy_of_the_stage(name: str) -> None:
    # after `serverless remove` it stays: a fixed name would clash with the next deploy's
    properties = RESOURCES[name]["Properties"]
    for fixed in _NAMES & set(properties):
        assert "AWS::StackId" in json.dumps(properties[fixed]), f"{name}.{fixed} is fixed"


def test_no_bucket_that_may_hold_objects_is_deleted_with_the_stack() -> None:
    # CloudFormation cannot delete a bucket with objects in it: `serverless remove` would fail
    buckets = [r for r in RESOURCES.values() if r["Type"] == "AWS::S3::Bucket"]
    assert buckets and all(b.get("DeletionPolicy") == "Retain" for b in buckets)
    exports = RESOURCES["ExportBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert exports == [{"Id": "ExportsExpire", "Status": "Enabled", "ExpirationInDays": 1}]


def test_the_dead_letter_alarm_tells_the_alarm_topic() -> None:
    alarm = RESOURCES["TaskDeadLetterAlarm"]["Properties"]
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert RESOURCES["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    outputs = yaml.safe_load((ROOT / "infra" / "aws" / "resources.yml").read_text())["Outputs"]
    assert outputs["AlarmTopicArn"] == {"Value": {"Ref": "AlarmTopic"}}


# -- bundles: the Slack function carries no Teams, Azure or GCP SDK ------------------------------


def _closure(lines: list[str]) -> set[str]:
    seen: set[str] = set()
    stack = [(Requirement(line), "") for line in lines]
    while stack:
        requirement, extra = stack.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        for line in metadata.requires(name) or []:
            child = Requirement(line)
            for chosen in requirement.extras or {""}:
                stack.append((child, chosen))
    return seen


def _bundle_requirements(function: str) -> list[str]:
    spec = importlib.util.spec_from_file_location("aws_package", ROOT / "infra/aws/package.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lines: list[str] = module.requirements(function)
    return lines


def test_the_slack_bundle_carries_no_teams_azure_or_gcp_sdk() -> None:
    packages = _closure(_bundle_requirements("slack"))
    assert {"slack-bolt", "boto3", "aws-lambda-powertools", "pydantic"} <= packages
    assert not {
        p
        for p in packages
        if p.startswith(
            ("botbuilder", "botframework", "azure", "google", "grpcio", "functions-framework")
        )
    }


def test_no_bundle_carries_the_azure_monitor_or_gcp_sdks() -> None:
    for function in FUNCTIONS:
        packages = _closure(_bundle_requirements(function))
        assert not {
            p
            for p in packages
            if p.startswith(("azure-monitor", "azure-identity", "google", "grpcio"))
        }


# -- chat app manifests --------------------------------------------------------------------------


def test_the_slack_manifest_points_everything_at_the_slack_route() -> None:
    manifest = yaml.safe_load((ROOT / "infra" / "slack" / "manifest.yml").read_text())
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/sre"
    urls = [
        command["url"],
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
    ]
    assert all(url.endswith("/slack/events") for url in urls)
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "commands",
        "app_mentions:read",
        "chat:write",
        "files:write",
        "files:read",
    }
    # an Enterprise Grid org admin can install it org-wide, as the code supports
    assert manifest["settings"]["org_deploy_enabled"] is True
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_mention"]


def _slack_manifest(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "infra" / "slack" / name).read_text())
    return loaded


def _events_listened_to(module: str) -> set[str]:
    source = (ROOT / "bots" / "slack" / module).read_text()
    return set(re.findall(r"@app\.event\(\"(\w+)\"\)", source))


def test_the_slack_manifests_subscribe_to_every_event_the_code_listens_to() -> None:
    # GIVEN the events bolt listens to: always (app.py) and in OAuth mode (oauth.py)
    always, oauth = _events_listened_to("app.py"), _events_listened_to("oauth.py")
    assert always == {"app_mention"}
    assert oauth == {"app_uninstalled", "tokens_revoked"}
    # THEN each manifest subscribes to those its mode needs (an event not subscribed to never
    # arrives: an uninstalled workspace's tokens would be kept)
    plain = _slack_manifest("manifest.yml")["settings"]["event_subscriptions"]["bot_events"]
    assert set(plain) == always
    with_oauth = _slack_manifest("manifest-oauth.yml")
    assert set(with_oauth["settings"]["event_subscriptions"]["bot_events"]) == always | oauth


def test_the_oauth_manifest_is_the_manifest_plus_its_redirect_and_events() -> None:
    plain, with_oauth = _slack_manifest("manifest.yml"), _slack_manifest("manifest-oauth.yml")
    (redirect,) = with_oauth["oauth_config"].pop("redirect_urls")
    assert redirect.endswith(Settings().slack_redirect_uri_path)
    assert redirect.startswith("https://API_ID.execute-api.REGION.amazonaws.com/")
    with_oauth["settings"]["event_subscriptions"]["bot_events"] = ["app_mention"]
    assert with_oauth == plain


def test_every_command_in_the_teams_manifest_is_one_of_ours() -> None:
    manifest = json.loads((ROOT / "infra" / "teams" / "manifest.json").read_text())
    (bot,) = manifest["bots"]
    assert bot["botId"] == manifest["id"] == "${TEAMS_APP_ID}"
    for command in bot["commandLists"][0]["commands"]:
        COMMANDS.parse(command["title"])  # raises if the grammar does not know it
