"""Resolve `ssm:/path` and `secretsmanager:name-or-arn` setting values on AWS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_ssm import SSMClient


class MissingSecretError(LookupError):
    """The parameter or secret a reference names does not exist."""


class RefusedSecretError(LookupError):
    """The parameter or secret a reference names may not be read by this function (its policy
    grants only SSM parameters under `/autosre/` and secrets named `autosre/…`)."""


DENIED = {"AccessDeniedException", "AccessDenied"}
GRANTED = "the functions may read only SSM parameters under /autosre/ and secrets named autosre/…"


def resolve(reference: str, *, ssm: SSMClient, secrets: SecretsManagerClient) -> str:
    """The secret a reference points at (SSM SecureStrings are decrypted)."""
    scheme, _, name = reference.partition(":")
    try:
        if scheme == "ssm":
            try:
                return ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
            except ssm.exceptions.ParameterNotFound as error:
                raise MissingSecretError(reference) from error
        if scheme == "secretsmanager":
            try:
                return secrets.get_secret_value(SecretId=name)["SecretString"]
            except secrets.exceptions.ResourceNotFoundException as error:
                raise MissingSecretError(reference) from error
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in DENIED:
            raise RefusedSecretError(f"{reference} may not be read: {GRANTED}") from error
        raise
    raise ValueError(f"not a secret reference: {scheme}:…")


def resolve_here(reference: str) -> str:
    """`resolve` with this account's SSM and Secrets Manager clients."""
    import boto3

    return resolve(reference, ssm=boto3.client("ssm"), secrets=boto3.client("secretsmanager"))
