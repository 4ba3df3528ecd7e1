"""`sre usage` through the bus: a month's usage per team, counted where the quotas count (as
many provider calls as the provider saw, investigations, canaries started), its cost at the
org's prices, who may see which team's, and the CSV for chargeback."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from shared.adapters.local.sample_metrics import SampleMetricsSource
from shared.adapters.memory import InMemoryCanaryStore, InMemoryExportStore
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.replies import Reply, Tone
from shared.telemetry.models import ResourceKind
from tests.support import (
    NOW,
    MovingClock,
    investigate,
    memory_adapters,
    run,
    run_scheduler,
    setup_teams,
)
from tests.support.deployments import REGISTER, canary_services, start_canary

SEARCH = "service register search-api --sample checkout --team search"


def _services(
    clock: MovingClock, sample: SampleMetricsSource, exports: InMemoryExportStore | None = None
) -> Services:
    adapters = memory_adapters(
        clock, metrics={ResourceKind.SAMPLE: sample}, exports=exports or InMemoryExportStore()
    )
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    assert not run(services, "team bind C-search --team search").failed
    assert not run(services, REGISTER, user="oli").failed
    assert not run(services, SEARCH, user="sam", channel="C-search").failed
    return services


def _counts(reply: Reply, team: str) -> dict[str, str]:
    """`kind -> "count ($cost)"` of one team's field in a usage reply."""
    fields = dict(reply.fields)
    parts = (part.split(" ", 1) for part in fields[team].split("; "))
    return {kind: rest for kind, rest in parts}  # noqa: C416 (each part is a pair)


def test_a_teams_usage_counts_its_investigations_and_exactly_the_provider_calls_made() -> None:
    clock = MovingClock(NOW)
    sample = SampleMetricsSource(clock=clock)
    services = _services(clock, sample)
    before = sample.calls
    # GIVEN an org price for the sample's reads: $1 a call
    assert not run(services, "usage price set sample-reads 1000").failed
    # WHEN payments investigates twice, and search once
    assert not investigate(services, "investigate checkout-api --window 3h").failed
    payments_calls = sample.calls - before
    assert not investigate(services, "investigate checkout-api --window 1h").failed
    payments_calls = sample.calls - before
    assert not investigate(services, "investigate search-api --team search", user="sam").failed
    search_calls = sample.calls - before - payments_calls
    # THEN a payments viewer sees its month: two investigations and every call the provider saw
    shown = run(services, "usage", user="vic", channel="C-pay")
    assert shown.title == "Usage of team payments in 2026-11", shown
    counts = _counts(shown, "payments")
    assert counts["investigations"] == "2 ($0.00)"
    assert counts["sample-reads"] == f"{payments_calls} (${payments_calls}.00)"
    assert counts["total"] == f"${payments_calls}.00"
    assert "search" not in dict(shown.fields)
    # AND search's calls are its own
    theirs = _counts(run(services, "usage", user="sam", channel="C-search"), "search")
    assert search_calls > 0
    assert theirs["sample-reads"] == f"{search_calls} (${search_calls}.00)"


def test_an_alert_ticks_calls_are_in_the_usage_of_the_teams_it_served_adding_up_exactly() -> None:
    clock = MovingClock(NOW)
    sample = SampleMetricsSource(clock=clock)
    services = _services(clock, sample)
    create = 'alert create {name} --service {service} --when "p99_latency > 800ms"'
    for name, service, user, channel in [
        ("slow", "checkout-api", "oli", "C-pay"),
        ("slow", "search-api", "sam", "C-search"),
    ]:
        said = run(services, create.format(name=name, service=service), user=user, channel=channel)
        assert not said.failed, said
    before = sample.calls
    # WHEN the scheduler evaluates the alerts for three minutes
    for minute in range(3):
        run_scheduler(services, clock, minutes=min(minute, 1))
    made = sample.calls - before
    # THEN the month's sample reads of the two teams add up to the calls the provider saw
    every = run(services, "usage --all", user="aud")
    reads = [
        int(_counts(every, team).get("sample-reads", "0 ").split()[0])
        for team in ("payments", "search")
    ]
    assert made >= 3
    assert sum(reads) == made, (reads, made)


def test_every_teams_usage_is_for_org_admins_and_auditors_only() -> None:
    clock = MovingClock(NOW)
    services = _services(clock, SampleMetricsSource(clock=clock))
    assert not investigate(services, "investigate checkout-api").failed
    assert not investigate(services, "investigate search-api --team search", user="sam").failed
    # WHEN a payments member asks for every team's, or for search's
    mine = run(services, "usage --all", user="vic", channel="C-pay")
    theirs = run(services, "usage --team search", user="vic", channel="C-pay")
    # THEN both are denied
    assert mine.tone is Tone.DENIED, mine
    assert theirs.tone is Tone.DENIED, theirs
    # AND the auditor sees both teams'
    every = run(services, "usage --all", user="aud")
    assert set(dict(every.fields)) == {"payments", "search"}, every


def test_a_past_month_is_kept_and_shown_apart_from_this_one() -> None:
    clock = MovingClock(NOW)
    services = _services(clock, SampleMetricsSource(clock=clock))
    assert not investigate(services, "investigate checkout-api").failed
    # WHEN the next month begins and payments investigates again
    clock.at = NOW + timedelta(days=31)
    assert not investigate(services, "investigate checkout-api --window 1h").failed
    # THEN each month holds its own count
    now = _counts(run(services, "usage --month 2026-12", user="vic", channel="C-pay"), "payments")
    past = _counts(run(services, "usage --month 2026-11", user="vic", channel="C-pay"), "payments")
    assert (now["investigations"], past["investigations"]) == ("1 ($0.00)", "1 ($0.00)")
    # AND a month as no one writes it is refused in words
    wrong = run(services, "usage --month 11-2026", user="vic", channel="C-pay")
    assert wrong.tone is Tone.USAGE, wrong


def test_a_canary_started_is_counted_once_even_after_it_ends() -> None:
    services = canary_services(MovingClock(NOW), InMemoryCanaryStore())
    start_canary(services, "43")
    counts = _counts(run(services, "usage", user="vic", channel="C-pay"), "payments")
    assert counts["canaries-started"] == "1 ($0.00)"


def test_the_csv_is_written_through_the_export_store_for_chargeback() -> None:
    clock = MovingClock(NOW)
    exports = InMemoryExportStore()
    services = _services(clock, SampleMetricsSource(clock=clock), exports)
    assert not run(services, "usage price set investigations 0.25").failed
    assert not investigate(services, "investigate checkout-api").failed
    assert not investigate(services, "investigate search-api --team search", user="sam").failed
    # WHEN an org admin exports every team's month as CSV
    said = run(services, "usage --all --csv")
    # THEN the reply says where, and the file has a row per team and kind with its cost
    where = dict(said.fields)["Where"]
    assert where == "memory://usage-slack-T1-org-2026-11.csv", said
    rows = list(csv.DictReader(io.StringIO(exports.files[where.split("//")[1]].decode())))
    investigations = [r for r in rows if r["kind"] == "investigations"]
    assert [(r["team"], r["count"], r["estimated_usd"]) for r in investigations] == [
        ("payments", "1", "0.25"),
        ("search", "1", "0.25"),
    ]


def test_a_price_is_set_by_an_org_admin_only_and_a_wrong_kind_or_value_is_explained() -> None:
    clock = MovingClock(NOW)
    services = _services(clock, SampleMetricsSource(clock=clock))
    denied = run(services, "usage price set model-tokens 3", user="ann", channel="C-pay")
    assert denied.tone is Tone.DENIED, denied
    typo = run(services, "usage price set model-token 3")
    assert typo.tone is Tone.USAGE
    assert typo.title == "There is no usage kind `model-token`. Did you mean `model-tokens`?"
    negative = run(services, "usage price set model-tokens -3")
    assert negative.tone is Tone.USAGE, negative
    done = run(services, "usage price set model-tokens 3")
    assert done.title == "`model-tokens` now costs $3 per million tokens.", done


def test_a_price_set_again_changes_nothing_and_a_total_is_rounded_once() -> None:
    clock = MovingClock(NOW)
    services = _services(clock, SampleMetricsSource(clock=clock))
    assert not run(services, "usage price set investigations 0.004").failed
    # WHEN the same price is set again, written another way THEN nothing changes or is audited
    for again in ("0.004", "$0.0040", "00.004"):
        said = run(services, f"usage price set investigations {again}")
        assert said.title == (
            "Nothing to change: the org set `investigations` at $0.004 per investigation already."
        ), said
    # AND a total is the sum of the exact costs, rounded once: one investigation and its one
    # sample read at $0.004 each are $0.01 (before: two lines rounded to $0.00 made $0.00)
    assert not run(services, "usage price set sample-reads 4").failed  # per 1,000 calls
    assert not investigate(services, "investigate checkout-api").failed
    shown = run(services, "usage", user="vic", channel="C-pay")
    assert dict(shown.fields)["payments"] == (
        "investigations 1 ($0.00); sample-reads 1 ($0.00); total $0.01"
    ), shown


def test_every_team_and_one_team_at_once_or_a_month_to_come_is_refused() -> None:
    clock = MovingClock(NOW)
    services = _services(clock, SampleMetricsSource(clock=clock))
    both = run(services, "usage --all --team payments")
    assert both.tone is Tone.USAGE  # before: every team's usage, --team unsaid
    assert "give --all or --team TEAM, not both" in both.title, both
    later = run(services, "usage --month 2027-01", user="vic", channel="C-pay")
    assert later.tone is Tone.USAGE  # before: "Nothing was counted that month."
    assert "--month 2027-01 has not begun" in later.title, later
