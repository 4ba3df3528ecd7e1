"""Every Lambda function serverless.yml deploys goes through `aws_runtime.lambda_handler`, so a
handler that forgets it fails here, not at its first run-once delivery in production."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from handlers import aws_runtime

ROOT = Path(__file__).resolve().parents[2]


def _deployed_handlers() -> list[str]:
    """The `handler:` of each function in serverless.yml (`handlers/aws_slack.handler`, ...)."""
    functions: dict[str, dict[str, Any]] = yaml.safe_load((ROOT / "serverless.yml").read_text())[
        "functions"
    ]
    return [function["handler"] for function in functions.values()]


def _entry_point(handler: str) -> Any:
    module, _, name = handler.rpartition(".")
    return getattr(importlib.import_module(module.replace("/", ".")), name)


def test_serverless_yml_deploys_the_functions_this_test_checks() -> None:
    # GIVEN the deployment's function list THEN it names the handlers the product has (an empty
    # or unreadable list would make the next test pass on nothing)
    assert {"handlers/aws_slack.handler", "handlers/aws_worker.handler"} <= set(
        _deployed_handlers()
    )


@pytest.mark.parametrize("handler", _deployed_handlers())
def test_each_deployed_lambda_function_hands_its_context_to_the_run_once_guard(
    handler: str,
) -> None:
    # GIVEN a function serverless.yml deploys WHEN its entry point is loaded
    entry = _entry_point(handler)
    # THEN it runs through `lambda_handler` (the guard sees its invocation's time left)
    assert aws_runtime.binds_lambda_context(entry), f"{handler} lacks @aws_runtime.lambda_handler"


def test_a_handler_without_the_wrapper_is_caught() -> None:
    # GIVEN a Lambda-shaped function nobody wrapped THEN the check refuses it
    def bare(event: Any, context: Any) -> None:
        del event, context

    assert not aws_runtime.binds_lambda_context(bare)
    assert aws_runtime.binds_lambda_context(aws_runtime.lambda_handler(bare))
