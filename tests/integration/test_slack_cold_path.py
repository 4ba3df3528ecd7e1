"""The Slack function's cold start loads only what an acknowledgement needs: a fresh process
imports the handler and answers a signed `/sre help`, then lists the modules it loaded. What a
feature needs (charts, the features' services, the clouds' metrics and traffic adapters) loads
when a command first uses it, never on an acknowledgement. How long that takes is `make bench`'s."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.support.payloads import (
    SIGNING_SECRET,
    http_api_event,
    signed_headers,
    slash_command_body,
)

ROOT = Path(__file__).resolve().parents[2]

# tests/support/payloads.py is read alone: importing it as `tests.support.payloads` would run the
# test helpers' package, which loads the whole product
_COLD_START = """
import contextlib, importlib.util, io, json, sys
spec = importlib.util.spec_from_file_location("payloads", "tests/support/payloads.py")
payloads = importlib.util.module_from_spec(spec)
spec.loader.exec_module(payloads)
with open(sys.argv[1]) as source:
    event = json.load(source)
with contextlib.redirect_stdout(io.StringIO()):  # Powertools prints one metrics line
    from handlers.aws_slack import handler
    answer = handler(event, payloads.LambdaContext())
print(json.dumps({"answer": answer, "modules": sorted(sys.modules)}))
"""

NOT_ON_AN_ACK = (
    "matplotlib",
    "shared.adapters.charts",
    "shared.adapters.alert_charts",
    "shared.adapters.canary_charts",
    "shared.adapters.chaos_charts",
    "shared.alerts.service",
    "shared.canary.service",
    "shared.chaos.service",
    "shared.investigations.service",
    "shared.adapters.aws.cloudwatch_metrics",
    "shared.adapters.aws.cloudwatch_versions",
    "shared.adapters.aws.lambda_routing",
    "shared.adapters.local.sample_metrics",
    "aws_xray_sdk",
    "azure",
    "google.api_core",  # not `google`: a namespace package that a .pth file loads at start-up
    "grpc",
    "botbuilder",
)


def _cold_start(tmp_path: Path, text: str) -> tuple[dict[str, object], set[str]]:
    body = slash_command_body(text)
    event = http_api_event(body, signed_headers(body, timestamp=int(time.time())), "/slack/events")
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(event))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-cold",
        "AUTOSRE_BACKEND": "aws",
        "AUTOSRE_TABLE": "autosre-cold",
        "AUTOSRE_AUDIT_BUCKET": "autosre-cold",
        "AUTOSRE_TASK_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/cold",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    done = subprocess.run(
        [sys.executable, "-c", _COLD_START, str(event_file)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    return printed["answer"], set(printed["modules"])


def _loaded(modules: set[str], name: str) -> bool:
    return any(module == name or module.startswith(f"{name}.") for module in modules)


def test_a_cold_slack_function_answers_help_without_loading_any_feature_or_chart(
    tmp_path: Path,
) -> None:
    # GIVEN a fresh Lambda container WHEN its first request is a signed `/sre help`
    answer, modules = _cold_start(tmp_path, "help")
    # THEN the user gets the command list
    assert answer["statusCode"] == 200
    assert "Auto SRE commands" in str(answer["body"])
    # AND nothing a feature, a chart or another cloud needs was loaded to answer it
    loaded = [name for name in NOT_ON_AN_ACK if _loaded(modules, name)]
    assert loaded == []
    # AND what the acknowledgement does need was (the guard sees the real path, not an empty one)
    assert {"slack_bolt", "handlers.aws_slack", "shared.commands.bus"} <= modules
