"""What the model is shown of an investigation: its facts, redacted, within a token budget,
with a few past incidents as examples.

Tokens are estimated as ceil(characters / 4) (the usual rule of thumb for English with a
BPE tokenizer; no tokenizer is loaded). Over the budget, the lowest-ranked events, log lines and
examples are dropped first, in turn; the findings never are: if they alone exceed the budget, the
model is not asked (ModelError)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from shared.audit.redaction import redact
from shared.investigations.models import Investigation
from shared.prompts.language import ModelError
from shared.records import Frozen
from shared.telemetry.models import Finding
from shared.telemetry.wording import fmt, times

SYSTEM = (
    "You are an SRE investigator writing the summary of an investigation for the responders. "
    "Use only the facts given inside <investigation>: never a signal, time, number, version or "
    "event that is not there. Write 2 to 4 plain sentences. Name the first cause first: the "
    "change that came first and what it followed, then what moved after it. Times are UTC. "
    "If the facts do not show a cause, say so. The <examples> are past incidents of the same "
    "team, for the style and the kind of causes only: their facts are not this investigation's."
)
"""The system text every model narrative is asked under."""

MOST_EXAMPLES = 5
"""The most past incidents a prompt shows (Anthropic's multishot guidance: 3 to 5)."""


class Example(Frozen):
    """A past incident given to the model as a few-shot example."""

    what_moved: str
    cause: str
    summary: str


class Prompt(Frozen):
    """What the model is shown: the system text and the investigation's facts."""

    system: str
    text: str

    @property
    def tokens(self) -> int:
        """The estimated tokens of both."""
        return estimate_tokens(self.system) + estimate_tokens(self.text)


def estimate_tokens(text: str) -> int:
    """ceil(characters / 4): an estimate, not a tokenizer's count."""
    return math.ceil(len(text) / 4)


def _at(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _size(finding: Finding) -> str:
    ratio = finding.ratio
    if finding.baseline < 0 or finding.current < 0:
        return f"from {fmt(finding.baseline)} to {fmt(finding.current)}"
    if ratio == float("inf"):
        return f"up from zero to {fmt(finding.current)}"
    said = f"{times(ratio)}×" if ratio >= 1 else f"down to {ratio:.0%}"
    return f"{said} its baseline ({fmt(finding.baseline)} to {fmt(finding.current)})"


def finding_line(finding: Finding) -> str:
    """One finding as the model reads it: signal, onset, size, end, and what it followed."""
    line = f"- {finding.signal.label} changed at {_at(finding.onset)}: {_size(finding)}"
    if finding.repeats:
        line += f"; {finding.repeats} times, a point or two each, at its baseline between them"
    if finding.end is not None:
        line += f"; back within its baseline at {_at(finding.end)}"
        line += f"; typically {fmt(finding.level)}" if finding.level is not None else ""
    if finding.began_before:
        line += "; it began before the window"
    for other in finding.others:
        went = "rose" if other.rose else "fell"
        until = f" until {_at(other.end)}" if other.end else ", still at the window's end"
        line += f"; it also {went} at {_at(other.start)}{until} (to {fmt(other.extreme)})"
    if finding.near is not None:
        line += f"; after {finding.near.kind} at {_at(finding.near.time)}: {finding.near.summary}"
    return redact(line)


def _facts(investigation: Investigation) -> list[str]:
    """The part never dropped: the service, the window, the findings in order of onset."""
    changes = sorted(investigation.findings, key=lambda f: (f.onset, f.signal.value))
    lines = [
        redact(f"Service: {investigation.service}"),
        f"Window: {_at(investigation.start)} to {_at(investigation.end)}",
        "Findings (in order of onset):",
        *([finding_line(f) for f in changes] or ["- none: no signal moved beyond its baseline"]),
    ]
    lines += [
        redact(f"- {v.signal.label} could not be judged: {v.judgement.value}")
        for v in investigation.verdicts
        if not v.judgement.judged
    ]
    return lines


def _events(investigation: Investigation) -> list[str]:
    return [redact(f"- {_at(e.time)} {e.kind}: {e.summary}") for e in investigation.events]


def _logs(investigation: Investigation) -> list[str]:
    return [
        redact(f"- {log.source}: {log.text} ({log.window} in the window, {log.baseline} before)")
        for log in investigation.logs
    ]


def _example(example: Example) -> str:
    """A past incident in its markup: each text redacted before it is put in (a secret's mask
    never reaches into a tag)."""
    what_moved, cause, summary = (
        redact(t) for t in (example.what_moved, example.cause, example.summary)
    )
    return (
        f"<example>\n<what_moved>{what_moved}</what_moved>\n"
        f"<cause>{cause}</cause>\n<summary>{summary}</summary>\n</example>"
    )


def _render(
    facts: list[str], events: list[str], logs: list[str], examples: list[str], asked: str
) -> str:
    parts = ["<investigation>", *facts]
    if events:
        parts += ["Events around the window (most relevant first):", *events]
    if logs:
        parts += ["Log lines that stand out (most frequent first):", *logs]
    parts.append("</investigation>")
    if examples:
        parts += ["<examples>", *examples, "</examples>"]
    return "\n".join([*parts, asked])


def build(
    investigation: Investigation,
    *,
    instructions: str,
    examples: Sequence[Example],
    budget_tokens: int,
) -> Prompt:
    """The prompt for `investigation`, redacted, at most `budget_tokens` (estimated) with the
    system text; ModelError when its findings alone do not fit."""
    facts = _facts(investigation)
    kept = [
        _events(investigation),
        _logs(investigation),
        [_example(e) for e in examples[:MOST_EXAMPLES]],
    ]
    asked = redact(instructions) or "Write the summary."
    turn = 0
    while True:
        prompt = Prompt(system=SYSTEM, text=_render(facts, kept[0], kept[1], kept[2], asked))
        if prompt.tokens <= budget_tokens:
            return prompt
        if not any(kept):
            raise ModelError(
                f"the findings alone are about {prompt.tokens} tokens, over the budget of "
                f"{budget_tokens}"
            )
        while not kept[turn % 3]:
            turn += 1
        kept[turn % 3].pop()
        turn += 1
