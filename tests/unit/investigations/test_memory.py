"""The team's own past: retrieval never crosses an org or a team, ranks what moved alike first,
and few-shot examples differ in their causes first."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.investigations.memory import MAX_READ, PastIncident, diverse, nearest
from shared.investigations.models import Investigation, InvestigationStatus
from shared.telemetry.models import Event, Finding, Signal
from tests.support import NOW

ORGS = ("slack:T1", "teams:tenant-2")
TEAMS = ("payments", "search")


def _investigation(
    id_: str,
    *,
    org: str = ORGS[0],
    team: str = TEAMS[0],
    moved: tuple[Signal, ...] = (Signal.P99_LATENCY,),
    cause: str = "deploy v42",
    resolved: bool = True,
    after: str = "",
) -> Investigation:
    onset = NOW - timedelta(minutes=30)
    findings = [
        Finding(
            signal=s,
            onset=onset + timedelta(minutes=2 * i),
            baseline=100.0,
            current=400.0,
            confidence=0.9,
            evidence="",
        )
        for i, s in enumerate(moved)
    ]
    events = [Event(time=onset - timedelta(minutes=5), kind=after, summary=after)] if after else []
    return Investigation(
        id=id_,
        org=org,
        team=team,
        service="checkout-api",
        opened_by="U1",
        opened_at=NOW,
        start=NOW - timedelta(hours=2),
        end=NOW,
        headline="checkout-api changed",
        findings=findings,
        events=events,
        status=InvestigationStatus.RESOLVED if resolved else InvestigationStatus.OPEN,
        summary="pool exhausted" if resolved else "",
        cause=cause if resolved else "",
    )


_past = st.builds(
    lambda n, org, team, moved, resolved: _investigation(
        f"inv-{n:06x}", org=org, team=team, moved=tuple(moved), resolved=resolved
    ),
    st.integers(min_value=0, max_value=2**24 - 1),
    st.sampled_from(ORGS),
    st.sampled_from(TEAMS),
    st.lists(st.sampled_from(list(Signal)), max_size=3, unique=True),
    st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(
    population=st.lists(_past, max_size=30, unique_by=lambda i: i.id),
    org=st.sampled_from(ORGS),
    team=st.sampled_from(TEAMS),
)
def test_retrieval_never_returns_another_orgs_or_teams_investigation_nor_itself(
    population: list[Investigation], org: str, team: str
) -> None:
    # GIVEN a mixed population of 2 orgs x 2 teams, and an investigation of one of them in it
    mine = _investigation("inv-ffffffff", org=org, team=team, resolved=True)
    # WHEN the most similar past incidents are retrieved from all of them
    found = nearest(mine, [*population, mine], limit=10)
    # THEN every one is of the same org and team, resolved with a cause, and not itself
    assert all(i.org == org and i.team == team for i in found)
    assert all(i.status is InvestigationStatus.RESOLVED and i.cause for i in found)
    assert mine.id not in {i.id for i in found}
    # AND each of the team's own resolved ones that moved exactly alike is found
    alike = [
        i
        for i in population
        if (i.org, i.team) == (org, team)
        and i.status is InvestigationStatus.RESOLVED
        and [f.signal for f in i.findings] == [Signal.P99_LATENCY]
    ]
    if len(alike) <= 10:
        assert {i.id for i in alike} <= {i.id for i in found}


def test_what_moved_first_and_what_came_before_rank_the_past() -> None:
    # GIVEN the team's past: one where saturation moved after a deploy, one where errors did
    now = _investigation(
        "inv-000001", moved=(Signal.SATURATION, Signal.P99_LATENCY), after="deploy"
    )
    deploy = _investigation(
        "inv-000002", moved=(Signal.SATURATION, Signal.P99_LATENCY), after="deploy", cause="v42"
    )
    errors = _investigation("inv-000003", moved=(Signal.ERROR_RATE,), cause="bad config")
    traffic = _investigation(
        "inv-000004", moved=(Signal.P99_LATENCY, Signal.SATURATION), cause="traffic spike"
    )
    # WHEN the most similar are retrieved
    found = nearest(now, [errors, traffic, deploy])
    # THEN the same first mover after the same kind of event comes first; the unlike one not at all
    assert [i.id for i in found] == ["inv-000002", "inv-000004"]


def test_only_the_newest_max_read_are_compared() -> None:
    # GIVEN the team's past, newest first: MAX_READ unlike ones, then one exactly alike
    now = _investigation("inv-000001", moved=(Signal.SATURATION,))
    unlike = [
        _investigation(f"inv-1{n:05x}", moved=(Signal.TRAFFIC,), cause="x") for n in range(MAX_READ)
    ]
    alike = _investigation("inv-200000", moved=(Signal.SATURATION,))
    # WHEN the most similar are retrieved THEN the one beyond the bound is not read
    assert nearest(now, [*unlike, alike]) == []
    assert nearest(now, [*unlike[1:], alike]) == [alike]


def test_few_shot_examples_take_different_causes_first() -> None:
    def past(id_: str, cause: str) -> PastIncident:
        return PastIncident(
            id=id_, service="s", opened_at=NOW, what_moved="", cause=cause, summary=""
        )

    ranked = [past("a", "deploy"), past("b", "Deploy"), past("c", "dns"), past("d", "pool")]
    assert [i.id for i in diverse(ranked, 3)] == ["a", "c", "d"]
    assert [i.id for i in diverse(ranked, 5)] == ["a", "c", "d", "b"]
