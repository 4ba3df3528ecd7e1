"""The investigation told in a sentence or two, from its findings: no model needed.

This is the default `Summariser`; the port is the seam where an AI summariser can take over (it
gets the whole investigation: findings, verdicts, evidence, log lines, timeline)."""

from __future__ import annotations

from datetime import datetime

from shared.investigations.coverage import fell
from shared.investigations.models import Investigation, Narrative
from shared.telemetry.analysis import first_movers, said_together
from shared.telemetry.models import Finding, Judgement
from shared.telemetry.wording import fmt, lasted, times, to_the_second
from shared.times import clock, moment


def _change(finding: Finding, day: datetime, *, dated: bool) -> str:
    """`p99 latency at 08:30 (3.5×)`, `traffic at 21:04 (down to 0%, 9 times)`, dated when it
    is not of the day of `day` (the reader's), or always when `dated` (a page, read any day)."""
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
    if finding.repeats:
        size += f", {finding.repeats} times"
    if finding.end is not None:
        size += f" for {lasted(finding)}"
    days = dated or finding.onset.date() != day.date()
    at = clock(finding.onset, days=days, seconds=to_the_second(finding))
    return f"{finding.signal.label} at {at} ({size})"


def _unjudged(investigation: Investigation) -> str:
    """`error rate (no data), traffic (partial data)`, or nothing."""
    missing = [v for v in investigation.verdicts if not v.judgement.judged]
    return ", ".join(f"{v.signal.label} ({v.judgement.value})" for v in missing)


def _without_changes(investigation: Investigation) -> str:
    """No finding: "nothing moved" only when every signal read was judged."""
    unjudged = _unjudged(investigation)
    fallen = fell(investigation.verdicts)
    if not unjudged and fallen:  # a collapse is said, though not counted as a change
        return (
            f"Nothing in {investigation.service}'s golden signals rose beyond its baseline; "
            f"{', '.join(fallen)} fell."
        )
    if not unjudged:
        return f"Nothing in {investigation.service}'s golden signals moved beyond its baseline."
    steady = [v.signal.label for v in investigation.verdicts if v.judgement is Judgement.STEADY]
    if not steady:
        return f"Nothing in {investigation.service}'s golden signals could be judged: {unjudged}."
    calm = [label for label in steady if label not in fallen]  # a collapse is no "no change"
    said = [f"no change in {', '.join(calm)}"] if calm else []
    said += [f"{', '.join(fallen)} fell"] if fallen else []
    judged = "; ".join(said)
    return f"{judged[:1].upper()}{judged[1:]}. Could not judge {unjudged}."


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
    else dated only when not of the day the report was written. Signals that moved in the same
    minute moved together; a weak blip before the first strong change does not come first."""
    changes = sorted(investigation.findings, key=lambda f: (f.onset, f.signal.value))
    if not changes:
        return _without_changes(investigation)
    movers = first_movers(changes)
    first = movers[0]
    text = _first(movers, investigation, dated=dated)
    day = investigation.opened_at
    earlier = [f for f in changes if f.onset < first.onset]
    later = [f for f in changes if f.onset >= first.onset and all(f is not m for m in movers)]
    if later:
        text += " Then " + ", ".join(_change(f, day, dated=dated) for f in later) + "."
    if earlier:
        text += " Before it, weaker: " + ", ".join(_change(f, day, dated=dated) for f in earlier)
        text += "."
    if unjudged := _unjudged(investigation):
        text += f" Could not judge {unjudged}."
    if investigation.logs:
        top = investigation.logs[0]
        text += f" Most frequent in the logs: {top.text} ({top.window} in the window)."
    return text


def _first(movers: list[Finding], investigation: Investigation, *, dated: bool) -> str:
    """`Saturation moved first, at 08:52 UTC, 2 min after deploy v42.`, or `Error rate and p99
    latency moved together, at 08:30 UTC.`"""
    first = movers[0]
    seconds = to_the_second(first)
    at = (
        f"{clock(first.onset, days=True, seconds=seconds)} UTC"
        if dated
        else moment(first.onset, today=investigation.opened_at, seconds=seconds)
    )
    if len(movers) > 1:
        said = said_together(movers)
        text = f"{said[:1].upper()}{said[1:]} moved together, at {at}"
    else:
        text = f"{first.signal.label.capitalize()} moved first, at {at}"
        if first.end is not None:
            text += f" for {lasted(first)}"
    if first.near:
        minutes = round((first.onset - first.near.time).total_seconds() / 60)
        text += f", {minutes} min after {first.near.summary}"
    return text + "."
