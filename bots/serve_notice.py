"""What `sre serve` tells its user at start-up: every route it serves, what it leaves off and why,
and every surface it serves without the credentials that make it work or keep it private; and
why it cannot listen, when it cannot."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from urllib.parse import urlsplit

from shared.config import ENVIRONMENT, Settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")
EVERY_ADDRESS = ("0.0.0.0", "::", "")  # noqa: S104 (recognised, not listened on)
"""Hosts that mean every address of this machine: no browser opens a link to one."""
SUGGEST_FROM = 3000
"""The first port suggested when the one asked for needs privileges."""


def routes(settings: Settings, *, off: dict[str, str], socket_mode: bool) -> list[str]:
    """Each route served, with what it is for."""
    served = []
    if "/slack/events" not in off:
        served.append(
            "POST /slack/events        Slack: slash commands, events, buttons "
            "(signed with SLACK_SIGNING_SECRET)"
        )
    if "/api/messages" not in off:
        served.append(
            "POST /api/messages        Microsoft Teams: Bot Framework activities "
            f"(tokens for app {settings.teams_app_id})"
        )
    served += [
        "GET  /investigations/ID   investigation pages (each link carries its own token)",
        "GET  /chaos/ID            chaos experiment pages (each link carries its own token)",
        "GET  /health              health check",
    ]
    if socket_mode:
        served.append("Slack Socket Mode         connected with SLACK_APP_TOKEN")
    served.append(
        "every minute              alert policies, canaries and chaos experiments; every hour: "
        "audit seal"
    )
    return served


def cautions(settings: Settings, *, off: dict[str, str], host: str, url: str) -> list[str]:
    """Every surface served without what it needs (a token to answer, a private address), and
    page links that would not lead to this server."""
    found = []
    slack = "/slack/events" not in off or bool(settings.slack_app_token)
    if slack and not settings.slack_bot_token:
        found.append(
            "Slack is served without SLACK_BOT_TOKEN: answers go only to each command's "
            "response_url (for 30 minutes, no threads or charts), and alerts and canaries "
            "cannot post to channels"
        )
    if "/api/messages" not in off and not settings.teams_app_password:
        found.append(
            "Teams is served without TEAMS_APP_PASSWORD: its tokens are checked, but no "
            "answer can be sent back to Teams"
        )
    if host not in LOOPBACK:
        found.append(
            f"listening on {host}, not loopback: /health and the investigation pages are open "
            "to the network (a page's link is its only key)"
        )
    link = links_problem(settings.public_url, host=host, url=url)
    if link:
        found.append(link)
    return found


def links_problem(public_url: str, *, host: str, url: str) -> str | None:
    """Why investigation links to `public_url` would not lead to this server listening on `host`
    at `url` (another port; loopback while others are served), and the URL to set instead."""
    public, port = urlsplit(public_url), urlsplit(url).port
    if public.hostname not in LOOPBACK:
        return None
    if public.port != port:
        why = "not to this server"
    elif host not in LOOPBACK:
        why = "which opens only on this machine"
    else:
        return None
    setting = f"{ENVIRONMENT['public_url']}={url}"
    if host in EVERY_ADDRESS:
        setting = (
            f"{ENVIRONMENT['public_url']}=http://{socket.gethostname()}:{port} (this host's "
            "name; any address of this host that your browsers reach will do)"
        )
    return f"investigation links point to {public_url}, {why}: set {setting}"


def notice(
    settings: Settings, *, url: str, host: str, socket_mode: bool, off: dict[str, str], log: Path
) -> str:
    """The start-up text of `sre serve` listening at `url`, logging to `log`."""
    lines = [f"Auto SRE serving the embedded default ({settings.home}) on {url}"]
    lines += [f"  {line}" for line in routes(settings, off=off, socket_mode=socket_mode)]
    if off:
        lines.append("Not served:")
        lines += [f"  POST {path}: {why}" for path, why in off.items()]
    found = cautions(settings, off=off, host=host, url=url)
    if found:
        lines.append("Warning:")
        lines += [f"  {line}" for line in found]
    lines.append(f"Log: {log} (requests, warnings, errors)")
    lines.append("Ctrl-C stops.")
    return "\n".join(lines)


def cannot_listen(error: OSError, host: str, port: int) -> str:
    """Why `sre serve` cannot listen on `host:port`, and what to try instead."""
    if error.errno == errno.EADDRINUSE:
        return f"port {port} is in use; try --port {free_port(host, port + 1)}"
    if error.errno == errno.EACCES:
        return f"port {port} needs privileges; try --port {free_port(host, SUGGEST_FROM)}"
    reason = error.strerror or str(error)
    return f"cannot listen on {host}:{port}: {reason}; try --host 127.0.0.1"


def free_port(host: str, start: int) -> int:
    """The first port from `start` that `host` can listen on now (or `start`, if none near)."""
    for port in range(start, min(start + 100, 65536)):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    return start
