"""The Serverless Framework for the deployment rehearsal: v3, pinned, installed from npm into
.build/node, and `serverless package` run offline on a copy of serverless.yml and infra/aws."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SERVERLESS_VERSION = "3.40.0"
"""Pinned: v4 needs a licence key even to package; .ci/run installs this one into .build/node."""
NODE_PREFIX = ROOT / ".build" / "node"
CLI = NODE_PREFIX / "node_modules" / ".bin" / "serverless"
REGION = "us-east-1"


def install_serverless() -> Path | None:
    """The pinned Serverless Framework, installed from npm into .build/node (None without npm)."""
    if CLI.exists():
        return CLI
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        return None
    subprocess.run(
        [
            *(npm, "install", "--no-audit", "--no-fund", "--prefix", str(NODE_PREFIX)),
            *("--cache", str(ROOT / ".build" / "npm-cache"), f"serverless@{SERVERLESS_VERSION}"),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return CLI


def _zip_code(artifact: Path) -> None:
    """Our code alone: the template depends on a bundle only through its hash."""
    artifact.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(artifact, "w", zipfile.ZIP_DEFLATED) as bundle:
        for package in ("handlers", "bots", "shared"):
            for path in sorted((ROOT / package).rglob("*.py")):
                bundle.write(path, path.relative_to(ROOT))


@dataclass
class Packaged:
    """What `serverless package` generated, and how long it took."""

    template: dict[str, Any]
    seconds: float


def package(cli: Path, workdir: Path, *, stage: str, params: dict[str, str]) -> Packaged:
    """Run `serverless package` on a copy of serverless.yml and infra/aws, offline: no AWS
    credentials, no telemetry, no dashboard, HOME inside `workdir`."""
    shutil.copy(ROOT / "serverless.yml", workdir / "serverless.yml")
    shutil.copytree(ROOT / "infra" / "aws", workdir / "infra" / "aws")
    for function in ("slack", "teams", "worker", "pages", "scheduler", "alerts"):
        _zip_code(workdir / ".build" / "aws" / f"{function}.zip")
    keep = ("PATH", "LANG", "SYSTEMROOT")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env |= {
        "HOME": str(workdir / "home"),
        "SLS_TELEMETRY_DISABLED": "1",
        "SLS_NOTIFICATIONS_MODE": "off",
        "SLS_DEPRECATION_DISABLE": "*",
        "CI": "true",
    }
    command = [str(cli), "package", "--stage", stage, "--region", REGION]
    command += [f"--param={name}={value}" for name, value in params.items()]
    started = time.monotonic()
    subprocess.run(command, cwd=workdir, env=env, check=True, capture_output=True, timeout=300)
    seconds = time.monotonic() - started
    generated = workdir / ".serverless" / "cloudformation-template-update-stack.json"
    return Packaged(template=json.loads(generated.read_text()), seconds=seconds)
