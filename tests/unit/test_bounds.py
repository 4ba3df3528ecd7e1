"""Orgs' parts of a tick, a few at a time: one that never finishes frees its place once its time
is up, the orgs after it still run, and its own work is not cut off."""

from __future__ import annotations

import threading

from shared.bounds import LateError, OrgSteps, each_within


def test_an_org_that_never_finishes_holds_back_no_org_after_it() -> None:
    # GIVEN one place, taken first by an org whose part waits until released
    released, finished = threading.Event(), threading.Event()

    def stuck() -> str:
        released.wait(30)
        finished.set()
        return "stuck done"

    parts = {"slack:T1": stuck, "slack:T2": lambda: "told", "slack:T3": lambda: "told"}
    try:
        # WHEN the parts run, each waited on 0.2 s from its start
        outcome = each_within(parts, seconds=0.2, at_once=1)
    finally:
        released.set()
    # THEN the orgs after it ran, and it is said to be late
    assert outcome["slack:T2"] == outcome["slack:T3"] == "told"
    assert isinstance(outcome["slack:T1"], LateError)
    # AND its own part was not cut off: it finishes once it can
    assert finished.wait(30)


def test_a_late_orgs_steps_are_carried_and_its_part_told_it_is_late() -> None:
    # GIVEN two orgs' steps, one whose read waits until released
    released, checked = threading.Event(), threading.Event()
    wrote: list[str] = []

    def slow(late: threading.Event) -> list[str]:
        released.wait(30)
        if not late.is_set():  # past its bound: nothing written
            wrote.append("slow")
        checked.set()
        return ["slow stepped"]

    steps = OrgSteps(0.2)
    try:
        # WHEN they run, each waited on 0.2 s
        said = steps.run({"slack:T1": lambda _: ["fast stepped"], "slack:T2": slow})
    finally:
        released.set()
    # THEN the fast org's step is said, the slow one's carried
    assert said == ["fast stepped", "not stepped this tick: slack:T2 (over 0.2 s), carried"]
    # AND once its read answers, the late part knows it is late and writes nothing
    assert checked.wait(30)
    assert wrote == []
