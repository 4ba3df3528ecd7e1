"""An investigation's shareable page: a signed, expiring link and a phone-friendly HTML page.
The page has no reader's "now": every time on it carries its date."""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Mapping
from datetime import datetime

from shared.audit.links import FORBIDDEN, DrawnPages, check_token, token_for
from shared.audit.seal import SigningKey
from shared.identity.models import OrgId
from shared.investigations.marks import caption, marks_for, ordered
from shared.investigations.models import Investigation
from shared.investigations.narrative import account, by_account
from shared.investigations.ports import InvestigationStore
from shared.investigations.signal_states import (
    cannot_judge,
    evidence,
    not_judged,
    state,
    without_findings,
)
from shared.telemetry.analysis import headline
from shared.telemetry.models import Signal
from shared.times import clock, period


def _findings(investigation: Investigation) -> str:
    e = html.escape
    items = "".join(
        f"<li><strong>{e(f.signal.label)}</strong> {e(evidence(f))}"
        + (f" <em>after {e(f.near.summary)}</em>" if f.near else "")
        + "</li>"
        for f in investigation.findings
    )
    return items or f"<li>{e(without_findings(investigation))}</li>"


def _signal(investigation: Investigation, signal: Signal, png: bytes | None) -> str:
    """One signal: its name, its state, its chart and what the chart marks."""
    e = html.escape
    verdict = next((v for v in investigation.verdicts if v.signal is signal), None)
    kind = verdict.judgement.value if verdict else "unjudged"
    line = f'<p class="state">{e(state(investigation, verdict))}</p>' if verdict else ""
    image = (
        f'<img class="panel" alt="{e(signal.label)} over the window" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        if png
        else ""
    )
    marks = caption(marks_for(investigation, signal)) if png else ""
    return (
        f'<figure class="signal" id="signal-{signal.value}" data-state="{e(kind)}">'
        f"<h3>{e(signal.label)}</h3>{line}{image}"
        + (f"<figcaption>{e(marks)}</figcaption>" if marks else "")
        + "</figure>"
    )


def _lists(investigation: Investigation) -> tuple[str, str, str]:
    """The events (in time order), log evidence and timeline items; the page is read any day,
    so every time carries its date."""
    e = html.escape
    events = "".join(
        f"<li><time>{clock(t.time, days=True)} UTC</time> {e(t.summary)}</li>"
        for t in sorted(investigation.events, key=lambda t: t.time)
    )
    logs = "".join(
        f"<li><strong>{e(item.source)}</strong> {e(item.describe(dated=True))}</li>"
        for item in investigation.logs
    )
    timeline = "".join(
        f"<li><time>{clock(t.time, days=True)} UTC</time> {e(t.told())}</li>"
        for t in investigation.timeline
    )
    return events, logs, timeline


def _dated(investigation: Investigation) -> tuple[str, str]:
    """The headline and narrative with every time dated: the headline when it is the one written
    from the findings for the day of the report, the narrative when the account wrote it (worded
    again from the findings; a model's or another template's words stay as written)."""
    title, told = investigation.headline, investigation.narrative
    if investigation.findings:
        first, service, at = (
            investigation.findings[0],
            investigation.service,
            investigation.opened_at,
        )
        if title == f"{service}: {headline(first, at)}":
            title = f"{service}: {headline(first, at, dated=True)}"
    if told and by_account(investigation.narrated_by):
        told = account(investigation, dated=True)
    return title, told


def _narrated_by(investigation: Investigation) -> str:
    """The page's footer line saying who wrote the narrative (older investigations: none)."""
    by = investigation.narrated_by
    return f'<p class="meta" id="narrated-by">Narrative: {html.escape(by)}</p>' if by else ""


STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 48rem; padding: 1rem;
  overflow-wrap: anywhere; }
h1 { font-size: 1.3rem; } h3 { font-size: 1.05rem; margin: 0; }
li { margin: .3rem 0; overflow-wrap: anywhere; } .meta, figcaption { color: #555; }
figure { margin: 1.2rem 0; } .state { margin: .2rem 0; overflow-wrap: anywhere; }
img.panel { display: block; width: 100%; max-width: 720px; height: auto; }
#cannot-judge { border-left: .3rem solid #e63946; padding: .3rem .6rem; font-weight: 600; }
[data-state="no data"] .state, [data-state="not enough baseline"] .state,
[data-state="partial data"] .state { color: #9d0208; }
"""


def render(
    investigation: Investigation,
    panels: Mapping[Signal, bytes],
) -> str:
    """The page: what could not be judged (first), headline, findings, each signal's state and
    chart, events, log evidence, participants and the timeline. Never the team's similar past
    incidents: anyone holding the page's link reads it (it may be escalated to another team), so
    they stay in the report posted to the owner team."""
    e = html.escape
    warning = cannot_judge(investigation)
    if investigation.headline.startswith("Cannot judge"):
        warning = None  # the headline says it first already
    signals = "".join(_signal(investigation, s, panels.get(s)) for s in ordered(investigation))
    events, logs, timeline = _lists(investigation)
    missing = not_judged(investigation)
    title, told = _dated(investigation)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(investigation.id)} · {e(investigation.service)}</title>
<style>{STYLE}</style></head><body>
{f'<p id="cannot-judge" role="alert">{e(warning)}</p>' if warning else ""}
<h1 id="headline">{e(title)}</h1>
<p class="meta">{e(investigation.id)} · team {e(investigation.team)}
 · {e(investigation.status.value)}
 · {period(investigation.start, investigation.end, days=True)}</p>
<p id="narrative">{e(told)}</p>
<h2>Findings</h2><ol id="findings">{_findings(investigation)}</ol>
{f'<p id="not-judged">{e(missing)}</p>' if missing else ""}
{f'<h2>Signals</h2><section id="signals">{signals}</section>' if signals else ""}
{f'<h2>Events</h2><ul id="events">{events}</ul>' if events else ""}
{f'<h2>Logs</h2><ul id="logs">{logs}</ul>' if logs else ""}
<h2>Timeline</h2><ul id="timeline">{timeline}</ul>
<p class="meta">Participants: {e(", ".join("@" + p for p in investigation.participants))}</p>
{_narrated_by(investigation)}
</body></html>"""


class PageServer:
    """Answers `GET /investigations/{id}?token=…`: 200 with the page, 403 for a bad token."""

    def __init__(
        self,
        *,
        store: InvestigationStore,
        key: Callable[[], SigningKey],
        chart: Callable[[Investigation], bytes],
        panels: Callable[[Investigation], Mapping[Signal, bytes]],
        public_url: str,
    ) -> None:
        self._store = store
        self._key = key
        self._chart = chart
        self._panels = panels
        self._public_url = public_url.rstrip("/")
        self._drawn = DrawnPages()

    def chart(self, investigation: Investigation) -> bytes:
        """The investigation's signals in one stacked chart, as PNG (for the chat reply)."""
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
        key = (found.org, found.id, found.version)
        return self._drawn.page(key, lambda: render(found, self._panels(found)))
