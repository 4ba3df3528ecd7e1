"""The offline gate, run for real on the replay cases (the canary's 40 scenarios), and what
retrieval of the team's own past adds to a model that leans on its few-shot examples.

Gate: each rule-based template against the control (`shared.prompts.gating.run_gate`, k = 3).

Retrieval's lift, with a documented toy model (not a language model): where the findings are
ambiguous (two signals whose changes began within AMBIGUOUS of each other), it says the cause of
the first few-shot example it is given moved first; elsewhere it tells the cause-first account.
Its examples are the team's other 39 scenarios, resolved with their known causes: with
retrieval, the most similar (`memory.nearest`, then `memory.diverse`, as a report and a prompt
get them); without, the team's most recent (opening times shuffled, seeded). The figure is the
gate's pass rate on the same cases; it shows the mechanism, not how a real model uses examples."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from datetime import timedelta

from shared.investigations.memory import diverse, incident, nearest
from shared.investigations.models import Investigation, InvestigationStatus, Narrative
from shared.investigations.narrative import account
from shared.prompts.gating import Case, replay_cases, run_gate
from shared.prompts.models import Template, Variant, VariantContent, VariantKind, control
from shared.prompts.prompting import MOST_EXAMPLES
from shared.prompts.templates import TemplateSummariser

ORG, TEAM = "local", "bench"
K = 3
AMBIGUOUS = timedelta(minutes=5)
EXAMPLES = 3
QUIET = "nothing moved"
Examples = Callable[[Investigation], list[str]]


def _variant(name: str, template: Template | None) -> Variant:
    kind = VariantKind.TEMPLATE if template else VariantKind.MODEL
    content = VariantContent(kind=kind, template=template, model="" if template else "toy")
    return control(ORG).model_copy(update={"name": name, "content": content})


def _told(variant: Variant, investigation: Investigation) -> Narrative:
    return TemplateSummariser(variant).summarise(investigation)


def _ambiguous(investigation: Investigation) -> bool:
    onsets = sorted(f.onset for f in investigation.findings)
    return len(onsets) > 1 and onsets[1] - onsets[0] <= AMBIGUOUS


def _toy(causes: Examples) -> Callable[[Variant, Investigation], Narrative]:
    """The toy model: the first example's cause where the findings are ambiguous (the control,
    a template, tells its account)."""

    def narrate(variant: Variant, investigation: Investigation) -> Narrative:
        if variant.content.kind is VariantKind.TEMPLATE:
            return _told(variant, investigation)
        examples = causes(investigation)
        if not _ambiguous(investigation) or not examples:
            return Narrative(text=account(investigation), by=variant.label)
        copied = examples[0]
        text = "Nothing moved." if copied == QUIET else f"{copied.capitalize()} moved first."
        return Narrative(text=text, by=variant.label)

    return narrate


def _past(cases: Sequence[Case]) -> list[Investigation]:
    """Every case resolved with its known cause, opened in a seeded shuffled order."""
    hours = list(range(len(cases)))
    random.Random("gate-retrieval").shuffle(hours)  # noqa: S311 (a simulation)
    return [
        case.investigation.model_copy(
            update={
                "status": InvestigationStatus.RESOLVED,
                "cause": case.cause or QUIET,
                "opened_at": case.investigation.opened_at + timedelta(hours=hour),
            }
        )
        for case, hour in zip(cases, hours, strict=True)
    ]


def _similar(past: list[Investigation]) -> Examples:
    kept: dict[str, list[str]] = {}

    def causes(investigation: Investigation) -> list[str]:
        if investigation.id not in kept:
            found = [incident(i) for i in nearest(investigation, past, limit=MOST_EXAMPLES)]
            kept[investigation.id] = [p.cause for p in diverse(found, EXAMPLES)]
        return kept[investigation.id]

    return causes


def _recent(past: list[Investigation]) -> Examples:
    def causes(investigation: Investigation) -> list[str]:
        others = [i for i in past if i.id != investigation.id]
        newest = sorted(others, key=lambda i: i.opened_at, reverse=True)[:EXAMPLES]
        return [i.cause for i in newest]

    return causes


def main() -> None:
    """Print the gate's figures for both templates, and the toy model's with and without
    retrieval."""
    began = time.process_time()
    cases = replay_cases(ORG, TEAM)
    base = control(ORG)
    print(f"the offline gate on the {len(cases)} replay cases, {K} runs each, against cause-first")
    runs = (
        ("cause-first (template)", _variant("cause-first", Template.CAUSE_FIRST), _told),
        ("timeline-first (template)", _variant("timeline", Template.TIMELINE_FIRST), _told),
        ("toy model, recent examples", _variant("toy", None), _toy(_recent(_past(cases)))),
        ("toy model, retrieved examples", _variant("toy", None), _toy(_similar(_past(cases)))),
    )
    for name, variant, narrate in runs:
        result = run_gate(variant, base, narrate, cases=cases, k=K)
        print(
            f"  {name:<30} pass^{K} {result.pass_all_k}/{result.scenarios}, pass rate "
            f"{result.pass_rate:.0%}, {'passed' if result.passed else 'failed'}"
        )
    ambiguous = sum(_ambiguous(c.investigation) for c in cases)
    print(
        f"  ({ambiguous} of {len(cases)} cases ambiguous; {time.process_time() - began:.1f} s CPU)"
    )


if __name__ == "__main__":
    main()
