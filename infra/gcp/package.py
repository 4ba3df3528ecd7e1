"""Build the Cloud Functions source bundle into .build/gcp/ (or the folder given): our packages,
`main.py` at its root, and `requirements.txt` from the pyproject extras the functions import.

Usage: python infra/gcp/package.py [FOLDER]; then `gcloud functions deploy … --source FOLDER`
(see the README). Cloud Functions installs requirements.txt itself, so nothing is downloaded here.
"""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".build" / "gcp"
CODE = ("handlers", "bots", "shared")
EXTRAS = ("gcp", "aws", "slack", "teams", "azure", "charts")
"""functions-framework and Cloud Monitoring; boto3 and Powertools for the AWS backend's state and
run-once table; the Slack and Teams SDKs; Azure Monitor (read on the embedded default); matplotlib
for charts."""
ENTRY_POINTS = ("slack_events", "teams_messages")


def requirements() -> list[str]:
    """The bundle's requirement lines: the core dependencies plus the extras it imports."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in EXTRAS:
        lines += project["optional-dependencies"][extra]
    return lines


def build(out: Path = OUT) -> Path:
    """Write the bundle into `out` (emptied first); return it."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for package in CODE:
        shutil.copytree(
            ROOT / package, out / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    shutil.copyfile(Path(__file__).with_name("main.py"), out / "main.py")
    (out / "requirements.txt").write_text("\n".join(requirements()) + "\n")
    return out


if __name__ == "__main__":
    made = build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    print(f"Cloud Functions bundle: {made}")  # noqa: T201 (a build script reports what it made)
