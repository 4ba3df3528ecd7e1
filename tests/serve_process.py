"""`sre serve` as a real process on loopback, and signed slash commands sent to it."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.payloads import SIGNING_SECRET, signed_headers, slash_command_body

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "slack:T111:W111"
"""The org admin of the slash command fixture's workspace (team T111, user W111)."""


@dataclass
class ServeProcess:
    """One `sre serve` process and the address it listens on."""

    process: subprocess.Popen[bytes]
    url: str

    def kill(self) -> None:
        """SIGKILL it, as a crash or the OOM killer would, and reap it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """Stop it if it still runs."""
        if self.process.poll() is None:
            self.kill()


def start_serve(home: Path, *, slack_api: str, timeout: float = 60.0) -> ServeProcess:
    """`python -m bots.cli serve` on a free loopback port over `home`, logging to home/serve.log."""
    log_path = home / "serve.log"
    offset = log_path.stat().st_size if log_path.exists() else 0
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "AUTOSRE_HOME": str(home),
        "AUTOSRE_ORG_ADMINS": ADMIN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": slack_api,
    }
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bots.cli", "serve", "--port", "0"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        found = re.search(rb"on (http://127\.0\.0\.1:\d+)", log_path.read_bytes()[offset:])
        if found:
            return ServeProcess(process=process, url=found.group(1).decode())
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"sre serve did not start: {log_path.read_text()[offset:][-2000:]}")


def signed_command(text: str, *, trigger: str, hooks: str = "") -> tuple[str, dict[str, str]]:
    """A signed `/sre <text>` body and its headers (its own trigger id; its response URL on
    `hooks`, a fake server, rather than Slack's)."""
    fields = {"trigger_id": trigger}
    if hooks:
        fields["response_url"] = f"{hooks}hooks/{trigger}"
    body = slash_command_body(text, **fields)
    return body, signed_headers(body)


def post_signed(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    """POST a signed body to `sre serve`'s Slack endpoint; the status and the answer."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=60)
    try:
        connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def post_command(url: str, text: str, *, trigger: str, hooks: str = "") -> tuple[int, str]:
    """POST a signed `/sre <text>` and return the status and body."""
    return post_signed(url, *signed_command(text, trigger=trigger, hooks=hooks))
