"""The `sre` terminal as its users run it: one process per command over an AUTOSRE_HOME, and what
its audit folder holds afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import defaultdict
from pathlib import Path

from shared.adapters.local.folder_audit import FolderAuditLog
from shared.audit.models import AuditRecord, Outcome
from shared.identity.models import LOCAL_ORG
from tests.support import records

ROOT = Path(__file__).resolve().parents[2]


def terminal_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of `sre` on the embedded default over `home`, as local user `dana`."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("AUTOSRE_", "SLACK_", "TEAMS_"))
    }
    return {
        **env,
        "PYTHONPATH": str(ROOT),
        "AUTOSRE_HOME": str(home),
        "AUTOSRE_LOCAL_USER": "dana",
        **extra,
    }


def sre_command(*words: str) -> list[str]:
    """The argv of `sre WORDS…` run from this checkout."""
    return [sys.executable, "-m", "bots.cli", *words]


def sre(home: Path, *words: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `sre WORDS…` in its own process over `home` (with `env` added); its status, stdout
    and stderr."""
    return subprocess.run(
        sre_command(*words),
        env=terminal_env(home, **env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def trail_entries(home: Path) -> list[AuditRecord]:
    """Every audit entry of the local org's trails under `home`."""
    log = FolderAuditLog(home / "audit")
    return [entry for stream in log.streams(LOCAL_ORG) for entry in records(log, stream)]


def unanswered(home: Path) -> list[str]:
    """The commands whose `requested` entry has no outcome after it (in its own trail)."""
    outcomes: dict[str, list[Outcome]] = defaultdict(list)
    commands: dict[str, str] = {}
    for entry in trail_entries(home):
        outcomes[entry.correlation_id].append(entry.outcome)
        commands[entry.correlation_id] = entry.command
    return [
        commands[ref]
        for ref, seen in outcomes.items()
        if Outcome.REQUESTED in seen and seen[-1] is Outcome.REQUESTED
    ]


def serve_until_started(home: Path, *args: str, **env: str) -> tuple[list[str], str]:
    """Run `sre serve ARGS…` over `home` until its start-up text has ended ("Ctrl-C stops."),
    then Ctrl-C it (killed after a minute if it never starts): its start-up lines, and all it
    wrote on stderr."""
    process = subprocess.Popen(
        sre_command("serve", *args),
        env=terminal_env(home, **env),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    deadline = threading.Timer(60, process.kill)
    deadline.start()
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C stops."):
            break
    process.send_signal(signal.SIGINT)
    err = process.communicate(timeout=30)[1]
    deadline.cancel()
    return lines, err
