"""Registering services and investigating them through the command bus."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from shared.adapters.memory import FixedClock, InMemoryTaskQueue
from shared.audit.models import StreamKey
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.identity.models import Platform
from shared.replies import Tone
from tests.support import NOW, ORG, finding_lines, investigate, records, run, setup_teams


def test_a_responder_investigates_the_sample_service(services: Services) -> None:
    setup_teams(services)
    assert (
        run(
            services, "service register checkout-api --sample checkout", user="oli", channel="C-pay"
        ).tone
        is Tone.OK
    )
    reply = investigate(services, "investigate checkout-api")
    assert reply.title.startswith("checkout-api: ")
    assert "after deploy v42 of checkout-api" in reply.title
    assert dict(reply.fields)["First to move"].startswith("saturation at ")
    assert reply.text.splitlines()[0] == (
        "Saturation moved first, at 08:52 UTC, 2 min after deploy v42 of checkout-api. "
        "Then p50 latency at 08:53 (1.5×), p99 latency at 08:53 (4.1×), "
        "error rate at 08:54 (17.8×)."
    )
    assert len(finding_lines(reply)) == 4


def test_an_unknown_service_names_the_ones_there_are_at_once(services: Services) -> None:
    setup_teams(services)
    run(services, "service register checkout-api --sample checkout", user="oli", channel="C-pay")
    audited = len(records(services.audit_log, StreamKey(org=ORG, team="payments")))
    # WHEN a typo'd service is investigated
    reply = run(services, "investigate checkout", user="rey", channel="C-pay")
    # THEN it is answered at once, not after "Working on…", and nothing is queued or audited
    assert reply.tone is Tone.ERROR
    assert "has no service `checkout` (its services: checkout-api)" in reply.text
    assert isinstance(services.tasks, InMemoryTaskQueue)
    assert services.tasks.drain() == []
    assert len(records(services.audit_log, StreamKey(org=ORG, team="payments"))) == audited


def test_a_canary_on_a_service_the_team_lacks_is_refused_before_it_is_queued(
    services: Services,
) -> None:
    setup_teams(services)
    reply = run(services, "canary start checkout --version 42", user="oli", channel="C-pay")
    assert reply.tone is Tone.ERROR
    assert "Team payments has no service `checkout`" in reply.text
    assert isinstance(services.tasks, InMemoryTaskQueue)
    assert services.tasks.drain() == []


def test_a_metrics_file_is_a_post_mortem_source(
    services: Services, clock: FixedClock, tmp_path: Path
) -> None:
    rows = ["timestamp,p99_latency,error_rate,event"]
    start = NOW - timedelta(hours=6)
    for i in range(360):
        at = start + timedelta(minutes=i)
        broken = i >= 320
        event = "deploy v7" if i == 318 else ""
        rows.append(
            f"{at.isoformat()},{900 if broken else 300 + i % 9},{4.0 if broken else 0.1},{event}"
        )
    path = tmp_path / "incident.csv"
    path.write_text("\n".join(rows) + "\n")
    settings = services.settings.model_copy(update={"metrics_dir": tmp_path})
    services = for_memory(settings, clock=clock)
    setup_teams(services)
    registered = run(
        services,
        f"service register legacy --metrics-file {path}",
        user="oli",
        channel="C-pay",
        platform=Platform.LOCAL,
    )
    assert registered.tone is Tone.OK, registered
    reply = investigate(services, "investigate legacy --window 2h")
    assert "2 min after deploy v7" in reply.title
    assert {line.split(" ", 2)[1] for line in finding_lines(reply)} == {"p99", "error"}


def test_a_quiet_service_says_nothing_changed(services: Services, clock: FixedClock) -> None:
    setup_teams(services)
    run(services, "service register checkout-api --sample checkout", user="oli", channel="C-pay")
    # the sample's incident is 40 minutes before "now": a window that ends well before it is quiet
    reply = investigate(services, "investigate checkout-api --window 1h --since 2026-11-22T05:00")
    assert reply.title.startswith("checkout-api: no significant change")


def test_an_investigation_is_recorded_and_worked_together(services: Services) -> None:
    # GIVEN a report of the sample service
    setup_teams(services)
    run(services, "service register checkout-api --sample checkout", user="oli", channel="C-pay")
    report = investigate(services, "investigate checkout-api")
    investigation_id = dict(report.fields)["Investigation"].split()[0]
    assert report.receipt  # opening is audited
    buttons = {b.label: b for b in report.buttons}
    assert list(buttons) == [
        "Join",
        "Comment",
        "Escalate",
        "Resolve",
        "Show timeline",
        "Helpful",
        "Wrong",
    ]
    # WHEN a colleague joins from the button, comments and resolves from the prompting buttons
    assert run(services, buttons["Join"].command, user="ann").tone is Tone.OK
    commented = run(services, buttons["Comment"].with_answer("rolled back v42"), user="ann")
    assert commented.tone is Tone.OK
    resolved = run(services, buttons["Resolve"].with_answer("pool size"), user="rey")
    assert resolved.tone is Tone.OK
    # THEN the timeline tells it in order, and the team's list shows it resolved
    shown = run(services, f"investigation show {investigation_id}", user="vic", channel="C-pay")
    kinds = [line.split()[2] for line in shown.text.splitlines()]
    assert kinds == ["opened:", "joined", "comment:", "resolved:"]
    assert dict(shown.fields)["Participants"] == "@rey, @ann"
    listed = run(services, "investigation list", user="vic", channel="C-pay")
    assert dict(listed.fields)[investigation_id].startswith("resolved")


def test_another_team_cannot_see_or_touch_an_investigation(services: Services) -> None:
    setup_teams(services)
    run(services, "service register checkout-api --sample checkout", user="oli", channel="C-pay")
    report = investigate(services, "investigate checkout-api")
    investigation_id = dict(report.fields)["Investigation"].split()[0]
    for text in (
        f"investigation show {investigation_id} --team search",
        f"investigation comment {investigation_id} hi --team search",
    ):
        reply = run(services, text, user="sam")  # admin of search, not of payments
        assert reply.title == "Not found"
        assert "has no investigation" in reply.text
    assert run(services, "investigation list --team search", user="sam").title == (
        "Team search has no investigations yet"
    )
