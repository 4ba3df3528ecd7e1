"""Retrieval of the team's own past on the canary's replay scenarios (40, with known causes).

Each scenario becomes an investigation (its findings as the replay set's investigator reports
them), told apart only by what moved. Half of each cause class is resolved with its known cause
(the past); for each of the other half, the most similar past incident is retrieved: a hit when
it has the same cause. The baseline, in the same run, picks the most recent past incident. Then
leave-one-out over all 40: each scenario against the 39 others resolved.

The opening times are shuffled (seeded), so "most recent" knows nothing of the causes."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta

from shared.canary.replay import END, WINDOW, Scenario, investigate, scenarios
from shared.investigations.memory import nearest
from shared.investigations.models import Investigation, InvestigationStatus

ORG = "local"
TEAM = "bench"


def _cause(scenario: Scenario) -> str:
    return scenario.cause.label if scenario.cause else "nothing moved"


def _investigations(cases: Sequence[Scenario]) -> list[Investigation]:
    """One investigation per scenario, resolved with its known cause, opened in shuffled order."""
    hours = list(range(len(cases)))
    random.Random("retrieval").shuffle(hours)  # noqa: S311 (a simulation)
    return [
        Investigation(
            id=f"inv-{i:06x}",
            org=ORG,
            team=TEAM,
            service="checkout-api",
            opened_by="bench",
            opened_at=END + timedelta(hours=hour),
            start=END - WINDOW,
            end=END,
            headline="checkout-api changed",
            findings=investigate(case),
            status=InvestigationStatus.RESOLVED,
            summary=f"{_cause(case)} moved first",
            cause=_cause(case),
        )
        for i, (case, hour) in enumerate(zip(cases, hours, strict=True))
    ]


def _asked(investigation: Investigation) -> Investigation:
    """The investigation as it stands when it is opened: no summary, no cause yet."""
    update = {"status": InvestigationStatus.OPEN, "summary": "", "cause": ""}
    return investigation.model_copy(update=update)


def _hits(queries: Sequence[Investigation], past: Sequence[Investigation]) -> tuple[int, int]:
    """How many queries the most similar, and the most recent, past incident gets right."""
    similar = recent = 0
    latest = max(past, key=lambda p: p.opened_at)
    for query in queries:
        found = nearest(_asked(query), past, limit=1)
        similar += bool(found) and found[0].cause == query.cause
        recent += latest.cause == query.cause
    return similar, recent


def main() -> None:
    """Print the hit rates: half past, half asked; then leave-one-out."""
    cases = scenarios()
    made = _investigations(cases)
    by_cause: dict[str, list[Investigation]] = {}
    for investigation in made:
        by_cause.setdefault(investigation.cause, []).append(investigation)
    past = [i for group in by_cause.values() for i in group[::2]]
    asked = [i for group in by_cause.values() for i in group[1::2]]
    similar, recent = _hits(asked, past)
    print(f"retrieval on the replay set ({len(cases)} scenarios, {len(by_cause)} causes)")
    print(f"  half past ({len(past)}), half asked ({len(asked)}):")
    print(
        f"    most similar has the same cause: {similar}/{len(asked)} = {similar / len(asked):.0%}"
    )
    print(f"    most recent (baseline):          {recent}/{len(asked)} = {recent / len(asked):.0%}")
    loo_similar = loo_recent = 0
    for i, query in enumerate(made):
        s, r = _hits([query], [*made[:i], *made[i + 1 :]])
        loo_similar, loo_recent = loo_similar + s, loo_recent + r
    n = len(made)
    print("  leave-one-out:")
    print(f"    most similar has the same cause: {loo_similar}/{n} = {loo_similar / n:.0%}")
    print(f"    most recent (baseline):          {loo_recent}/{n} = {loo_recent / n:.0%}")


if __name__ == "__main__":
    main()
