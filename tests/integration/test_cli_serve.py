"""`sre serve` at start-up as its user sees it: the start-up text once, the log in its file, and
page links that a browser can open."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

from tests.support.terminal import serve_until_started


def test_serve_shows_its_start_up_text_once_and_logs_to_the_homes_log_file(
    tmp_path: Path,
) -> None:
    # GIVEN neither Slack nor Teams configured (both endpoints are left off)
    # WHEN `sre serve` starts
    lines, err = serve_until_started(tmp_path, "--port", "0")
    shown = "\n".join(lines)
    # THEN the terminal says once what is not served, and no log line repeats it on stderr
    assert shown.count("POST /slack/events: SLACK_SIGNING_SECRET is not set") == 1, shown
    assert "not serving" not in err
    assert '"level"' not in err
    # AND the start-up text says where the log is, and the log file has it
    log = tmp_path / "sre.log"
    assert f"Log: {log}" in shown
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    messages = [entry["message"] for entry in entries]
    assert any(m.startswith("not serving POST /slack/events") for m in messages), messages


def test_serve_on_every_address_suggests_page_links_with_this_hosts_name(
    tmp_path: Path,
) -> None:
    # WHEN `sre serve` listens on every address of this host (links default to loopback)
    lines, _ = serve_until_started(tmp_path, "--host", "0.0.0.0", "--port", "0")  # noqa: S104
    shown = "\n".join(lines)
    port = re.search(r":(\d+)\b", lines[0])
    assert port, shown
    # THEN the links it suggests use this host's name, never 0.0.0.0 (no browser opens it)
    assert "AUTOSRE_PUBLIC_URL=http://0.0.0.0" not in shown
    suggested = f"AUTOSRE_PUBLIC_URL=http://{socket.gethostname()}:{port.group(1)}"
    assert suggested in shown, shown


def test_serve_on_every_address_warns_that_loopback_links_open_only_here(tmp_path: Path) -> None:
    # GIVEN page links on loopback at the very port `sre serve` will listen on
    for _ in range(3):  # a port found free may be taken by a parallel test before serve binds it
        with socket.create_server(("127.0.0.1", 0)) as probe:
            port = probe.getsockname()[1]
        links = f"http://127.0.0.1:{port}"
        # WHEN it listens on every address of this host
        lines, err = serve_until_started(
            tmp_path,
            "--host",
            "0.0.0.0",  # noqa: S104
            "--port",
            str(port),
            AUTOSRE_PUBLIC_URL=links,
        )
        if lines or "in use" not in err:
            break
    shown = "\n".join(lines)
    # THEN it warns that those links open only on this machine, and suggests this host's name
    assert f"investigation links point to {links}, which opens only on this machine" in shown
    assert f"AUTOSRE_PUBLIC_URL=http://{socket.gethostname()}:{port}" in shown
