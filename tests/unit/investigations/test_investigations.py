"""Registering services and investigating them through the command bus."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from shared.adapters.memory import FixedClock, InMemoryTaskQueue
from shared.bootstrap import Services
from shared.replies import Reply, Tone
from tests.support import NOW, run, setup_teams


def _investigate(services: Services, text: str, *, user: str = "rey") -> Reply:
    accepted = run(services, text, user=user, channel="C-pay")
    assert accepted.tone is Tone.ACCEPTED, accepted
    tasks = services.tasks
    assert isinstance(tasks, InMemoryTaskQueue)
    (task,) = tasks.drain()
    return services.bus.resume(task)


def test_a_responder_investigates_the_sample_service(services: Services) -> None:
    setup_teams(services)
    assert (
        run(
            services, "service register checkout-api --sample checkout", user="oli", channel="C-pay"
        ).tone
        is Tone.OK
    )
    reply = _investigate(services, "investigate checkout-api")
    assert reply.title.startswith("checkout-api: ")
    assert "after deploy v42 of checkout-api" in reply.title
    assert dict(reply.fields)["First to move"].startswith("saturation at ")
    assert reply.text.count("\n") == 3  # four ranked findings


def test_an_unknown_service_names_the_ones_there_are(services: Services) -> None:
    setup_teams(services)
    run(services, "service register checkout-api --sample checkout", user="oli", channel="C-pay")
    reply = _investigate(services, "investigate checkout")
    assert reply.tone is Tone.ERROR
    assert "has no service `checkout` (its services: checkout-api)" in reply.text


def test_a_metrics_file_is_a_post_mortem_source(
    services: Services, clock: FixedClock, tmp_path: Path
) -> None:
    setup_teams(services)
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
    run(services, f"service register legacy --metrics-file {path}", user="oli", channel="C-pay")
    reply = _investigate(services, "investigate legacy --window 2h")
    assert "2 min after deploy v7" in reply.title
    assert {line.split(" ", 2)[1] for line in reply.text.splitlines()} == {"p99", "error"}


def test_a_quiet_service_says_nothing_changed(services: Services, clock: FixedClock) -> None:
    setup_teams(services)
    run(services, "service register checkout-api --sample checkout", user="oli", channel="C-pay")
    # the sample's incident is 40 minutes before "now": a window that ends well before it is quiet
    reply = _investigate(services, "investigate checkout-api --window 1h --since 2026-11-22T05:00")
    assert reply.title.startswith("checkout-api: no significant change")
