"""Problems the scheduler finds with a team's alert policies are told to that team's channel,
once each: not every tick, again only when they change or clear."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bots.slack.render import blocks
from shared.adapters.memory import FixedClock, InMemoryNotifier
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.identity.models import Platform
from shared.replies import Tone
from tests.support import (
    NOW,
    ORG,
    MovingClock,
    channel_messages,
    run,
    run_scheduler,
    run_scheduler_at,
    setup_teams,
)
from tests.support.deployments import REGISTER, alerting_services


def _problem_notices(services: Services) -> list[tuple[str | None, str]]:
    """The alert problem notices posted so far: (channel, what Slack shows)."""
    return [
        (where.channel, str(blocks(reply)))
        for where, reply in channel_messages(services)
        if "be judged" in reply.title
    ]


def _lose_the_service(services: Services) -> None:
    """checkout-api leaves payments' catalog behind the policies' back (as before removal was
    checked, or by a store restored from backup)."""
    team = services.directory.get_team(ORG, "payments")
    assert team is not None
    services.directory.save_team(team.model_copy(update={"services": {}}))


def test_a_policy_whose_service_is_gone_is_told_to_its_team_once_and_when_it_clears() -> None:
    # GIVEN a policy on checkout-api, evaluated without trouble
    clock = MovingClock(NOW)
    services = alerting_services(clock)
    create = 'alert create slow --service checkout-api --when "p99_latency > 800ms"'
    assert run(services, create, user="oli", channel="C-pay").tone is Tone.OK
    run_scheduler(services, clock, 1)
    assert _problem_notices(services) == []
    # WHEN its service disappears and the scheduler runs three times
    _lose_the_service(services)
    for _ in range(3):
        tick = run_scheduler(services, clock, 1)
    # THEN payments' channel is told once, saying why
    (told,) = _problem_notices(services)
    assert told[0] == "C-pay"
    assert (
        "Alert slow cannot be judged: service checkout-api is not registered in team payments"
        in told[1]
    )
    assert "slow: service checkout-api" in dict(tick.fields)["Problems"]  # the run still lists it
    # AND `alert show`, which the notice points to, says why
    shown = run(services, "alert show slow", user="oli", channel="C-pay")
    assert "Cannot be judged: service checkout-api is not registered in team payments" in (
        shown.text
    )
    # AND when the service is back, it is told once that the policy is judged again
    assert not run(services, REGISTER, user="oli").failed
    for _ in range(2):
        run_scheduler(services, clock, 1)
    notices = _problem_notices(services)
    assert len(notices) == 2
    assert notices[1][0] == "C-pay"
    assert "Alert slow can be judged again" in notices[1][1]


def test_a_metrics_file_that_cannot_be_read_is_told_once(tmp_path: Path) -> None:
    # GIVEN a policy on a service read from a metrics file, judged without trouble
    folder = tmp_path / "metrics"
    folder.mkdir()
    rows = ["timestamp,p99_latency"]
    rows += [f"{(NOW - timedelta(minutes=i)).isoformat()},300" for i in range(60, 0, -1)]
    (folder / "web.csv").write_text("\n".join(rows) + "\n")
    clock = FixedClock(NOW)
    settings = Settings(org_admins=("slack:T1:root",), metrics_dir=folder)
    services = for_memory(settings, clock=clock, notifier=InMemoryNotifier())
    setup_teams(services)
    register = "service register web --metrics-file web.csv"
    assert run(services, register, user="oli", channel="C-pay", platform=Platform.LOCAL).tone is (
        Tone.OK
    )
    create = 'alert create slow --service web --when "p99_latency > 800ms"'
    assert run(services, create, user="oli", channel="C-pay").tone is Tone.OK
    run_scheduler_at(services, NOW)
    assert _problem_notices(services) == []
    # WHEN the file goes away and the scheduler runs on, minute after minute
    (folder / "web.csv").unlink()
    for minute in range(1, 4):
        run_scheduler_at(services, NOW + timedelta(minutes=minute))
    # THEN payments' channel is told once why the policy cannot be judged
    (told,) = _problem_notices(services)
    assert told[0] == "C-pay"
    assert "Alert slow cannot be judged: metrics unavailable: metrics file web.csv" in told[1]
