"""`python -m benchmarks.cloud_like` scores the product's detector on streams it generates the
same way in every process, with NAB's scorer and NAB-sized windows centred on the events."""

from __future__ import annotations

import hashlib
import json

from benchmarks import cloud_like

STREAMS = "6f3566358c7b9ec6"
"""The first 16 hex digits of the SHA-256 of every stream (values and event rows): a generator
that changes, or that depends on the process (a seed from `hash()`), changes it."""


def test_the_streams_are_the_same_in_every_process() -> None:
    made = cloud_like.streams()
    digest = hashlib.sha256(json.dumps(sorted(made.items())).encode()).hexdigest()
    assert digest[:16] == STREAMS
    assert len(made) == 60
    assert sum(len(starts) for _, starts in made.values()) == 64


def test_each_event_has_a_window_as_nab_sizes_it_centred_on_it() -> None:
    for name, (values, starts) in cloud_like.streams().items():
        assert len(values) == cloud_like.ROWS
        assert bool(starts) == ("_none_" not in name)
        # NAB: 10% of the file's rows shared among its events, each window centred on its event
        half = cloud_like.ROWS // 10 // max(len(starts), 1) // 2
        expected = [
            [cloud_like._stamp(s - half) + ".000000", cloud_like._stamp(s + half) + ".000000"]
            for s in starts
        ]
        assert cloud_like._windows(starts) == expected


def test_the_detector_is_scored_by_nab_s_scorer_on_them() -> None:
    figures = cloud_like.measure()
    assert figures["files"] == 60
    found, windows = map(int, figures["windows"].split("/"))
    assert windows == 64
    assert found >= 32  # the events are plain: a detector finding fewer than half is broken
    assert 0 < figures["standard"] <= 100
