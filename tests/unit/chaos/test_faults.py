"""Faults as people write them: parsed, written back the same, and a wrong one explained."""

from __future__ import annotations

import pytest

from shared.chaos.models import Fault, FaultKind


@pytest.mark.parametrize("text", ["delay:1500ms", "error", "http-status:503", "http-status:404"])
def test_a_fault_is_written_back_as_typed(text: str) -> None:
    assert Fault.parse(text).written == text


def test_a_delay_and_a_status_keep_their_numbers() -> None:
    assert Fault.parse(" delay:250ms ") == Fault(kind=FaultKind.DELAY, delay_ms=250)
    assert Fault.parse("http-status:503").status == 503


@pytest.mark.parametrize("text", ["delay:1.5s", "latency", "http-status:5xx", ""])
def test_an_unknown_fault_says_which_are_allowed(text: str) -> None:
    with pytest.raises(ValueError, match="use delay:1500ms, error or http-status:503"):
        Fault.parse(text)
