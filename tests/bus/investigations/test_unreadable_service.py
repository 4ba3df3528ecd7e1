"""A service of a cloud this deployment does not read (registered before it stopped reading it)
is answered with the reason, never an internal error."""

from __future__ import annotations

from shared.adapters.memory import InMemoryTaskQueue
from shared.bootstrap.wiring import Services
from shared.telemetry.models import ResourceKind
from tests.support import ORG, run, service_of, setup_teams


def test_investigating_a_service_the_deployment_cannot_read_says_why(services: Services) -> None:
    # GIVEN team payments holds a Cloud Run service, which this deployment has no reader for
    setup_teams(services)
    team = services.directory.get_team(ORG, "payments")
    assert team is not None
    cloud_run = service_of(ResourceKind.GCP_CLOUD_RUN, "shop/europe-west1/checkout", "web")
    services.directory.save_team(team.model_copy(update={"services": {"web": cloud_run}}))
    # WHEN a responder investigates it
    reply = run(services, "investigate web", user="rey", channel="C-pay")
    tasks = services.tasks
    assert isinstance(tasks, InMemoryTaskQueue)
    assert tasks.drain() == []  # answered at once: nothing queued
    # THEN the answer says the deployment cannot read that cloud, not "internal error"
    assert reply.failed
    assert "cannot read gcp-cloud-run metrics" in reply.title + reply.text
