"""The investigation page says what each signal's state is, and never "no change" for a signal
that was not judged."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from shared.investigations.models import Investigation
from shared.investigations.narrative import NarrativeSummariser
from shared.investigations.page import render
from shared.prompts.models import control
from shared.telemetry.analysis import headline
from shared.telemetry.judgement import judge
from shared.telemetry.models import (
    Event,
    Finding,
    Judgement,
    LogEvidence,
    NoteKind,
    Signal,
    Verdict,
)

END = datetime(2026, 11, 29, 23, 18, tzinfo=UTC)
START = END - timedelta(minutes=40)
MODEL_LABEL = "cause-first-llm v1 · 3f9c2a1b7d0e"
"""A model variant's signature (its name only begins like the control's)."""
DEPLOY = Event(time=START + timedelta(minutes=10), kind="deploy", summary="deploy v42 of web")


def _text(page: str, element_id: str | None = None) -> str:
    """What a reader sees of the page (or of one element), tags dropped, whitespace collapsed."""
    if element_id:
        found = re.search(
            rf'id="{element_id}"[^>]*>(.*?)</(?:ol|ul|p|h1|figure|section)>', page, re.S
        )
        assert found, f"no #{element_id} on the page"
        page = found.group(1)
    page = re.sub(r"<(style|title)>.*?</\1>", "", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _investigation(**update: object) -> Investigation:
    base = Investigation(
        id="inv-00000001",
        org="slack:T1",
        team="payments",
        service="web",
        opened_by="rey",
        opened_at=END,
        start=START,
        end=END,
        headline="web: p99 latency 4.1× baseline",
    )
    return base.model_copy(update=update)


def _finding(signal: Signal, text: str, **update: object) -> Finding:
    return Finding(
        signal=signal,
        onset=START + timedelta(minutes=13),
        baseline=380,
        current=1560,
        confidence=1,
        evidence=text,
        near=DEPLOY,
    ).model_copy(update=update)


def _verdict(signal: Signal, judgement: Judgement, **update: object) -> Verdict:
    return Verdict(signal=signal, judgement=judgement).model_copy(update=update)


def test_a_page_where_nothing_could_be_judged_says_so_first() -> None:
    # Given no signal of web had data, and traffic too little baseline
    investigation = _investigation(
        headline="web: cannot judge",
        verdicts=[
            _verdict(Signal.ERROR_RATE, Judgement.NO_DATA),
            _verdict(Signal.P99_LATENCY, Judgement.NO_DATA),
            _verdict(
                Signal.TRAFFIC, Judgement.SHORT_BASELINE, baseline_points=12, needed_points=60
            ),
        ],
    )

    # When the page is rendered
    page = render(investigation, {})

    # Then the first thing it says is that nothing could be judged, and why
    assert _text(page).startswith(
        "Cannot judge web: no data for error rate, p99 latency; not enough baseline "
        "(12 of 60 points) for traffic in Sun 29 Nov 22:38\N{EN DASH}23:18 UTC."
    )
    assert "no significant change" not in _text(page).lower()
    assert "Not judged" in _text(page, "findings")


def test_each_signal_shows_its_state() -> None:
    # Given one signal of each state
    investigation = _investigation(
        findings=[_finding(Signal.P99_LATENCY, "p99 latency 380 → 1,560 ms from 22:51 UTC")],
        verdicts=[
            _verdict(Signal.P99_LATENCY, Judgement.CHANGED),
            _verdict(
                Signal.P50_LATENCY,
                Judgement.STEADY,
                baseline_start=START - timedelta(hours=4),
                baseline_end=START,
                baseline_points=240,
            ),
            _verdict(Signal.ERROR_RATE, Judgement.NO_DATA),
            _verdict(
                Signal.TRAFFIC,
                Judgement.SHORT_BASELINE,
                baseline_points=12,
                window_points=3,
                needed_points=60,
            ),
            _verdict(
                Signal.SATURATION,
                Judgement.PARTIAL,
                window_points=14,
                expected_points=40,
                note="the source had no points after 22:52 UTC",
            ),
        ],
    )

    # When the page is rendered
    page = render(investigation, {})

    # Then each signal says where it stands
    def state(signal: Signal) -> str:
        return _text(page, f"signal-{signal.value}")

    assert state(Signal.P99_LATENCY) == (
        "p99 latency changed: 4.1× baseline since Sun 29 Nov 22:51 UTC (380 ms → 1,560 ms)"
    )
    assert state(Signal.P50_LATENCY) == (
        "p50 latency steady: within its baseline of Sun 29 Nov 18:38\N{EN DASH}22:38 UTC "
        "(240 points)"
    )
    assert state(Signal.ERROR_RATE) == "error rate no data in Sun 29 Nov 22:38\N{EN DASH}23:18 UTC"
    assert state(Signal.TRAFFIC) == (
        "traffic not judged, not enough baseline: 12 points before the window and 3 in it; "
        "a baseline needs 60"
    )
    assert state(Signal.SATURATION) == (
        "saturation partial data: 14 of 40 expected points in the window, no change in those "
        "there are. "
        "the source had no points after 22:52 UTC"
    )
    assert "Cannot judge" not in page  # two signals were judged
    # and after the findings, what could not be judged
    assert _text(page, "not-judged") == (
        "Not judged: no data for error rate; not enough baseline (12 of 60 points) for traffic; "
        "partial data (14 of 40 points) for saturation."
    )


def test_no_change_is_claimed_only_for_the_signals_that_were_judged() -> None:
    # Given two steady signals and one without data, and no finding
    investigation = _investigation(
        verdicts=[
            _verdict(Signal.P50_LATENCY, Judgement.STEADY),
            _verdict(Signal.TRAFFIC, Judgement.STEADY),
            _verdict(Signal.ERROR_RATE, Judgement.NO_DATA),
        ],
    )

    # When the page is rendered
    findings = _text(render(investigation, {}), "findings")

    # Then it says which signals did not change, and which were not judged
    assert findings == (
        "No change found in p50 latency, traffic. Not judged: no data for error rate."
    )


def test_all_steady_says_no_significant_change() -> None:
    investigation = _investigation(
        verdicts=[_verdict(s, Judgement.STEADY) for s in Signal],
    )

    findings = _text(render(investigation, {}), "findings")

    assert findings == "No significant change: every signal stayed within its baseline."


def test_an_investigation_stored_before_verdicts_existed_still_renders() -> None:
    # Given an investigation as it was stored before verdicts and events existed
    stored = _investigation().model_dump(mode="json")
    del stored["verdicts"], stored["events"]
    stored["series"] = {"p99_latency": [[START.isoformat(), 380.0], [END.isoformat(), 390.0]]}
    investigation = Investigation.model_validate(stored)

    # When the page is rendered
    page = render(investigation, {Signal.P99_LATENCY: b"\x89PNG"})

    # Then it reads as it did then, with the signal's chart
    assert _text(page, "findings") == "No significant change."
    assert 'data-state="unjudged"' in page
    assert page.count('class="panel"') == 1


def test_a_finding_is_worded_from_its_fields_dated_and_named_once() -> None:
    # Given a finding whose stored words (an older format) start with the signal's name
    investigation = _investigation(
        findings=[
            _finding(
                Signal.ERROR_RATE,
                "error rate 0.2 → 3.5% (17× baseline) from 22:52 UTC",
                baseline=0.2,
                current=3.5,
            )
        ],
    )

    # When the page is rendered
    findings = _text(render(investigation, {}), "findings")

    # Then the name is shown once, then the change worded from its fields, with its date (the
    # page is read any day), then what it followed
    assert findings == (
        "error rate 17.5× baseline since Sun 29 Nov 22:51 UTC (0.2% → 3.5%) after deploy v42 of web"
    )


def test_the_listed_events_and_times_read_in_utc() -> None:
    investigation = _investigation(events=[DEPLOY])

    page = render(investigation, {})

    assert _text(page, "events") == "Sun 29 Nov 22:48 UTC deploy v42 of web"


def test_a_headline_that_says_it_cannot_judge_is_not_repeated() -> None:
    investigation = _investigation(
        headline="Cannot judge web: no data for traffic in 2026-11-29 22:38\N{EN DASH}23:18 UTC",
        verdicts=[_verdict(Signal.TRAFFIC, Judgement.NO_DATA)],
    )

    text = _text(render(investigation, {}))

    assert text.startswith("Cannot judge web: no data for traffic in 2026-11-29")
    assert text.count("Cannot judge") == 1


def test_each_chart_is_captioned_with_its_baseline_deploys_and_change() -> None:
    # Given traffic fell for 15 minutes after a deploy, judged against the hours before the
    # window, with the deploy a finding followed and a later one the report listed first
    later = Event(time=END - timedelta(minutes=5), kind="deploy", summary="deploy v43 of web")
    investigation = _investigation(
        series={Signal.TRAFFIC: [(START, 1200.0), (END, 1190.0)]},
        findings=[
            _finding(
                Signal.TRAFFIC,
                "fell to 0.2× baseline for 15 min",
                end=START + timedelta(minutes=28),
            )
        ],
        events=[
            Event(time=START, kind="alert", summary="p99 alert fired"),
            later,
            Event(time=END, kind="deploy", summary="deploy v44 of web"),
        ],
        verdicts=[
            _verdict(
                Signal.TRAFFIC,
                Judgement.CHANGED,
                baseline_start=START - timedelta(hours=4),
                baseline_end=START,
            )
        ],
    )

    # When the page is rendered with traffic's chart
    page = render(investigation, {Signal.TRAFFIC: b"\x89PNG"})

    # Then the caption says what the chart marks; only the first listed deploy is marked
    caption = re.search(r"<figcaption>(.*?)</figcaption>", page, re.S)
    assert caption
    assert html.unescape(caption.group(1)) == (
        "Baseline Sun 29 Nov 18:38\N{EN DASH}22:38 UTC (before the chart). "
        "Deploy v42 of web at Sun 29 Nov 22:48 UTC. Deploy v43 of web at Sun 29 Nov 23:13 UTC. "
        "Change Sun 29 Nov 22:51\N{EN DASH}23:06 UTC, then recovered."
    )


def test_a_baseline_across_midnight_is_dated_at_both_ends() -> None:
    # Given a window just after midnight, judged against the four hours before it
    start = datetime(2026, 11, 30, 0, 10, tzinfo=UTC)
    investigation = _investigation(
        start=start,
        end=start + timedelta(hours=1),
        series={Signal.TRAFFIC: [(start, 1200.0), (start + timedelta(hours=1), 1190.0)]},
        events=[Event(time=start + timedelta(minutes=5), kind="deploy", summary="deploy v42")],
        verdicts=[
            _verdict(
                Signal.TRAFFIC,
                Judgement.STEADY,
                baseline_start=start - timedelta(hours=4),
                baseline_end=start,
            )
        ],
    )

    # When the page is rendered with traffic's chart
    page = render(investigation, {Signal.TRAFFIC: b"\x89PNG"})

    # Then the baseline has both its dates, and the deploy its own
    caption = re.search(r"<figcaption>(.*?)</figcaption>", page, re.S)
    assert caption
    assert html.unescape(caption.group(1)) == (
        "Baseline Sun 29 Nov 20:10 \N{EN DASH} Mon 30 Nov 00:10 UTC (before the chart). "
        "Deploy v42 at Mon 30 Nov 00:15 UTC."
    )


def test_every_time_on_the_page_carries_its_date() -> None:
    # Given an investigation opened the day of its change, its headline and account written as
    # the report writes them for that day (times without a date)
    finding = _finding(Signal.P99_LATENCY, "", near=None)
    opened = _investigation(
        findings=[finding],
        verdicts=[_verdict(Signal.P99_LATENCY, Judgement.CHANGED)],
        events=[DEPLOY],
        logs=[LogEvidence(source="web", text="503 POST /pay", window=412, baseline=0, first=START)],
        headline=f"web: {headline(finding, END)}",
    )
    opened = opened.model_copy(update={"narrative": NarrativeSummariser().summarise(opened).text})
    assert "Sun 29 Nov" not in opened.headline + opened.narrative

    # When its page is read, some other day
    page = render(opened, {})

    # Then the headline and the account carry the date, as the findings and events do
    assert _text(page, "headline") == "web: p99 latency 4.1× baseline since Sun 29 Nov 22:51 UTC"
    assert _text(page, "narrative") == (
        "P99 latency moved first, at Sun 29 Nov 22:51 UTC. "
        "Most frequent in the logs: 503 POST /pay (412 in the window)."
    )
    assert "Sun 29 Nov 22:51 UTC" in _text(page, "findings")
    assert _text(page, "logs") == "web 503 POST /pay: 412 since Sun 29 Nov 22:38 UTC (none before)"


def test_another_summariser_s_words_and_headline_stay_as_written() -> None:
    # Given an investigation told by a model, with a headline of its own
    finding = _finding(Signal.P99_LATENCY, "", near=None)
    told = _investigation(
        findings=[finding], narrative="Latency rose at 22:51.", narrated_by=MODEL_LABEL
    )

    # When its page is rendered
    page = render(told, {})

    # Then neither is rewritten
    assert _text(page, "headline") == "web: p99 latency 4.1× baseline"
    assert _text(page, "narrative") == "Latency rose at 22:51."


def _borrowed(**update: object) -> Verdict:
    """A steady error rate judged against the earliest points of the day (the 4 h before the
    window had 12), its note worded for the report's day (a time of that day undated)."""
    base_start, base_end = START - timedelta(hours=2), START - timedelta(minutes=30)
    note = (
        "the 4 h before the window had 12 points: judged against the earliest 90 points, "
        f"{base_start:%H:%M}\N{EN DASH}{base_end:%H:%M} UTC"
    )
    return _verdict(
        Signal.ERROR_RATE,
        Judgement.STEADY,
        baseline_start=base_start,
        baseline_end=base_end,
        baseline_points=90,
        note=note,
    ).model_copy(update=update)


def test_a_borrowed_baseline_is_dated_on_the_page() -> None:
    # Given a borrowed baseline's verdict, stored with its note's parts
    verdict = _borrowed(note_kind=NoteKind.BORROWED_BASELINE, points_before=12)
    # When its page is read, some other day
    page = render(_investigation(verdicts=[verdict]), {})
    # Then the borrowed baseline's period carries its date
    assert (
        "the 4 h before the window had 12 points: judged against the earliest 90 points, "
        "Sun 29 Nov 20:38\N{EN DASH}22:08 UTC"
    ) in _text(page)


def test_a_borrowed_baseline_s_note_is_worded_from_its_parts_not_its_stored_words() -> None:
    # Given a borrowed baseline's verdict whose stored words were written by an older release
    verdict = _borrowed(
        note_kind=NoteKind.BORROWED_BASELINE, points_before=0, note="baseline borrowed, 20:38"
    )
    # When its page is read
    page = _text(render(_investigation(verdicts=[verdict]), {}))
    # Then the note is said from its parts, dated
    assert "the 4 h before the window had no data: judged against the earliest 90 points, " in page
    assert "Sun 29 Nov 20:38\N{EN DASH}22:08 UTC" in page
    assert "baseline borrowed" not in page


def test_a_note_stored_before_its_parts_is_said_as_written() -> None:
    # Given an older verdict: its note only, no parts
    verdict = _borrowed()
    # When its page is rendered
    page = _text(render(_investigation(verdicts=[verdict]), {}))
    # Then the note is there as it was written (its period undated, as the report said it)
    assert (
        "steady: within its baseline of Sun 29 Nov 20:38\N{EN DASH}22:08 UTC (90 points). "
        "the 4 h before the window had 12 points: judged against the earliest 90 points, "
        "20:38\N{EN DASH}22:08 UTC"
    ) in page


def test_the_page_says_who_wrote_the_narrative_and_an_older_one_says_nothing() -> None:
    signed = _investigation(narrative="n", narrated_by="timeline v2 · 3f9c2a1b7d0e")
    assert _text(render(signed, {}), "narrated-by") == "Narrative: timeline v2 · 3f9c2a1b7d0e"
    assert 'id="narrated-by"' not in render(_investigation(narrative="n"), {})


def _told_by(by: str, narrative: str) -> Investigation:
    """The investigation of the page's tests with one change, its narrative signed `by`."""
    finding = _finding(Signal.P99_LATENCY, "", near=None)
    return _investigation(findings=[finding], narrative=narrative, narrated_by=by)


def test_a_narrative_of_the_rule_based_account_is_worded_again_with_its_dates() -> None:
    # Given narratives the account wrote for the report's day, one in an older wording, signed by
    # the fallback, by the control variant, and by nobody (stored before narratives were signed)
    older = "P99 latency moved first (22:51)."
    for by in ("rule-based", control("slack:T1").label, ""):
        # When the page is read, some other day
        page = render(_told_by(by, older), {})

        # Then the narrative is worded from the findings, its time dated
        assert _text(page, "narrative") == "P99 latency moved first, at Sun 29 Nov 22:51 UTC.", by


def test_a_model_s_narrative_is_shown_as_written_even_in_the_account_s_words() -> None:
    # Given a model variant whose narrative happens to read exactly like the account's
    told = _told_by(MODEL_LABEL, "")
    words = NarrativeSummariser().summarise(told).text
    assert words == "P99 latency moved first, at 22:51 UTC."

    # When its page is read
    page = render(told.model_copy(update={"narrative": words}), {})

    # Then it is the model's words, not re-dated
    assert _text(page, "narrative") == words


def test_a_fall_and_a_crash_loop_judged_one_day_are_dated_on_the_page() -> None:
    # GIVEN p99 latency at a tenth from 22:51 UTC and traffic at 0 one minute in five from 22:43
    # UTC, judged the day of the report (its words undated: "since 22:51 UTC")
    def points(
        level: float, changed: Callable[[int, float], float]
    ) -> list[tuple[datetime, float]]:
        first = START - timedelta(hours=4)
        count = int((END - first).total_seconds() // 60) + 1
        return [
            (first + timedelta(minutes=i), changed(i, level * (1 + 0.02 * (i % 3))))
            for i in range(count)
        ]

    fast = points(380, lambda i, v: v / 10 if i >= 253 else v)
    looping = points(1000, lambda i, v: 0.0 if i >= 245 and (i - 245) % 5 == 0 else v)
    verdict, none = judge(Signal.P99_LATENCY, fast, start=START, end=END, step=60, unit=" ms")
    steady, loop = judge(Signal.TRAFFIC, looping, start=START, end=END, step=60, unit=" req/min")
    assert none is None and loop is not None and "since 22:51 UTC (" in verdict.fall
    # WHEN the page is rendered
    investigation = _investigation(verdicts=[verdict, steady], findings=[loop])
    page = render(investigation, {})
    # THEN both are told with their dates, as everything on a page read any day
    assert _text(page, "signal-p99_latency").startswith(
        "p99 latency fell to 0.1× baseline since Sun 29 Nov 22:51 UTC (388 ms → 38.76 ms)"
    ), _text(page, "signal-p99_latency")
    assert _text(page, "signal-traffic").startswith(
        "traffic changed: dropped to zero 8 times since Sun 29 Nov 22:43 UTC ("
    ), _text(page, "signal-traffic")
    assert " req/min → lowest 0 req/min)" in _text(page, "signal-traffic")
