"""`python -m benchmarks.cloud_like` scores the product's detector on streams it generates the
same way every run, with NAB's scorer and labels where the events are."""

from __future__ import annotations

from benchmarks import cloud_like


def test_the_streams_are_the_same_every_run_and_labelled_where_their_events_are() -> None:
    first, again = cloud_like.streams(), cloud_like.streams()
    assert first == again
    assert len(first) == 60
    assert sum(len(starts) for _, starts in first.values()) == 64
    for name, (values, starts) in first.items():
        assert len(values) == cloud_like.ROWS
        assert bool(starts) == ("_none_" not in name)
        for window, start in zip(cloud_like._windows(starts), starts, strict=True):
            assert window[0] <= cloud_like._stamp(start) + ".000000" <= window[1]


def test_the_detector_is_scored_by_nab_s_scorer_on_them() -> None:
    figures = cloud_like.measure()
    assert figures["files"] == 60
    found, windows = map(int, figures["windows"].split("/"))
    assert windows == 64
    assert found >= 32  # the events are plain: a detector finding fewer than half is broken
    assert 0 < figures["standard"] <= 100
