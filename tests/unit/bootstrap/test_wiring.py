"""Wiring has no silent defaults: a deployment that forgets an adapter fails at start-up."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from pathlib import Path

import pytest

from shared.adapters.memory import FixedClock
from shared.bootstrap.adapters import AdapterChoices, Adapters
from shared.bootstrap.wiring import build
from shared.config import Settings
from shared.identity.models import Platform
from tests.support import NOW, memory_adapters, run, setup_teams

NAMES = [field.name for field in dataclasses.fields(Adapters)]


@pytest.mark.parametrize("forgotten", NAMES)
def test_a_deployment_that_forgets_an_adapter_does_not_start(forgotten: str) -> None:
    # GIVEN every adapter a deployment names, but one
    named = {
        name: value
        for name, value in vars(memory_adapters(FixedClock(NOW))).items()
        if name != forgotten
    }
    # WHEN the wiring is assembled THEN it refuses, naming what is missing
    with pytest.raises(TypeError, match=forgotten):
        Adapters(**named)


def test_the_adapters_a_test_may_choose_are_exactly_the_deployments_adapters() -> None:
    # GIVEN the typed keywords through which a test or the terminal replaces adapters
    chosen = {name: ref.__forward_arg__ for name, ref in AdapterChoices.__annotations__.items()}
    # THEN they name every adapter, each with the adapter's own type (mypy checks each call)
    assert chosen == {field.name: field.type for field in dataclasses.fields(Adapters)}


def test_metrics_files_are_admitted_only_where_the_deployment_names_them(tmp_path: Path) -> None:
    # GIVEN a deployment that reads CSV metrics but names no metrics files to admit (as AWS)
    (tmp_path / "incident.csv").write_text("timestamp,p99_latency\n")
    adapters = memory_adapters(FixedClock(NOW), metrics_dir=tmp_path)
    services = build(Settings(org_admins=("slack:T1:root",)), replace(adapters, files=None))
    setup_teams(services)
    # WHEN the terminal registers a service on a metrics file
    text = "service register legacy --metrics-file incident.csv"
    reply = run(services, text, user="oli", channel="C-pay", platform=Platform.LOCAL)
    # THEN it is refused, saying so, rather than guessed from the metrics sources
    assert reply.failed
    assert reply.title == "This deployment reads no metrics files."
