"""A firing alert whose notice reached no channel (the bot not in it, Slack down) is posted again
at each tick until it is: a page told nowhere is a page lost."""

from __future__ import annotations

from shared.adapters.memory import InMemoryAlertStore, InMemoryNotifier
from shared.bootstrap.wiring import build
from shared.config import Settings
from shared.invocation import ReplyTarget
from shared.replies import Reply, Tone
from tests.support import NOW, MovingClock, memory_adapters, run, run_scheduler, setup_teams
from tests.support.deployments import REGISTER


class NotInChannel(InMemoryNotifier):
    """Slack refusing every post (`not_in_channel`) until the bot is invited."""

    def __init__(self) -> None:
        super().__init__()
        self.invited = False

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        if not self.invited:
            raise RuntimeError("not_in_channel")
        return super().post(target, reply, user=user)


def test_a_firing_alert_told_nowhere_is_posted_at_the_next_tick_and_then_left_alone() -> None:
    # GIVEN payments' channel, where the bot cannot post yet, and an alert on checkout-api
    clock = MovingClock(NOW)
    notifier = NotInChannel()
    adapters = memory_adapters(clock, alerts=InMemoryAlertStore(), notifier=notifier)
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    assert not run(services, REGISTER, user="oli").failed
    policy = 'alert create slow --service checkout-api --when "p99_latency > 800ms for 5m"'
    assert run(services, policy, user="oli", channel="C-pay").tone is Tone.OK
    # WHEN it fires while every post is refused
    run_scheduler(services, clock)
    fired = run_scheduler(services, clock, minutes=5)
    # THEN the tick says the notice was not posted, and nothing was
    assert dict(fired.fields)["Fired"] == "slow"
    assert dict(fired.fields)["Problems"] == "checkout-api: could not post (not_in_channel)"
    assert notifier.posted == []
    # WHEN the bot is invited and the next tick runs, the alert still firing
    notifier.invited = True
    run_scheduler(services, clock, minutes=1)
    # THEN its notice is posted then, once, in the team's channel
    ((target, notice),) = notifier.posted
    assert target.channel == "C-pay"
    assert notice.title == "FIRING checkout-api: slow"
    # AND later ticks leave it alone, as for any notice told
    run_scheduler(services, clock, minutes=1)
    assert len(notifier.posted) == 1
