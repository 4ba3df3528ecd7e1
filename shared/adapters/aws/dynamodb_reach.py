"""Whether a terminal can read the AWS deployment's table, asked once before its command: a
missing credential, an unreachable region, a wrong table name or a refused identity is said as
what to fix, never as "Internal error" after the command was parsed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DENIED = {"AccessDeniedException", "UnrecognizedClientException", "ExpiredTokenException"}


def table_unreadable(table: str, org: str, client: DynamoDBClient | None = None) -> str | None:
    """Why the org's record in `table` cannot be read from here, as what to fix; None if it can
    (whether or not the org has a record yet)."""
    try:
        dynamodb = client or boto3.client("dynamodb")
        dynamodb.get_item(
            TableName=table,
            Key={"pk": {"S": f"ORG#{org}"}, "sk": {"S": "ORG"}},
            ConsistentRead=True,
        )
    except (NoCredentialsError, PartialCredentialsError):
        return "no AWS credentials were found: set AWS_PROFILE (or the AWS_ACCESS_KEY_ID pair)"
    except NoRegionError:
        return "no AWS region is set: set AWS_DEFAULT_REGION to the stack's Region"
    except EndpointConnectionError as error:
        return f"DynamoDB could not be reached ({error.kwargs.get('endpoint_url', 'no answer')})"
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        region = dynamodb.meta.region_name
        if code == "ResourceNotFoundException":
            return (
                f"there is no table {table} in {region}: AUTOSRE_TABLE is the stack's table "
                "name, and AWS_DEFAULT_REGION its Region"
            )
        if code in DENIED:
            return f"AWS refused your identity reading table {table} ({code})"
        return f"DynamoDB refused reading table {table} ({code or error})"
    except BotoCoreError as error:
        return f"AWS could not be asked: {error}"
    return None
