"""Whether the FIS experiment role may do what FIS's Lambda actions need, read from its inline
and attached policy documents through IAM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import ClientError

from shared.chaos.models import Problem

NEEDED = ("s3:PutObject", "s3:DeleteObject", "lambda:GetFunction", "tag:GetResources")
"""What the experiment role needs for every `aws:lambda:invocation-*` action (FIS docs)."""


def _document(value: Any) -> dict[str, Any]:
    """A policy document as IAM returns it (decoded by boto3, or URL-encoded JSON)."""
    if isinstance(value, dict):
        return value
    parsed: dict[str, Any] = json.loads(unquote(str(value)))
    return parsed


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _statements(documents: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for document in documents:
        yield from (
            [document["Statement"]]
            if isinstance(document.get("Statement"), dict)
            else document.get("Statement") or []
        )


def _matches(action: str, statement: dict[str, Any]) -> bool:
    return any(fnmatchcase(action.lower(), p.lower()) for p in _listed(statement.get("Action")))


def missing_actions(documents: list[dict[str, Any]]) -> list[str]:
    """The needed actions no Allow statement grants, or a Deny statement refuses (resources
    and conditions are not evaluated: the dry run and FIS itself are the judge of those)."""
    statements = list(_statements(documents))

    def granted(action: str) -> bool:
        effects = {s.get("Effect") for s in statements if _matches(action, s)}
        return "Allow" in effects and "Deny" not in effects

    return [action for action in NEEDED if not granted(action)]


def role_documents(iam: Any, role: str) -> list[dict[str, Any]]:
    """Every policy document of the role: its inline policies and its attached ones."""
    documents = [
        _document(iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"])
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
    ]
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        arn = attached["PolicyArn"]
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
        documents.append(_document(document["Document"]))
    return documents


def statement(missing: list[str], *, function_arn: str, location: str) -> str:
    """The policy statements that grant `missing`, scoped as tightly as FIS allows."""
    s3 = [a for a in missing if a.startswith("s3:")]
    scoped = [
        (s3, f"{location.rstrip('/')}/*" if location else "arn:aws:s3:::FIS_BUCKET/FisConfigs/*"),
        ([a for a in missing if a == "lambda:GetFunction"], function_arn),
        ([a for a in missing if a == "tag:GetResources"], "*"),
    ]
    return json.dumps(
        [{"Effect": "Allow", "Action": acts, "Resource": res} for acts, res in scoped if acts]
    )


def role_problems(iam: Any, role_arn: str, *, function_arn: str, location: str) -> list[Problem]:
    """What the experiment role `role_arn` lacks, with the statement that grants it."""
    if not role_arn:
        return [
            Problem(
                what="No FIS experiment role is configured",
                fix="set AUTOSRE_FIS_ROLE_ARN to a role that trusts fis.amazonaws.com and "
                f"allows {', '.join(NEEDED)}",
            )
        ]
    name = role_arn.rsplit("/", 1)[-1]
    try:
        missing = missing_actions(role_documents(iam, name))
    except ClientError as error:
        return [
            Problem(
                what=f"Could not read the policies of the FIS experiment role {name}: "
                f"{error.response['Error'].get('Message', error)}",
                fix=f"check AUTOSRE_FIS_ROLE_ARN ({role_arn}) names an existing role and allow "
                "Auto SRE's functions iam:ListRolePolicies, iam:GetRolePolicy, "
                "iam:ListAttachedRolePolicies, iam:GetPolicy and iam:GetPolicyVersion on it",
            )
        ]
    if not missing:
        return []
    return [
        Problem(
            what=f"The FIS experiment role {name} lacks {', '.join(missing)}",
            fix="add to its policy: "
            + statement(missing, function_arn=function_arn, location=location),
        )
    ]
