"""The seam where a summariser plugs in, through the bus: it tells the report, and a failing one
falls back to the narrative."""

from __future__ import annotations

from shared.adapters.memory import FixedClock, InMemoryTaskQueue
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.investigations.models import Investigation, Narrative
from shared.investigations.ports import Summariser
from shared.replies import Reply
from tests.support import NOW, memory_adapters, run, setup_teams


class _Broken:
    def summarise(self, investigation: Investigation) -> Narrative:
        raise TimeoutError("the model did not answer")


class _Terse:
    def summarise(self, investigation: Investigation) -> Narrative:
        return Narrative(text=f"{len(investigation.findings)} signals moved.", by="terse v3")


def _report(summariser: Summariser | None) -> Reply:
    clock = FixedClock(NOW)
    services: Services = build(
        Settings(org_admins=("slack:T1:root",)), memory_adapters(clock, summariser=summariser)
    )
    setup_teams(services)
    run(services, "service register api --sample checkout", user="oli", channel="C-pay")
    run(services, "investigate api", user="rey", channel="C-pay")
    tasks = services.tasks
    assert isinstance(tasks, InMemoryTaskQueue)
    (task,) = tasks.drain()
    return services.bus.resume(task)


def test_a_summariser_given_to_the_composition_root_tells_the_report() -> None:
    report = _report(_Terse())
    assert report.text.splitlines()[0] == "4 signals moved."
    assert ("Narrative", "terse v3") in report.fields


def test_a_failing_summariser_falls_back_to_the_narrative() -> None:
    report = _report(_Broken())
    assert not report.failed
    assert report.text.startswith("Saturation moved first, at 08:52 UTC")
    assert ("Narrative", "rule-based") in report.fields


def test_with_no_summariser_the_control_variant_tells_the_report_and_signs_it() -> None:
    report = _report(None)
    assert report.text.startswith("Saturation moved first, at 08:52 UTC")
    (by,) = [value for key, value in report.fields if key == "Narrative"]
    assert by.startswith("cause-first v1 · ")
    assert len(by.removeprefix("cause-first v1 · ")) == 12
