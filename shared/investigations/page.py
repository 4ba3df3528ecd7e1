"""An investigation's shareable page: a signed, expiring link and a phone-friendly HTML page."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
from collections.abc import Callable
from datetime import datetime, timedelta

from shared.audit.seal import SigningKey
from shared.identity.models import OrgId
from shared.investigations.models import Investigation
from shared.ports import InvestigationStore

LINK_LIFETIME = timedelta(days=7)
FORBIDDEN = "<!doctype html><title>Forbidden</title><p>This link is not valid or has expired.</p>"


def _signature(key: SigningKey, org: str, investigation_id: str, expires: int) -> str:
    message = f"page:{org}:{investigation_id}:{expires}".encode()
    digest = hmac.new(key.secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def token_for(key: SigningKey, org: str, investigation_id: str, now: datetime) -> str:
    """A token that opens one investigation's page until it expires."""
    expires = int((now + LINK_LIFETIME).timestamp())
    return f"{org}.{expires}.{_signature(key, org, investigation_id, expires)}"


def check_token(key: SigningKey, investigation_id: str, token: str, now: datetime) -> str | None:
    """The org a valid, unexpired token opens `investigation_id` for; None otherwise."""
    try:
        org, expires_text, signature = token.rsplit(".", 2)
        expires = int(expires_text)
    except ValueError:
        return None
    expected = _signature(key, org, investigation_id, expires)
    if not hmac.compare_digest(expected, signature) or expires < now.timestamp():
        return None
    return org


def render(investigation: Investigation, chart_png: bytes | None) -> str:
    """The page: headline, findings, chart, log evidence, participants and the timeline."""
    e = html.escape
    findings = (
        "".join(
            f"<li><strong>{e(f.signal.label)}</strong> {e(f.evidence)}"
            + (f" <em>after {e(f.near.summary)}</em>" if f.near else "")
            + "</li>"
            for f in investigation.findings
        )
        or "<li>No significant change.</li>"
    )
    logs = "".join(
        f"<li><strong>{e(item.source)}</strong> {e(item.describe())}</li>"
        for item in investigation.logs
    )
    timeline = "".join(
        f"<li><time>{t.time:%Y-%m-%d %H:%M}</time> @{e(t.actor)} {e(t.kind)}: {e(t.text)}</li>"
        for t in investigation.timeline
    )
    chart = (
        f'<img id="chart" alt="golden signals of {e(investigation.service)}" '
        f'src="data:image/png;base64,{base64.b64encode(chart_png).decode()}">'
        if chart_png
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(investigation.id)} · {e(investigation.service)}</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; }}
h1 {{ font-size: 1.3rem; }} img {{ max-width: 100%; height: auto; }}
li {{ margin: .3rem 0; overflow-wrap: anywhere; }} .meta {{ color: #555; }}
</style></head><body>
<h1 id="headline">{e(investigation.headline)}</h1>
<p class="meta">{e(investigation.id)} · team {e(investigation.team)}
 · {e(investigation.status.value)}
 · {investigation.start:%Y-%m-%d %H:%M} to {investigation.end:%H:%M} UTC</p>
<p id="narrative">{e(investigation.narrative)}</p>
<h2>Findings</h2><ol id="findings">{findings}</ol>
{chart}
{f'<h2>Logs</h2><ul id="logs">{logs}</ul>' if logs else ""}
<h2>Timeline</h2><ul id="timeline">{timeline}</ul>
<p class="meta">Participants: {e(", ".join("@" + p for p in investigation.participants))}</p>
</body></html>"""


class PageServer:
    """Answers `GET /investigations/{id}?token=…`: 200 with the page, 403 for a bad token."""

    def __init__(
        self,
        *,
        store: InvestigationStore,
        key: Callable[[], SigningKey],
        chart: Callable[[Investigation], bytes],
        public_url: str,
    ) -> None:
        self._store = store
        self._key = key
        self._chart = chart
        self._public_url = public_url.rstrip("/")

    def chart(self, investigation: Investigation) -> bytes:
        """The investigation's chart as PNG."""
        return self._chart(investigation)

    def link(self, investigation: Investigation, now: datetime) -> str:
        """The shareable link of an investigation, valid for a week."""
        token = token_for(self._key(), investigation.org, investigation.id, now)
        return f"{self._public_url}/investigations/{investigation.id}?token={token}"

    def serve(self, investigation_id: str, token: str, now: datetime) -> tuple[int, str]:
        """The status and HTML for a request."""
        org = check_token(self._key(), investigation_id, token, now)
        found = self._store.get(OrgId(org), investigation_id) if org else None
        if found is None:
            return 403, FORBIDDEN
        return 200, render(found, self._chart(found))
