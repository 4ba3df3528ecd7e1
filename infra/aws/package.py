"""Build one Lambda zip per function into .build/aws/, each with only the extras it imports.

Usage: python infra/aws/package.py [slack teams worker]. Wheels are fetched for Lambda's platform
(arm64, CPython 3.11), so this runs on any machine that reaches PyPI.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".build" / "aws"
CODE = ("handlers", "bots", "shared")
FUNCTION_EXTRAS: dict[str, tuple[str, ...]] = {
    "slack": ("aws", "slack"),
    "teams": ("aws", "teams"),
    "worker": ("aws", "slack", "teams", "charts"),
    "scheduler": ("aws",),
    "alerts": ("aws", "slack", "teams", "charts"),
    "pages": ("aws", "charts"),
}
"""The pyproject extras each function's bundle carries (no Azure or GCP SDK in any of them)."""


def requirements(function: str) -> list[str]:
    """The requirement lines of a function's bundle: the core dependencies plus its extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in FUNCTION_EXTRAS[function]:
        lines += project["optional-dependencies"][extra]
    return lines


def build(function: str) -> Path:
    """Install the function's requirements for Lambda's platform, add our code, zip it."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "bundle"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--target",
                str(target),
                "--platform",
                "manylinux2014_aarch64",
                "--implementation",
                "cp",
                "--python-version",
                "3.11",
                "--only-binary=:all:",
                *requirements(function),
            ],
            check=True,
        )
        for package in CODE:
            shutil.copytree(
                ROOT / package,
                target / package,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )
        OUT.mkdir(parents=True, exist_ok=True)
        artifact = OUT / f"{function}.zip"
        with zipfile.ZipFile(artifact, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(target.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    bundle.write(path, path.relative_to(target))
    return artifact


if __name__ == "__main__":
    for name in sys.argv[1:] or list(FUNCTION_EXTRAS):
        print(f"{name}: {build(name)}")  # noqa: T201 (a build script reports what it made)
