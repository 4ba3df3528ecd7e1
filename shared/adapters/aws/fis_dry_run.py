"""FIS's dry run: the fault's experiment started with `actionsMode: skip-all`, which resolves the
targets and assumes the experiment role but injects nothing (preflight's last check)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from shared.adapters.aws.fis_template import template
from shared.chaos.models import Fault, Problem

STARTING = ("pending", "initiating")


def said(error: ClientError) -> str:
    """What AWS said, in its words."""
    found = error.response.get("Error", {})
    return str(found.get("Message") or found.get("Code") or error)


def dry_run(
    fis: Any,
    fault: Fault,
    *,
    function_arn: str,
    role_arn: str,
    polls: int,
    sleep: Callable[[float], None],
) -> list[Problem]:
    """A `skip-all` run of the fault on the function: FIS resolves the targets and assumes the
    role, and injects nothing. Its template is deleted afterwards."""
    made = ""
    try:
        made = fis.create_experiment_template(
            clientToken=str(uuid.uuid4()),
            **template(
                fault,
                function_arn=function_arn,
                percent=1,
                minutes=1,
                role_arn=role_arn,
                alarms=[],
                description="Auto SRE preflight: a skip-all dry run",
            ),
        )["experimentTemplate"]["id"]
        return _skip_all(fis, made, polls=polls, sleep=sleep)
    except ClientError as error:
        return [
            Problem(
                what=f"FIS refused the dry run: {said(error)}",
                fix="check that AUTOSRE_FIS_ROLE_ARN trusts fis.amazonaws.com and that "
                "the account's FIS safety lever is disengaged",
            )
        ]
    finally:
        if made:
            fis.delete_experiment_template(id=made)


def _skip_all(
    fis: Any, template_id: str, *, polls: int, sleep: Callable[[float], None]
) -> list[Problem]:
    started = fis.start_experiment(
        clientToken=str(uuid.uuid4()),
        experimentTemplateId=template_id,
        experimentOptions={"actionsMode": "skip-all"},
    )
    experiment_id = started["experiment"]["id"]
    state = started["experiment"]["state"]
    for _ in range(polls):
        if state["status"] not in STARTING:
            break
        sleep(1.0)
        state = fis.get_experiment(id=experiment_id)["experiment"]["state"]
    if state["status"] in STARTING:
        return [
            Problem(
                what=f"FIS's dry run {experiment_id} had not resolved its targets after "
                f"{polls} s, so preflight could not tell",
                fix="run the plan again in a minute",
            )
        ]
    if state["status"] in ("failed", "cancelled"):
        return [
            Problem(
                what=f"FIS's dry run {experiment_id} {state['status']}: {state.get('reason', '')}",
                fix="fix what FIS names, then plan again",
            )
        ]
    resolved = fis.list_experiment_resolved_targets(experimentId=experiment_id)
    if any(t.get("targetName") == "function" for t in resolved["resolvedTargets"]):
        return []
    return [
        Problem(
            what=f"FIS's dry run {experiment_id} resolved no target function",
            fix="check the function's ARN, Region and the experiment role's "
            "lambda:GetFunction and tag:GetResources",
        )
    ]
