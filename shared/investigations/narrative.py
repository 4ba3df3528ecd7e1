"""The investigation told in a sentence or two, from its findings: no model needed.

This is the default `Summariser`; the port is the seam where an AI summariser can take over (it
gets the whole investigation: findings, verdicts, evidence, log lines, timeline)."""

from __future__ import annotations

from datetime import datetime

from shared.investigations.models import Investigation, Narrative
from shared.telemetry.judgement import fmt, times
from shared.telemetry.models import Finding, Judgement
from shared.times import clock, moment


def _change(finding: Finding, day: datetime, *, dated: bool) -> str:
    """`p99 latency at 08:30 (3.5×)`, dated when it is not of the day of `day` (the reader's),
    or always when `dated` (a page, read any day)."""
    ratio = finding.ratio
    if finding.baseline < 0 or finding.current < 0:
        difference = finding.current - finding.baseline
        size = f"{'+' if difference >= 0 else ''}{fmt(difference)} from baseline"
    elif ratio == float("inf"):
        size = "up from zero"
    elif ratio >= 1:
        size = f"{times(ratio)}×"
    else:
        size = f"down to {ratio:.0%}"
    if finding.end is not None:
        minutes = round((finding.end - finding.onset).total_seconds() / 60)
        size += f" for {minutes} min"
    at = clock(finding.onset, days=dated or finding.onset.date() != day.date())
    return f"{finding.signal.label} at {at} ({size})"


def _unjudged(investigation: Investigation) -> str:
    """`error rate (no data), traffic (partial data)`, or nothing."""
    missing = [v for v in investigation.verdicts if not v.judgement.judged]
    return ", ".join(f"{v.signal.label} ({v.judgement.value})" for v in missing)


def _without_changes(investigation: Investigation) -> str:
    """No finding: "nothing moved" only when every signal read was judged."""
    unjudged = _unjudged(investigation)
    if not unjudged:
        return f"Nothing in {investigation.service}'s golden signals moved beyond its baseline."
    steady = [v.signal.label for v in investigation.verdicts if v.judgement is Judgement.STEADY]
    if not steady:
        return f"Nothing in {investigation.service}'s golden signals could be judged: {unjudged}."
    return f"No change in {', '.join(steady)}. Could not judge {unjudged}."


RULE_BASED = "rule-based"
"""Who wrote a narrative when no prompt variant did (the fallback)."""
CONTROL = "cause-first"
"""The prompt variants' control (`prompts.models.CONTROL_NAME`, a name no other variant can
take): its narrative is this account."""


def by_account(by: str) -> bool:
    """Whether a narrative signed `by` is this account, so it can be worded again from the
    findings: the fallback, the control at any version (`cause-first v1 · 3f9c2a1b7d0e`), or
    nobody (stored before narratives were signed, when this account was the only writer)."""
    return by in ("", RULE_BASED) or by.split(" ", 1)[0] == CONTROL


class NarrativeSummariser:
    """Orders the changes by onset and says what came first and what it followed."""

    def summarise(self, investigation: Investigation) -> Narrative:
        """A short account: the first change, what it followed, then the rest in order, and
        which signals could not be judged; by `rule-based`."""
        return Narrative(text=account(investigation), by=RULE_BASED)


def account(investigation: Investigation, *, dated: bool = False) -> str:
    """The rule-based account; every time with its date when `dated` (the page, read any day),
    else dated only when not of the day the report was written."""
    changes = sorted(investigation.findings, key=lambda f: (f.onset, f.signal.value))
    if not changes:
        return _without_changes(investigation)
    first, *rest = changes
    at = (
        f"{clock(first.onset, days=True)} UTC"
        if dated
        else moment(first.onset, today=investigation.opened_at)
    )
    text = f"{first.signal.label.capitalize()} moved first, at {at}"
    if first.end is not None:
        minutes = round((first.end - first.onset).total_seconds() / 60)
        text += f" for {minutes} min"
    if first.near:
        minutes = round((first.onset - first.near.time).total_seconds() / 60)
        text += f", {minutes} min after {first.near.summary}"
    text += "."
    if rest:
        text += (
            " Then "
            + ", ".join(_change(f, investigation.opened_at, dated=dated) for f in rest)
            + "."
        )
    if unjudged := _unjudged(investigation):
        text += f" Could not judge {unjudged}."
    if investigation.logs:
        top = investigation.logs[0]
        text += f" Most frequent in the logs: {top.text} ({top.window} in the window)."
    return text
