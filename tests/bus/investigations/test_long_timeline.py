"""A long-worked investigation's `show` lists its newest timeline entries, each cut short, and
says how many older ones the page has: its status and page link are never crowded out of chat."""

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
    # THEN the newest 15 entries are listed, after a line naming the 16 older ones (opened too)
    lines = shown.text.splitlines()
    assert lines[0] == "…16 earlier entries: see the page", lines[0]
    assert len(lines) == 16, lines
    assert "note 15 " in lines[1], lines[1]
    assert lines[-1].endswith("note 29 short"), lines[-1]
    # AND a long comment is cut short, the text stays within a few Slack sections
    assert max(len(line) for line in lines) <= 400, [len(line) for line in lines]
    assert any(line.endswith("x…") for line in lines), lines
    assert len(shown.text) < 6_000, len(shown.text)
    # AND the status and the page link are there
    fields = dict(shown.fields)
    assert fields["Status"] == "open", fields
    assert "/investigations/" in fields["Page"], fields["Page"]
