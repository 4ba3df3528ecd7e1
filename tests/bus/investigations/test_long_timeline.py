"""A long-worked investigation's `show` lists its newest timeline entries (whole, at most 15 and
6,000 characters) and says how many older ones the page has: its status and page link are never
crowded out of chat."""

from __future__ import annotations

from shared.replies import Tone
from tests.support import NOW, MovingClock, investigate, run
from tests.support.deployments import alerting_services


def test_show_lists_the_newest_entries_and_keeps_status_and_page() -> None:
    # GIVEN an investigation commented on 30 times, some comments 3,000 characters long
    services = alerting_services(MovingClock(NOW))
    report = investigate(services, "investigate checkout-api")
    ident = dict(report.fields)["Investigation"].split()[0]
    for n in range(30):
        words = f"note {n} " + ("x" * 2_990 if n % 3 == 0 else "short")
        said = run(services, f"investigation comment {ident} {words}", user="rey", channel="C-pay")
        assert said.tone is Tone.OK, said.text
    # WHEN it is shown
    shown = run(services, f"investigation show {ident}", user="vic", channel="C-pay")
    # THEN the newest entries that fit 6,000 characters are listed whole (notes 25 to 29, one
    # of them long), after a line naming the 26 older ones (the opening too)
    lines = shown.text.splitlines()
    assert lines[0] == "…26 earlier entries: see the page", lines[0]
    assert [line.split("note ")[1].split()[0] for line in lines[1:]] == [
        "25",
        "26",
        "27",
        "28",
        "29",
    ]
    assert lines[3].endswith("x" * 2_990), lines[3][-20:]
    assert len(shown.text) < 6_100, len(shown.text)
    # AND the status and the page link are there
    fields = dict(shown.fields)
    assert fields["Status"] == "open", fields
    assert "/investigations/" in fields["Page"], fields["Page"]


def test_show_lists_at_most_15_short_entries() -> None:
    services = alerting_services(MovingClock(NOW))
    report = investigate(services, "investigate checkout-api")
    ident = dict(report.fields)["Investigation"].split()[0]
    for n in range(20):
        said = run(services, f"investigation comment {ident} note {n}", user="rey", channel="C-pay")
        assert said.tone is Tone.OK, said.text
    lines = run(services, f"investigation show {ident}", user="vic", channel="C-pay").text
    assert lines.splitlines()[0] == "…6 earlier entries: see the page"
    assert lines.splitlines()[1].endswith("note 5") and len(lines.splitlines()) == 16, lines
