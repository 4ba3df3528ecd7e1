"""A page is drawn once per version of its record and kept; at most two are drawn at once, and a
request for another beyond that is told to come back (503) at once, never holding a worker."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest

from shared.audit.links import BUSY, KEPT_PAGES, MAX_DRAWING, DrawnPages


def test_a_page_is_drawn_once_per_version() -> None:
    drawn: list[str] = []
    pages = DrawnPages()

    def draw(text: str) -> str:
        drawn.append(text)
        return text

    # WHEN one version is asked for three times, then the next version once
    answers = [pages.page(("org", "inv-1", 0), lambda: draw("v0")) for _ in range(3)]
    newer = pages.page(("org", "inv-1", 1), lambda: draw("v1"))
    # THEN each version was drawn once, and served every time
    assert answers == [(200, "v0")] * 3 and newer == (200, "v1")
    assert drawn == ["v0", "v1"]


def test_beyond_two_pages_drawn_at_once_another_is_busy_and_the_same_one_waits() -> None:
    pages = DrawnPages()
    release = threading.Event()
    started = threading.Barrier(MAX_DRAWING + 1)

    def slow(text: str) -> str:
        started.wait()
        release.wait(5)
        return text

    with ThreadPoolExecutor(MAX_DRAWING + 1) as pool:
        # GIVEN two pages being drawn
        drawing = [pool.submit(pages.page, n, partial(slow, f"page {n}")) for n in range(2)]
        started.wait()
        # WHEN a third page is asked for, and one of the two again
        third = pages.page(2, lambda: "page 2")
        again = pool.submit(pages.page, 0, lambda: "drawn twice")
        release.set()
        # THEN the third is 503 at once; the same one gets the drawing in progress
        assert third == (503, BUSY)
        assert again.result() == (200, "page 0")
        assert [f.result() for f in drawing] == [(200, "page 0"), (200, "page 1")]
    # AND once they are drawn, the third is drawn too
    assert pages.page(2, lambda: "page 2") == (200, "page 2")


def test_a_page_whose_drawing_failed_is_drawn_again_next_time() -> None:
    pages = DrawnPages()

    def fails() -> str:
        raise RuntimeError("matplotlib ran out of memory")

    with pytest.raises(RuntimeError):
        pages.page("a", fails)
    assert pages.page("a", lambda: "drawn") == (200, "drawn")


def test_only_the_most_recently_served_pages_are_kept() -> None:
    drawn: list[int] = []
    pages = DrawnPages()

    def draw(n: int) -> str:
        drawn.append(n)
        return str(n)

    for n in range(KEPT_PAGES + 1):
        pages.page(n, partial(draw, n))
    pages.page(KEPT_PAGES, lambda: draw(-1))  # kept: not drawn again
    pages.page(0, lambda: draw(0))  # the least recently served: let go, drawn again
    assert drawn == [*range(KEPT_PAGES + 1), 0]
