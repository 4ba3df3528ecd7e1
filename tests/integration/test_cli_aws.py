"""`sre` on the AWS deployment (moto): a named user of its org verifies the deployment's S3 trail,
and without the deployment's settings it refuses, rather than verify a trail of its own."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import boto3
import pytest
from moto.core import set_initial_no_auth_action_count

from bots.cli import main
from tests.rehearsal import for_moto
from tests.support.handlers import slash


def _slack(command: str, n: int, done: str) -> None:
    answer = slash(command, f"t-{n}")
    assert done in json.dumps(answer), answer


def _org_stream(bucket: str) -> tuple[str, list[str]]:
    """The org the Slack workspace became, and its org trail's keys, as stored in S3."""
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix="audit/")["Contents"]
    keys = sorted(o["Key"] for o in listed if "/_org/" in o["Key"])
    return unquote(keys[0].split("/")[1]), keys


@pytest.fixture
def deployment(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[str, list[str]]:
    """The deployment's org trail after an org admin made a team and an auditor in Slack; the
    terminal configured as that auditor, with a home of its own."""
    _slack("team create payments", 1, "Team payments created")
    _slack("org grant U0AUDIT auditor", 2, "is now auditor")
    org, keys = _org_stream(aws["AUTOSRE_AUDIT_BUCKET"])
    monkeypatch.setenv("AUTOSRE_HOME", str(tmp_path))
    monkeypatch.setenv("AUTOSRE_ORG", org)
    monkeypatch.setenv("AUTOSRE_USER", "U0AUDIT")
    return org, keys


def test_an_auditor_verifies_the_deployments_trail_from_a_terminal(
    deployment: tuple[str, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, keys = deployment
    # WHEN the auditor runs `sre audit verify --org` on the aws backend
    status = main(["audit", "verify", "--org"])
    out = capsys.readouterr().out
    # THEN the deployment's S3 trail, every entry of it, is verified and said intact
    assert status == 0, out
    assert "Audit trail intact: the org-wide trail" in out
    assert re.search(rf"Entries verified +{len(keys)} \(#1\.\.#{len(keys)}\)", out), out
    assert "S3 Object Lock" in out
    # AND no local state or trail was made on the laptop
    assert not (tmp_path / "audit").exists()
    assert not (tmp_path / "autosre.db").exists()


def test_a_changed_entry_in_the_deployments_trail_is_reported_from_the_terminal(
    aws: dict[str, str], deployment: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN someone wrote a new version of the org trail's first entry (versioning keeps the old)
    _, keys = deployment
    s3 = boto3.client("s3")
    bucket = aws["AUTOSRE_AUDIT_BUCKET"]
    entry = json.loads(s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read())
    s3.put_object(Bucket=bucket, Key=keys[0], Body=json.dumps({**entry, "actor": "nobody"}))
    # WHEN the auditor verifies from the terminal
    status = main(["--backend", "aws", "audit", "verify", "--org"])
    # THEN the terminal says the trail is broken, and exits 1
    out = capsys.readouterr().out
    assert status == 1, out
    assert "Audit trail BROKEN" in out


def test_the_terminal_acts_as_the_named_user_with_that_users_roles(
    deployment: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    # an auditor reads every team, and may not create one
    assert main(["team", "list"]) == 0
    assert "payments" in capsys.readouterr().out
    assert main(["team", "create", "search"]) == 3
    assert "needs the org-admin role" in capsys.readouterr().out


def test_without_the_deployments_settings_the_terminal_refuses_and_names_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a laptop with no table or bucket configured, the local backend in its environment
    monkeypatch.setenv("AUTOSRE_BACKEND", "local")
    monkeypatch.setenv("AUTOSRE_HOME", str(tmp_path))
    for name in ("AUTOSRE_TABLE", "AUTOSRE_AUDIT_BUCKET", "AUTOSRE_AUDIT_KEY", "AUTOSRE_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTOSRE_ORG", "slack:T0123")
    # WHEN an auditor asks to verify the deployment's trail
    status = main(["--backend", "aws", "audit", "verify", "--org"])
    # THEN the terminal refuses, naming what to set, and makes no trail of its own
    err = capsys.readouterr().err
    assert status == 2
    for name in ("AUTOSRE_TABLE", "AUTOSRE_AUDIT_BUCKET", "AUTOSRE_AUDIT_KEY", "AUTOSRE_USER"):
        assert name in err
    assert "AUTOSRE_ORG," not in err
    assert not (tmp_path / "audit").exists()
    assert not (tmp_path / "autosre.db").exists()


def test_sre_serve_on_the_aws_backend_is_refused_rather_than_served_from_a_local_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTOSRE_HOME", str(tmp_path))
    monkeypatch.setenv("AUTOSRE_BACKEND", "aws")
    assert main(["serve"]) == 2
    assert "embedded default only" in capsys.readouterr().err
    assert not (tmp_path / "autosre.db").exists()


@pytest.mark.parametrize("written", ["T111", "slack:", " slack:T111", "local"])
def test_an_org_not_in_the_platform_form_is_refused_naming_the_form(
    aws: dict[str, str],
    deployment: tuple[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    written: str,
) -> None:
    # GIVEN the auditor's terminal names the org the old way (or not at all usefully)
    s3, bucket = boto3.client("s3"), aws["AUTOSRE_AUDIT_BUCKET"]
    before = s3.list_objects_v2(Bucket=bucket)["Contents"]
    monkeypatch.setenv("AUTOSRE_ORG", written)
    # WHEN they verify the org trail
    status = main(["audit", "verify", "--org"])
    # THEN the terminal says how to write the org instead of "Not allowed", and writes nothing
    err = capsys.readouterr().err
    assert status == 2, err
    assert "AUTOSRE_ORG" in err
    assert "slack:T…" in err
    assert s3.list_objects_v2(Bucket=bucket)["Contents"] == before


def test_the_doctor_in_the_terminal_reads_the_deployments_queue_or_says_it_did_not(
    deployment: tuple[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the deployment's org admin at a terminal (its own deferred work goes through no queue)
    monkeypatch.setenv("AUTOSRE_USER", "W111")
    # WHEN they run the doctor with the deployment's queue URL
    main(["doctor"])
    out = capsys.readouterr().out
    # THEN the task queue's line is the deployment's SQS queue, read now
    assert re.search(r"Task queue +✓ SQS autosre-tasks: 0 waiting, 0 running; dead-letter", out)
    assert "came back through it" not in out
    # AND without the URL it says the queue was not checked, and why
    monkeypatch.delenv("AUTOSRE_TASK_QUEUE_URL")
    main(["doctor"])
    out = capsys.readouterr().out
    assert re.search(r"Task queue +not checked: AUTOSRE_TASK_QUEUE_URL is not set", out), out


def _readme_auditor_policy(aws: dict[str, str]) -> str:
    """The README's auditor policy, its placeholders filled in with this deployment's resources."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    policy = readme.partition("An auditor's policy:\n\n```json\n")[2].partition("```")[0]
    secret = aws["AUTOSRE_AUDIT_KEY"].removeprefix("secretsmanager:")
    filled = {
        "<AppTableArn>": f"arn:aws:dynamodb:us-east-1:123456789012:table/{aws['AUTOSRE_TABLE']}",
        "<AuditBucketName>": aws["AUTOSRE_AUDIT_BUCKET"],
        "<AuditKeySecretArn>": boto3.client("secretsmanager").describe_secret(SecretId=secret)[
            "ARN"
        ],
        "<AuditKeyArn>": "arn:aws:kms:us-east-1:123456789012:key/audit",
    }
    for placeholder, value in filled.items():
        policy = policy.replace(placeholder, value)
    # moto checks S3's resources, and every other service's actions against `*` (tests.rehearsal)
    return for_moto(json.loads(policy))


def test_the_readmes_auditor_policy_is_enough_to_verify_from_a_terminal(
    aws: dict[str, str],
    deployment: tuple[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN an IAM user with exactly the README's auditor policy (moto checks each action; it
    # does not check KMS, which the policy grants on the audit key)
    iam = boto3.client("iam")
    iam.create_user(UserName="auditor")
    iam.put_user_policy(
        UserName="auditor", PolicyName="audit", PolicyDocument=_readme_auditor_policy(aws)
    )
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    for temporary in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(temporary, raising=False)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)

    @set_initial_no_auth_action_count(0)
    def verify() -> int:
        return main(["audit", "verify", "--org"])

    # WHEN the auditor verifies the org trail with those credentials
    status = verify()
    # THEN it is verified, read-only
    out = capsys.readouterr().out
    assert status == 0, out
    assert "Audit trail intact: the org-wide trail" in out


def test_whoami_on_the_deployment_names_its_org_and_platform(
    deployment: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    org, _ = deployment
    assert main(["--backend", "aws", "whoami"]) == 0
    out = capsys.readouterr().out
    assert f"@U0AUDIT (from a terminal, org {org})" in out, out


def test_a_table_that_is_not_there_is_named_not_an_internal_error(
    deployment: tuple[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AUTOSRE_TABLE", "autosre-typo")
    assert main(["--backend", "aws", "whoami"]) == 1
    said = capsys.readouterr()
    assert said.err == (
        "sre: the deployment cannot be read: there is no table autosre-typo in us-east-1: "
        "AUTOSRE_TABLE is the stack's table name, and AWS_DEFAULT_REGION its Region; "
        "nothing was done\n"
    )
    assert "Internal error" not in said.out


def test_no_credentials_are_said_as_what_to_set(
    deployment: tuple[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # (its credentials were read already)
    assert main(["--backend", "aws", "audit", "verify", "--org"]) == 1
    assert "no AWS credentials were found: set AWS_PROFILE" in capsys.readouterr().err


def test_version_takes_nothing_after_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version", "extra"]) == 2
    assert "sre: --version takes nothing after it (not `extra`)" in capsys.readouterr().err
