"""An experiment's shareable page: its journal in words (each step, each verdict and its reasons,
the halt, every rollback and whether its removal was verified) and its chart, behind the same
signed, expiring links as an investigation's page."""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from datetime import datetime

from shared.audit.links import FORBIDDEN, DrawnPages, check_token, token_for
from shared.audit.seal import SigningKey
from shared.chaos.models import Experiment, SteadyState
from shared.chaos.notices import step_words, steps_said, title
from shared.chaos.ports import ChaosStore
from shared.identity.models import OrgId
from shared.times import clock

STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 48rem; padding: 1rem;
  overflow-wrap: anywhere; }
h1 { font-size: 1.3rem; } li { margin: .3rem 0; overflow-wrap: anywhere; } .meta { color: #555; }
img.chart { display: block; width: 100%; max-width: 720px; height: auto; }
[data-verified="no"] { color: #9d0208; font-weight: 600; }
"""


def _at(at: datetime) -> str:
    """A time on the page, which is read any day: always with its date."""
    return f"<time>{html.escape(clock(at, days=True))} UTC</time>"


def _steps(experiment: Experiment) -> str:
    """Every step of its history: when, then what the message's history says of it."""
    e = html.escape
    return "".join(
        f"<li>{_at(s.at)} {e(step_words(experiment, s))}</li>" for s in experiment.history
    )


def _judged(when: str, state: SteadyState) -> str:
    """`before the first injection: held: …`, `during, at 5%: deviated: …`."""
    if when == "before":
        return f"before the first injection: {'held' if state.met else 'not held'}"
    return f"{when}, at {state.percent}%: {state.verdict}"


def _verdicts(experiment: Experiment) -> str:
    """The steady state before the first injection, then at each judgement."""
    e = html.escape
    judged: list[tuple[str, SteadyState]] = (
        [("before", experiment.before)] if experiment.before else []
    )
    judged += [("during", s) for s in experiment.steady_states]
    return "".join(
        f"<li>{_at(s.at)} <strong>{e(_judged(when, s))}</strong>"
        + (f": {e('; '.join(s.reasons))}" if s.reasons else "")
        + "</li>"
        for when, s in judged
    )


def _rollbacks(experiment: Experiment) -> str:
    """Each try at removing an injection, and whether its removal was verified."""
    e = html.escape
    return "".join(
        f'<li data-verified="{"yes" if r.verified else "no"}">{_at(r.at)} {e(r.key)}: '
        + ("removed and verified" if r.verified else f"NOT removed: {e(r.error)}")
        + "</li>"
        for r in experiment.rollbacks
    )


def _meta(experiment: Experiment) -> str:
    """Its id, team, who started it when, and who approved it."""
    e = html.escape
    approved = f" · approved by @{e(experiment.approved_by)}" if experiment.approved_by else ""
    return (
        f"{e(experiment.id)} · team {e(experiment.team)} · started {_at(experiment.started_at)}"
        f" by @{e(experiment.started_by)}{approved}"
    )


def _section(heading: str, ident: str, items: str) -> str:
    return f'<h2>{heading}</h2><ul id="{ident}">{items}</ul>' if items else ""


def render(experiment: Experiment, png: bytes | None) -> str:
    """The page: where it stands and why, what it tests, its chart, its steps, its verdicts and
    its rollbacks."""
    e = html.escape
    chart = (
        f'<img class="chart" alt="faulted vs unfaulted share of {e(experiment.service)}" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        if png
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(experiment.id)} · {e(experiment.service)}</title>
<style>{STYLE}</style></head><body>
<h1 id="headline">{e(title(experiment))}</h1>
<p class="meta">{_meta(experiment)}</p>
{f'<p id="reason">{e(experiment.reason)}</p>' if experiment.reason else ""}
<p>Steady state: {e("; ".join(experiment.expectations))} · steps {e(steps_said(experiment))}</p>
{chart}
{_section("Steps", "steps", _steps(experiment))}
{_section("Steady state", "verdicts", _verdicts(experiment))}
{_section("Rollbacks", "rollbacks", _rollbacks(experiment))}
<p class="meta">Its journal (Chaos Toolkit's shape): <code>sre chaos status {e(experiment.id)}
 --journal</code></p>
</body></html>"""


class ChaosPages:
    """Answers `GET /chaos/{id}?token=…`: 200 with the page, 403 for a bad token."""

    def __init__(
        self,
        *,
        store: ChaosStore,
        key: Callable[[], SigningKey],
        chart: Callable[[Experiment], bytes | None],
        public_url: str,
    ) -> None:
        self._store = store
        self._key = key
        self._chart = chart
        self._public_url = public_url.rstrip("/")
        self._drawn = DrawnPages()

    def link(self, experiment: Experiment, now: datetime) -> str:
        """The shareable link of an experiment's page, valid for a week."""
        token = token_for(self._key(), experiment.org, experiment.id, now)
        return f"{self._public_url}/chaos/{experiment.id}?token={token}"

    def serve(self, experiment_id: str, token: str, now: datetime) -> tuple[int, str]:
        """The status and HTML for a request."""
        org = check_token(self._key(), experiment_id, token, now)
        found = self._store.get(OrgId(org), experiment_id) if org else None
        if found is None:
            return 403, FORBIDDEN
        # its chart reads the metrics so far: a live experiment's is drawn anew each minute
        key = (found.org, found.id, found.version, None if found.over else f"{now:%Y%m%d%H%M}")
        return self._drawn.page(key, lambda: render(found, self._chart(found)))
