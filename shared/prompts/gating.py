"""The offline gate, run: a variant and the control each narrate every case `k` times, each run is
judged, and `shared.prompts.gate` compares the two.

The cases: the canary's 40 replay scenarios and the bundled sample, each turned into the
investigation an investigation of that telemetry would hold (the same `findings`, verdicts and
listed events), and the team-recorded ones (its resolved investigations with a cause said at
resolve, as they stood when opened).

A run passes when its narrative
- names the known first cause first. The rule (a parser, with `grounding`'s vocabulary): a case's
  cause is a signal (`saturation`) or a version or event id (`v42`); the first mention of that
  kind in the text (signal words, or ids) must be the cause. A word naming several signals
  (`latency`) is not `p99 latency`. An id named before the first signal does not count against a
  signal cause: a timeline says `12:20 deploy v42 · 12:22 saturation moved` and names the deploy
  as when, not as what moved first. A case where nothing moved (a quiet replay scenario) passes
  when the text names no signal and no id at all (`Nothing in checkout-api's golden signals
  moved`): a narrative that names a signal there is read as claiming a change;
- and is grounded (`grounding.check`). A narrate that raises fails its run.

Cost: `k` is at most MOST_RUNS and the cases at most MOST_CASES (the first of those given: replay
and sample first, then the team's newest), so a model variant's gate calls its model at most
k × cases times."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

from shared.canary.replay import END, Scenario, scenarios
from shared.errors import InvalidCommandError
from shared.investigations.causes import first_cause
from shared.investigations.grounding import check, named
from shared.investigations.models import Investigation, InvestigationStatus, Narrative
from shared.prompts.gate import GateResult, GateRuns, gate, seed
from shared.prompts.models import Variant, VariantKind
from shared.quotas.refusal import QuotaExceededError
from shared.records import Frozen
from shared.telemetry.analysis import STEP, findings, headline
from shared.telemetry.events import listed
from shared.telemetry.models import Event, ResourceKind, Service, Signal
from shared.telemetry.ports import MetricsSource, Points
from shared.telemetry.queries import queries_for, signal_series

MOST_RUNS = 5
"""The most runs of each case (k): a model's calls are the runs times the cases."""
MOST_CASES = 60
"""The most cases one gate runs (the first given)."""
WINDOW = timedelta(hours=2)
BASELINE = timedelta(hours=4)
"""An investigation's default window and the baseline read before it."""
SAMPLE = "sample-checkout"
REPLAY_SERVICE = "replay"

Narrate = Callable[[Variant, Investigation], Narrative]


class Case(Frozen):
    """An investigation whose first cause is known: a signal label or a version or event id
    (`""`: nothing moved, so the narrative must name no cause)."""

    name: str
    investigation: Investigation
    cause: str


def run_gate(
    variant: Variant,
    control: Variant,
    narrate: Narrate,
    *,
    cases: Sequence[Case],
    k: int = 3,
) -> GateResult:
    """The variant's gate against the control on `cases` (the first MOST_CASES), `k` runs each,
    in one go (as `advance` with no time limit)."""
    runs = planned(["control", "variant"], cases, k=k)
    arms = {"control": control, "variant": variant}
    done = advance(runs, arms, narrate, cases, more=lambda: True)
    return judged(done, variant, arm="variant")


def planned(arms: Sequence[str], cases: Sequence[Case], *, k: int) -> GateRuns:
    """A gate of `arms` (the control first) on the first MOST_CASES of `cases`, `k` runs each,
    none made yet; InvalidCommandError for a `k` out of 1 to MOST_RUNS."""
    if not 1 <= k <= MOST_RUNS:
        raise InvalidCommandError(f"The gate runs each case 1 to {MOST_RUNS} times (not {k}).")
    return GateRuns(k=k, cases=[c.name for c in list(cases)[:MOST_CASES]], arms=list(arms))


def advance(
    runs: GateRuns,
    arms: Mapping[str, Variant],
    narrate: Narrate,
    cases: Sequence[Case],
    *,
    more: Callable[[], bool],
) -> GateRuns:
    """`runs` with further runs made, one at a time while `more()` says there is time, until
    finished; a case it planned that is no longer among `cases` fails its runs."""
    by_name = {case.name: case for case in cases}
    following = runs.next_run()
    while following is not None and more():
        arm, name = following
        case = by_name.get(name)
        why = _failure(arms[arm], narrate, case) if case else "the case is no longer there"
        runs = runs.with_run(arm, name, why)
        following = runs.next_run()
    return runs


def judged(runs: GateRuns, variant: Variant, *, arm: str | None = None) -> GateResult:
    """The finished gate's result for `variant` (its arm `arm`, by default its name) against
    the control (the first arm)."""
    name = arm or variant.name
    result = gate(runs.done.get(name, []), runs.done.get(runs.arms[0], []), k=runs.k)
    reason = _told(result.reason, runs.misses.get(name, []), variant, runs.k, len(runs.cases))
    return result.model_copy(update={"reason": reason})


def control_seed(runs: GateRuns) -> tuple[float, float]:
    """The control's online prior from its runs of the same cases (as a variant's is seeded)."""
    return seed(runs.done.get(runs.arms[0], []))


def _failure(variant: Variant, narrate: Narrate, case: Case) -> str:
    """Why one run fails, in words ("" when it passes)."""
    try:
        text = narrate(variant, case.investigation).text
    except QuotaExceededError:  # the quota's, not the variant's: nothing is judged
        raise
    except Exception as error:  # noqa: BLE001 (a variant's failure is its own, never the gate's)
        return f"the narrative failed ({type(error).__name__}: {error})"
    grounding = check(text, case.investigation)
    if not grounding.ok:
        return "ungrounded: " + ", ".join(grounding.unsupported)
    return first_cause_missed(text, case.cause)


def first_cause_missed(text: str, cause: str) -> str:
    """Why `text` does not name `cause` first by the module's rule ("" when it does)."""
    mentions = named(text)
    if not cause:
        said = ", ".join(m.name for m in mentions)
        return f"named {said} where nothing moved" if said else ""
    signal = cause in {s.label for s in Signal}
    first = next((m.name for m in mentions if m.signal is signal), None)
    if first == cause:
        return ""
    return f"named {first} first, not {cause}" if first else f"did not name {cause}"


def _told(reason: str, misses: Sequence[str], variant: Variant, k: int, cases: int) -> str:
    """The gate's reason, the variant's first misses, and what the gate cost."""
    if misses:
        reason += "; " + "; ".join(misses[:3])
        reason += f" (and {len(misses) - 3} more)" if len(misses) > 3 else ""
    calls = (
        f"at most {k * cases} calls to its model"
        if variant.content.kind is VariantKind.MODEL
        else "no model calls"
    )
    return f"{reason}. {k} runs of {cases} cases: {calls}"


def replay_cases(org: str, team: str, *, sample: MetricsSource | None = None) -> list[Case]:
    """The canary's replay scenarios, then (given its metrics source) the bundled sample, as
    cases of `team`: investigations built as `sre investigate` builds them."""
    cases = [_scenario_case(org, team, scenario) for scenario in scenarios()]
    return cases + ([_sample_case(org, team, sample)] if sample is not None else [])


def _scenario_case(org: str, team: str, scenario: Scenario) -> Case:
    investigation = _investigation(
        org, team, f"replay-{scenario.name}", REPLAY_SERVICE, scenario.series, []
    )
    cause = scenario.cause.label if scenario.cause else ""
    return Case(name=scenario.name, investigation=investigation, cause=cause)


def _sample_case(org: str, team: str, source: MetricsSource) -> Case:
    """The bundled sample read over the default window ending at the replay's END (its deploy 40
    minutes before); its cause the first signal to move."""
    service = Service(
        name="checkout-api",
        kind=ResourceKind.SAMPLE,
        resource="checkout",
        queries=queries_for(ResourceKind.SAMPLE, "checkout"),
        registered_by="gate",
        registered_at=END,
    )
    start = END - WINDOW - BASELINE
    series = signal_series(source, service, start=start, end=END, step=STEP)
    events = source.events(service, start=start, end=END)
    investigation = _investigation(org, team, SAMPLE, service.name, series, events)
    return Case(name=SAMPLE, investigation=investigation, cause=first_cause(investigation))


def _investigation(
    org: str, team: str, name: str, service: str, series: dict[Signal, Points], events: list[Event]
) -> Investigation:
    """What an investigation of `series` over the window ending at its last point holds."""
    end = max(points[-1][0] for points in series.values())
    start = end - WINDOW
    judged = findings(series, start=start, end=end, step=STEP, events=events, today=end)
    title = headline(judged.ranked[0], end) if judged.ranked else f"{service}: nothing moved"
    return Investigation(
        id=name,
        org=org,
        team=team,
        service=service,
        opened_by="gate",
        opened_at=end,
        start=start,
        end=end,
        headline=title,
        findings=judged.ranked,
        verdicts=judged.verdicts,
        series={s: [(t, v) for t, v in pts if t >= start] for s, pts in series.items()},
        events=listed(events, judged.ranked),
    )


def team_cases(investigations: Sequence[Investigation]) -> list[Case]:
    """The team-recorded cases, newest first: resolved investigations whose cause (said at
    resolve) is a signal or names a version or event id, as they stood when opened. A cause in
    the responders' own words (`an expired certificate`) cannot be judged by a parser: left out."""
    cases = []
    resolved = [i for i in investigations if i.status is InvestigationStatus.RESOLVED and i.cause]
    for investigation in sorted(resolved, key=lambda i: i.opened_at, reverse=True):
        cause = recorded_cause(investigation.cause)
        if cause:
            asked = investigation.model_copy(update=_UNSAID)
            cases.append(Case(name=investigation.id, investigation=asked, cause=cause))
    return cases


_UNSAID = {
    "status": InvestigationStatus.OPEN,
    "summary": "",
    "cause": "",
    "cause_by": "",
    "narrative": "",
    "narrated_by": "",
}
"""What an investigation did not hold when it was opened (the answer among it)."""


def recorded_cause(said: str) -> str:
    """The cause the responders said, as the gate judges it: `p99 latency`, `v42` (from `deploy
    v42 of checkout-api`), or "" when it names neither one signal nor an id."""
    mentions = named(said)
    labels = {s.label for s in Signal}
    if not mentions or (mentions[0].signal and mentions[0].name not in labels):
        return ""
    return mentions[0].name
