"""An experiment's page through `sre serve`'s HTTP routes: `sre chaos status ID` gives its
signed link (to the team's members only); the page tells its journal in words with its chart; a
bad, borrowed or expired token gets 403."""

from __future__ import annotations

import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse
from wsgiref.simple_server import make_server

import pytest

from bots.serve import application
from shared.bootstrap.wiring import Services
from tests.support import NOW, MovingClock, run
from tests.support.chaos import chaos_services, start_experiment, ticks

ZERO = timedelta(0)
BREAKING = 'checkout-api --fault error --expect "error_rate < 1%"'


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


@pytest.fixture
def deviated(clock: MovingClock) -> Iterator[tuple[Services, str, str]]:
    """`sre serve` on loopback over an experiment that deviated and was rolled back; its id."""
    services = chaos_services(clock)
    experiment = start_experiment(services, BREAKING)
    assert ticks(services, clock, 10)[-1] == f"{experiment} ended: deviated"
    server = make_server("127.0.0.1", 0, application(services))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield services, f"http://127.0.0.1:{server.server_port}", experiment
    server.shutdown()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _link(services: Services, clock: MovingClock, experiment: str, ago: timedelta = ZERO) -> str:
    """The page's path and query, from `sre chaos status ID` as viewer vic asks it `ago` (the
    page server reads the real time)."""
    clock.at = datetime.now(UTC) - ago
    shown = run(services, f"chaos status {experiment}", user="vic", channel="C-pay")
    link = urlparse(dict(shown.fields)["Page"])
    assert link.path == f"/chaos/{experiment}"
    return f"{link.path}?{link.query}"


def test_the_page_tells_the_run_in_words_with_its_chart(
    deviated: tuple[Services, str, str], clock: MovingClock
) -> None:
    services, site, experiment = deviated
    # WHEN a viewer of the team opens the link `chaos status` gave them
    status, page = _get(site + _link(services, clock, experiment))
    # THEN the page says how it ended, each step with its verdict and reason, and the rollback
    assert status == 200
    assert f"Chaos {experiment}: error on checkout-api: ended: deviated</h1>" in page
    assert "1% injected by @oli: error into 1% of checkout-api" in page
    assert "1% deviated: " in page
    assert "<strong>during, at 1%: deviated</strong>" in page
    assert "removed and verified" in page
    assert "NOT removed" not in page
    # AND its chart of the faulted and unfaulted share
    assert '<img class="chart" alt="faulted vs unfaulted share of checkout-api" ' in page
    assert 'src="data:image/png;base64,iVBOR' in page


def test_a_bad_borrowed_or_expired_token_gets_403(
    deviated: tuple[Services, str, str], clock: MovingClock
) -> None:
    services, site, experiment = deviated
    link = _link(services, clock, experiment)
    path, token = link.split("?token=")
    # a forged token, and an experiment's token used for another record
    assert _get(f"{site}{path}?token=slack:T1.9999999999.forged")[0] == 403
    assert _get(f"{site}/chaos/chx-00000000?token={token}")[0] == 403
    assert _get(f"{site}/investigations/{experiment}?token={token}")[0] == 403
    # AND a link given a week and a minute ago has expired
    old = _link(services, clock, experiment, ago=timedelta(days=7, minutes=1))
    assert _get(site + old)[0] == 403
    assert _get(site + link)[0] == 200


def test_another_teams_member_gets_no_link(deviated: tuple[Services, str, str]) -> None:
    services, _, experiment = deviated
    # WHEN an admin of team search asks for payments' experiment
    shown = run(services, f"chaos status {experiment} --team payments", user="sam")
    # THEN they are refused, and no page link is in the answer
    assert shown.failed
    assert "/chaos/" not in str(shown)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_on_a_phone_the_page_reads_without_scrolling_sideways_and_shows_its_chart(
    deviated: tuple[Services, str, str], clock: MovingClock
) -> None:
    from playwright.sync_api import sync_playwright

    services, site, experiment = deviated
    link = _link(services, clock, experiment)
    with sync_playwright() as playwright:
        args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            # WHEN the link is opened on a phone
            response = page.goto(site + link)
            assert response is not None and response.status == 200
            # THEN it says how the run ended, lists its steps, and nothing scrolls sideways
            assert page.inner_text("#headline").endswith("ended: deviated")
            assert "1% deviated: " in page.inner_text("#steps")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            # AND its chart is decoded and shown at the page's width
            chart = page.evaluate(
                """(() => { const i = document.querySelector('img.chart');
                return {natural: i.naturalWidth, shown: i.getBoundingClientRect().width}; })()"""
            )
            assert chart["natural"] > 300
            assert chart["shown"] >= 350
        finally:
            browser.close()
