"""The Cloud Functions bundle (infra/gcp/package.py) as functions-framework starts it, the
README's `gcloud functions deploy` recipe against it, run-once on GCP, and the refusal to serve
from the function's own /tmp."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from functions_framework import create_app
from packaging.requirements import Requirement

from handlers import gcp_http
from shared.config import ENVIRONMENT
from tests.fakes.http_capture import CaptureServer
from tests.support.payloads import (
    SIGNING_SECRET,
    app_mention_body,
    signed_headers,
    slash_command_body,
)

ROOT = Path(__file__).resolve().parents[2]


def _package() -> Any:
    """infra/gcp/package.py (a script, not a package of ours)."""
    spec = importlib.util.spec_from_file_location("gcp_package", ROOT / "infra/gcp/package.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


package = _package()
STARTS = """
import json, pathlib, sys
# As on Cloud Functions: our packages come from the bundle only, not from this checkout
sys.path[:] = [p for p in sys.path if not (pathlib.Path(p or ".") / "bots").is_dir()]
from functions_framework import create_app
bundle, body, headers = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
client = create_app(target="slack_events", source=f"{bundle}/main.py").test_client()
answer = client.post("/", data=body, headers=headers)
import bots
print(json.dumps({"status": answer.status_code, "body": answer.get_data(as_text=True),
                  "bots": bots.__file__}))
"""


@pytest.fixture(autouse=True)
def _fresh_caches() -> Any:
    for cached in (gcp_http.services, gcp_http.slack, gcp_http.teams):
        cached.cache_clear()
    yield
    for cached in (gcp_http.services, gcp_http.slack, gcp_http.teams):
        cached.cache_clear()


def _started(bundle: Path, body: str, env: dict[str, str]) -> dict[str, Any]:
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", STARTS, str(bundle), body, json.dumps(signed_headers(body))],
        env={**environ, **env},
        cwd=bundle.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    started: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return started


def _distributions(requirements: list[str]) -> set[str]:
    """The installed distributions `requirements` bring in, with their own requirements."""
    wanted, seen = [Requirement(line) for line in requirements], set()
    while wanted:
        requirement = wanted.pop()
        name = requirement.name.lower().replace("_", "-")
        for extra in requirement.extras or {""}:
            if (name, extra) in seen:
                continue
            seen.add((name, extra))
            try:
                lines = importlib.metadata.requires(requirement.name) or []
            except importlib.metadata.PackageNotFoundError:
                continue  # not installed here, so nothing here was imported from it
            for line in lines:
                nested = Requirement(line)
                if not nested.marker or nested.marker.evaluate({"extra": extra}):
                    wanted.append(nested)
    return {name for name, _ in seen}


class _Imports(ast.NodeVisitor):
    """Modules imported at run time (not under `if TYPE_CHECKING:`), each as the dotted names
    it may be (`from google.cloud import monitoring_v3`: `google.cloud.monitoring_v3` first)."""

    def __init__(self) -> None:
        self.found: set[tuple[str, ...]] = set()

    def visit_If(self, node: ast.If) -> None:
        if "TYPE_CHECKING" not in ast.unparse(node.test):
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found |= {(alias.name,) for alias in node.names}

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and not node.level:
            self.found |= {(f"{node.module}.{alias.name}", node.module) for alias in node.names}


def _providers() -> dict[str, str]:
    """Each installed module (`azure.monitor.querymetrics`) and the distribution installing it."""
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        for file in dist.files or []:
            if file.suffix == ".py" or file.name.endswith(".so"):
                parts = file.as_posix().split(".")[0].split("/")
                dotted = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
                found[dotted] = dist.metadata["Name"].lower().replace("_", "-")
    return found


def _unrequired(bundle: Path, installed: set[str]) -> dict[str, str]:
    """Modules the bundle's code imports (neither ours nor the stdlib) that no requirement
    installs, with the distribution that provides them here."""
    imports = _Imports()
    for path in bundle.rglob("*.py"):
        imports.visit(ast.parse(path.read_text()))
    providers, ours = _providers(), {"handlers", "bots", "shared", "main"}
    missing: dict[str, str] = {}
    for names in imports.found:
        top = names[0].split(".")[0]
        if top in ours or top in sys.stdlib_module_names:
            continue
        dist = next((providers[n] for n in (*names, top) if n in providers), None)
        if dist not in installed:
            missing[names[-1]] = dist or "(not installed here)"
    return missing


def test_the_bundle_starts_in_functions_framework_and_answers_a_signed_command(
    tmp_path: Path,
) -> None:
    # GIVEN the bundle built into a folder of its own
    bundle = package.build(tmp_path / "bundle")
    assert (bundle / "main.py").is_file()
    # WHEN functions-framework loads its main.py (explicitly allowed to keep state in /tmp)
    env = {
        "AUTOSRE_BACKEND": "local",
        "AUTOSRE_ALLOW_EPHEMERAL_STATE": "true",
        "AUTOSRE_HOME": str(tmp_path / "state"),
        "AUTOSRE_ORG_ADMINS": "slack:T111:W111",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }
    started = _started(bundle, slash_command_body("team create payments"), env)
    # THEN a signed slash command is answered by the bundle's own code
    assert started["status"] == 200
    assert "Team payments created" in started["body"]
    assert started["bots"].startswith(str(bundle))
    # AND every package its code imports (lazily or not) is one its requirements.txt installs
    installed = _distributions((bundle / "requirements.txt").read_text().split())
    assert _unrequired(bundle, installed) == {}


def test_the_readme_deploys_what_the_bundle_holds() -> None:
    readme = (ROOT / "README.md").read_text()
    recipes = re.findall(r"^gcloud functions deploy (?:.*\\\n)*.*", readme, re.MULTILINE)
    assert len(recipes) == len(package.ENTRY_POINTS)
    main = (ROOT / "infra" / "gcp" / "main.py").read_text()
    for recipe, entry_point in zip(recipes, package.ENTRY_POINTS, strict=True):
        assert f"--entry-point={entry_point}" in recipe
        assert entry_point in main
        assert "--source=.build/gcp" in recipe
        assert package.OUT == ROOT / ".build" / "gcp"
        assert "--runtime=python311" in recipe  # pyproject: requires-python >=3.11,<3.12
        assert "--service-account=" in recipe
    slack_env, teams_env = (re.search(r"--env-vars-file=(\S+)", r) for r in recipes)
    assert slack_env is not None and teams_env is not None
    assert (slack_env.group(1), teams_env.group(1)) == ("gcp-env.yaml", "gcp-teams-env.yaml")


def _readme_gcp_settings() -> tuple[dict[str, str], str]:
    """The settings file the README writes for the functions, and how the Teams one adds to it."""
    readme = (ROOT / "README.md").read_text()
    written = readme.partition("cat > gcp-env.yaml <<EOF\n")[2]
    body, _, after = written.partition("EOF\n")
    settings = dict(re.findall(r'^(\w+): "(.*)"$', body, re.MULTILINE))
    assert len(settings) == len(body.splitlines())  # every line a quoted setting
    return settings, after.partition("\n")[0]


def test_the_readmes_settings_file_reaches_the_aws_stack_it_was_deployed_with() -> None:
    settings, teams = _readme_gcp_settings()
    # every name is one the code reads (or boto3's Region)
    assert set(settings) - set(ENVIRONMENT.values()) == {"AWS_DEFAULT_REGION"}
    assert settings["AUTOSRE_BACKEND"] == "aws"
    # the stack's Region, not another, and its resources by their outputs (no name is fixed)
    assert settings["AWS_DEFAULT_REGION"] == "$AWS_REGION"
    outputs = yaml.safe_load((ROOT / "infra" / "aws" / "resources.yml").read_text())["Outputs"]
    for name, output in {
        "AUTOSRE_TABLE": "AppTableName",
        "AUTOSRE_AUDIT_BUCKET": "AuditBucketName",
        "AUTOSRE_EXPORT_BUCKET": "ExportBucketName",
        "AUTOSRE_TASK_QUEUE_URL": "TaskQueueUrl",
        "AUTOSRE_AUDIT_KEY": "AuditKeyReference",
    }.items():
        assert settings[name] == f"$(out {output})"
        assert output in outputs
    # the pages the replies link to are the stack's, and chaos is the stack's
    assert settings["AUTOSRE_PUBLIC_URL"] == "$(out HttpApiUrl)"  # serverless's own output
    assert settings["AUTOSRE_FIS_ROLE_ARN"].endswith(":role/autosre-fis-experiments")
    # the Teams function serves its bot's tenant
    assert "TEAMS_APP_ID" in teams and "TEAMS_APP_TENANT_ID" in teams


def test_on_its_own_tmp_store_the_function_refuses_to_start_unless_asked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN a function configured with the embedded default and nothing else
    monkeypatch.setenv("AUTOSRE_BACKEND", "local")
    monkeypatch.setenv("AUTOSRE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("AUTOSRE_ALLOW_EPHEMERAL_STATE", raising=False)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    bundle = package.build(tmp_path / "bundle")
    # WHEN functions-framework loads it, THEN it refuses to start, saying what to set
    with pytest.raises(gcp_http.NotServedError, match="AUTOSRE_ALLOW_EPHEMERAL_STATE=true"):
        create_app(target="slack_events", source=str(bundle / "main.py"))
    # AND were it served anyway, both endpoints answer 503 and keep no state
    source = str(Path(gcp_http.__file__))
    body = slash_command_body("team create payments")
    slack = create_app(target="slack_events", source=source).test_client()
    refused = slack.post("/", data=body, headers=signed_headers(body))
    assert refused.status_code == 503
    assert "AUTOSRE_BACKEND=aws" in refused.get_json()["error"]
    teams = create_app(target="teams_messages", source=source).test_client()
    assert teams.post("/", json={"type": "message"}).status_code == 503
    assert not (tmp_path / "state").exists()


def test_a_retried_slack_delivery_runs_once_on_cloud_functions(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN the Slack function on the AWS backend (moto)
    client = create_app(target="slack_events", source=str(Path(gcp_http.__file__))).test_client()
    body = app_mention_body("team create payments", "Ev0GCP1")
    headers = signed_headers(body, content_type="application/json")
    # WHEN Slack delivers an event, then retries it
    first = client.post("/", data=body, headers=headers)
    retry = client.post(
        "/", data=body, headers={**headers, "x-slack-retry-num": "1", "x-slack-retry-reason": "x"}
    )
    # THEN the command ran once: one answer posted, one team created
    assert first.status_code == retry.status_code == 200
    (post,) = slack_api.calls("chat.postMessage")
    assert "Team payments created" in json.dumps(post.body["blocks"])
