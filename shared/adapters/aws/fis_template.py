"""The FIS experiment template for one fault on one Lambda function: its action, its target and
its stop conditions, and the client tokens that make a retried call the same call."""

from __future__ import annotations

import hashlib
from typing import Any

from shared.chaos.models import Fault, FaultKind
from shared.telemetry.queries import arn_home

LAMBDA_TARGET = "aws:lambda:function"
ACTIONS = {
    FaultKind.DELAY: "aws:lambda:invocation-add-delay",
    FaultKind.ERROR: "aws:lambda:invocation-error",
    FaultKind.HTTP_STATUS: "aws:lambda:invocation-http-integration-response",
}
"""FIS's Lambda action for each kind of fault."""
MAX_DELAY_MS = 900_000
"""`startupDelayMilliseconds` ranges from 0 to 900,000 (FIS actions reference)."""
_TOKEN_LIMIT = 64


def client_token(key: str, call: str) -> str:
    """The idempotency token of one FIS call (`template`, `start`) for an injection's key: the
    key itself where it fits, so the FIS console names the experiment it came from."""
    token = f"{key}-{call}".replace(" ", "_")
    if len(token) <= _TOKEN_LIMIT:
        return token
    return f"{hashlib.sha256(token.encode()).hexdigest()[:40]}-{call}"


def action_parameters(fault: Fault, *, percent: int, minutes: int) -> dict[str, str]:
    """The action's parameters (FIS takes every one as a string)."""
    if not 1 <= percent <= 100:
        raise ValueError(f"FIS faults 1 to 100% of invocations, not {percent}%")
    if minutes < 1:
        raise ValueError(f"an injection lasts at least a minute, not {minutes}")
    common = {"duration": f"PT{minutes}M", "invocationPercentage": str(percent)}
    if fault.kind is FaultKind.DELAY:
        if fault.delay_ms > MAX_DELAY_MS:
            raise ValueError(f"FIS delays an invocation by at most {MAX_DELAY_MS} ms")
        return {**common, "startupDelayMilliseconds": str(fault.delay_ms)}
    if fault.kind is FaultKind.HTTP_STATUS:
        return {
            **common,
            "statusCode": str(fault.status),
            "contentTypeHeader": "application/json",
            "preventExecution": "true",
        }
    return {**common, "preventExecution": "true"}


def template(
    fault: Fault,
    *,
    function_arn: str,
    percent: int,
    minutes: int,
    role_arn: str,
    alarms: list[str],
    description: str,
) -> dict[str, Any]:
    """CreateExperimentTemplate's arguments (without the client token): the fault on
    `percent`% of the function's invocations, stopped by any of `alarms` (none: a dry run)."""
    stops = [{"source": "aws:cloudwatch:alarm", "value": arn} for arn in alarms]
    return {
        "description": description[:512],
        "targets": {
            "function": {
                "resourceType": LAMBDA_TARGET,
                "resourceArns": [function_arn],
                "selectionMode": "ALL",
            }
        },
        "actions": {
            "fault": {
                "actionId": ACTIONS[fault.kind],
                "parameters": action_parameters(fault, percent=percent, minutes=minutes),
                "targets": {"Functions": "function"},
            }
        },
        "stopConditions": stops or [{"source": "none"}],
        "roleArn": role_arn,
        "experimentOptions": {"emptyTargetResolutionMode": "fail"},
    }


def elsewhere(resource: str, found_arn: str) -> str | None:
    """When `resource` is a function ARN of another account or Region than `found_arn` (the
    function of its name this deployment's Lambda client found), what to say: FIS here would
    fault that same-named function, not the one registered. None when it is the same."""
    named, found = arn_home(resource), arn_home(found_arn)
    if ":function:" not in resource or named == found:
        return None
    return (
        f"`{resource}` is a function of account {named['account']} in {named['region']}, and "
        f"this deployment injects faults in account {found['account']} in {found['region']}: "
        "there FIS would fault "
        f"{':'.join(found_arn.split(':')[:7])}, another function of the same name"
    )


def function_of(resource: str) -> tuple[str, str | None]:
    """A Lambda service's function name and qualifier (alias or version) from its registered
    resource: `checkout-fn`, `checkout-fn:live` or the function's ARN."""
    name = resource.rsplit(":function:", 1)[-1]
    function, _, qualifier = name.partition(":")
    return function, qualifier or None
