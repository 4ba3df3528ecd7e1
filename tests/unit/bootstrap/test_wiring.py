"""Wiring has no silent defaults: a deployment that forgets an adapter fails at start-up."""

from __future__ import annotations

import dataclasses

import pytest

from shared.adapters.memory import FixedClock
from shared.bootstrap.wiring import Adapters
from tests.support import NOW, memory_adapters

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
