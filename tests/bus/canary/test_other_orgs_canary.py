"""A canary refused because another org's canary runs on the same resource never names it."""

from __future__ import annotations

from datetime import timedelta

from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.identity.models import Actor, OrgId, Platform, UserId
from shared.invocation import Invocation, ReplyTarget
from shared.replies import Reply, Tone
from tests.support import NOW, MovingClock, memory_adapters, run, run_worker
from tests.support.deployments import registered_services

OTHER = OrgId("teams:tenant-a")


def _as_other(services: Services, text: str, n: int) -> Reply:
    """`text` from the other org's admin (a Teams tenant) in its own channel."""
    return services.bus.handle(
        Invocation(
            actor=Actor(platform=Platform.TEAMS, org=OTHER, user=UserId("root")),
            channel="C-other",
            text=text,
            correlation_id=f"other-{n}",
            delivery_id=f"other-{n}",
            received_at=NOW + timedelta(seconds=n),
            reply_to=ReplyTarget(platform=Platform.TEAMS, channel="C-other"),
        )
    )


def test_a_resource_taken_by_another_orgs_canary_is_refused_without_its_id_or_version() -> None:
    # GIVEN org T1's canary running on the sample's checkout resource
    admins = ("slack:T1:root", f"{OTHER}:root")
    services = registered_services(Settings(org_admins=admins), memory_adapters(MovingClock(NOW)))
    run(services, "canary start checkout-api --version 43", user="oli", channel="C-pay")
    run_worker(services)
    # AND another org that registered the same physical resource
    for n, text in enumerate(
        [
            "team create web",
            "team member add root --role operator --team web",
            "service register checkout-api --sample checkout --team web",
        ]
    ):
        assert _as_other(services, text, n).tone is not Tone.ERROR
    # WHEN the other org starts a canary there
    refused = _as_other(services, "canary start checkout-api --version 7 --team web", 10)
    if refused.tone is Tone.ACCEPTED:  # deferred: the worker answers
        (refused,) = run_worker(services)
    # THEN it is refused without naming T1's canary, its id or its version
    said = f"{refused.title} {refused.text}"
    assert "Another organisation's canary is running" in said, said
    assert "can-" not in said and "43" not in said
