"""The rule-based template variants, which need no model: `cause-first` (today's account) and
`timeline-first` (the same facts in time order, ending with the first cause). Both say only what
the investigation holds, so they are grounded by construction."""

from __future__ import annotations

from shared.investigations.models import Investigation, Narrative
from shared.investigations.narrative import account
from shared.prompts.models import Template, Variant
from shared.telemetry.analysis import first_to_move
from shared.telemetry.wording import size
from shared.times import clock

MOST_LINES = 8
"""Timeline lines a `timeline-first` narrative shows before its first cause."""


def timeline(investigation: Investigation) -> str:
    """Events and changes in time order, as a short timeline, then the first cause: `09:00
    deploy v7 · 09:03 traffic moved (0.2× baseline) · 09:05 error rate moved (30× baseline).
    First cause: traffic, 3 min after deploy v7.` (the rule-based account when nothing moved)."""
    changes = sorted(investigation.findings, key=lambda f: (f.onset, f.signal.value))
    if not changes:
        return account(investigation)
    days = any(f.onset.date() != investigation.opened_at.date() for f in changes)
    lines = [(e.time, e.summary) for e in investigation.events if e.time <= changes[-1].onset]
    lines += [(f.onset, f"{f.signal.label} moved ({size(f)})") for f in changes]
    lines = sorted(lines, key=lambda line: line[0])[-MOST_LINES:]
    told = " · ".join(f"{clock(at, days=days)} {what}" for at, what in lines)
    first = first_to_move(changes) or changes[0]  # a weak blip before it is not the cause
    cause = f"First cause: {first.signal.label}"
    if first.near:
        minutes = round((first.onset - first.near.time).total_seconds() / 60)
        cause += f", {minutes} min after {first.near.summary}"
    return f"{told}. {cause}."


def tell(template: Template, investigation: Investigation) -> str:
    """The investigation told by a rule-based template."""
    if template is Template.TIMELINE_FIRST:
        return timeline(investigation)
    return account(investigation)


class TemplateSummariser:
    """The `Summariser` of a template variant: its narrative, signed with the variant's label."""

    def __init__(self, variant: Variant) -> None:
        if variant.content.template is None:
            raise ValueError(f"{variant.name} is not a rule-based template")
        self._variant = variant
        self._template = variant.content.template

    def summarise(self, investigation: Investigation) -> Narrative:
        """The template's account, by `cause-first v1 · 3f9c2a1b7d0e`."""
        return Narrative(text=tell(self._template, investigation), by=self._variant.label)
