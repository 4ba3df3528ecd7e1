"""The investigation page in headless Chromium (Debian's, via playwright), desktop and phone:
the findings, each signal's state and its own chart, legible at 390 px."""

from __future__ import annotations

import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse
from wsgiref.simple_server import make_server

import pytest

from bots.serve import application
from shared.audit.links import token_for
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.identity.models import OrgId
from shared.investigations.models import Investigation
from shared.telemetry.models import Event, Judgement, Signal, Verdict
from tests.support.local import investigated

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Services, str, str]]:
    """`sre serve` on loopback, and the page link of a fresh investigation of the sample."""
    services, page = investigated(Settings(home=tmp_path, org_admins=("slack:T1:root",)))
    link = urlparse(page)
    server = make_server("127.0.0.1", 0, application(services))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield services, f"http://127.0.0.1:{server.server_port}", f"{link.path}?{link.query}"
    server.shutdown()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def _stored(
    tmp_path: Path,
    services: Services,
    path: str,
    change: Callable[[Investigation], dict[str, object]],
) -> str:
    """The path of the page of a copy of the site's investigation with `change` applied, saved
    in the site's own database as the investigation service would have saved it."""
    from shared.adapters.local.sqlite_directory import SqliteDatabase
    from shared.adapters.local.sqlite_investigations import SqliteInvestigationStore

    store = SqliteInvestigationStore(SqliteDatabase(tmp_path / "autosre.db"))
    investigation_id = path.split("?")[0].rsplit("/", 1)[-1]
    found = store.get(OrgId("slack:T1"), investigation_id)
    assert found is not None
    update = {"id": "inv-0000c0de", "version": 0, **change(found)}
    copy = store.save(found.model_copy(update=update))
    link = urlparse(services.pages.link(copy, datetime.now(UTC)))
    return f"{link.path}?{link.query}"


@contextmanager
def _browser(width: int, height: int) -> Iterator[Page]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


def _panels(page: Page) -> list[dict[str, float]]:
    """Each signal chart's natural and shown size."""
    return list(
        page.evaluate(
            """[...document.querySelectorAll('.signal img.panel')].map(i => ({
                natural: i.naturalWidth, tall: i.naturalHeight,
                shown: i.getBoundingClientRect().width}))"""
        )
    )


needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)


@needs_chromium
@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_the_page_shows_the_findings_and_a_chart_per_signal(
    site: tuple[Services, str, str], width: int, height: int
) -> None:
    _, base, path = site
    with _browser(width, height) as page:
        response = page.goto(base + path)
        assert response is not None
        assert response.status == 200
        assert page.inner_text("#headline").startswith("checkout-api: ")
        assert page.locator("#findings li").count() == 4
        assert "after deploy v42" in page.inner_text("#findings")
        panels = _panels(page)
        assert len(panels) == 5  # the sample's five signals, one chart each
        assert all(p["natural"] > 300 for p in panels)  # each image decoded
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.inner_text("#timeline").count("opened") == 1


@needs_chromium
def test_on_a_phone_each_signal_shows_its_state_and_a_legible_chart(
    site: tuple[Services, str, str], tmp_path: Path
) -> None:
    # Given an investigation whose saturation had no data, p50 latency was steady, and the
    # report listed the deploy
    services, base, path = site
    deploy = Event(
        time=datetime.now(UTC) - timedelta(minutes=40), kind="deploy", summary="deploy v42"
    )
    verdicts = [
        Verdict(signal=s, judgement=Judgement.CHANGED)
        for s in (Signal.P99_LATENCY, Signal.ERROR_RATE)
    ] + [
        Verdict(signal=Signal.P50_LATENCY, judgement=Judgement.STEADY, baseline_points=240),
        Verdict(signal=Signal.TRAFFIC, judgement=Judgement.STEADY, baseline_points=240),
        Verdict(signal=Signal.SATURATION, judgement=Judgement.NO_DATA),
    ]
    own = _stored(
        tmp_path,
        services,
        path,
        lambda found: {
            "verdicts": verdicts,
            "events": [deploy],
            "series": {s: p for s, p in found.series.items() if s is not Signal.SATURATION},
        },
    )
    with _browser(390, 844) as page:
        # When it is opened on a phone
        page.goto(base + own)

        # Then nothing scrolls sideways, and each signal with data has a chart at the page's width
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        panels = _panels(page)
        assert len(panels) == 4
        for panel in panels:
            assert panel["shown"] >= 350
            assert panel["natural"] <= 2.1 * panel["shown"]  # its type is shrunk at most 2.1×
            assert 1.4 <= panel["natural"] / panel["tall"] <= 2.2
        # and each signal says its state; the one without data says so, with no chart
        assert page.inner_text("#signal-saturation .state").startswith("no data in ")
        assert page.locator("#signal-saturation img").count() == 0
        assert "steady: within its baseline" in page.inner_text("#signal-p50_latency")
        assert "Deploy v42 at" in page.inner_text("#signal-p99_latency figcaption")


@needs_chromium
def test_a_page_where_nothing_could_be_judged_says_so_first(
    site: tuple[Services, str, str], tmp_path: Path
) -> None:
    # Given no signal had data
    services, base, path = site
    nothing = _stored(
        tmp_path,
        services,
        path,
        lambda _: {
            "findings": [],
            "series": {},
            "verdicts": [Verdict(signal=s, judgement=Judgement.NO_DATA) for s in Signal],
        },
    )
    with _browser(390, 844) as page:
        # When its page is opened
        page.goto(base + nothing)

        # Then it says first that nothing could be judged, and nowhere that nothing changed
        body = page.inner_text("body")
        assert body.startswith("Cannot judge checkout-api: no data for p50 latency, p99 latency")
        assert "no significant change" not in body.lower()
        assert page.locator(".signal img").count() == 0


def test_the_page_and_its_refusal_load_nothing_else_and_never_name_their_link(
    site: tuple[Services, str, str],
) -> None:
    _, base, path = site
    for url in (base + path, base + path.split("?")[0]):
        try:
            response = urllib.request.urlopen(url)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            headers = response.headers
        # the token is in the address: no Referer carries it, no frame or script sees the page
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Content-Security-Policy"].startswith("default-src 'none'; img-src data:")
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Cache-Control"] == "no-store"


def test_a_bad_or_expired_token_gets_403(site: tuple[Services, str, str]) -> None:
    services, base, path = site
    assert _status(base + path) == 200
    investigation_id = path.split("?")[0].rsplit("/", 1)[-1]
    assert _status(f"{base}/investigations/{investigation_id}?token=T1.99999999999.forged") == 403
    assert _status(f"{base}/investigations/{investigation_id}") == 403
    # a signature beyond ASCII is as wrong as any other (it was a TypeError, a 500)
    assert _status(f"{base}/investigations/{investigation_id}?token=T1.99999999999.%C3%A9") == 403
    old = token_for(
        services.audit.key(), "T1", investigation_id, datetime.now(UTC) - timedelta(days=8)
    )
    assert _status(f"{base}/investigations/{investigation_id}?token={old}") == 403
    other = path.replace(investigation_id, "inv-00000000")
    assert _status(base + other) == 403  # a valid token opens only its own investigation


def _answer(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            return int(response.status), dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def test_a_page_is_only_read_and_only_at_its_own_address(site: tuple[Services, str, str]) -> None:
    _, base, path = site
    address, query = path.split("?")
    # HEAD is GET's answer without its body
    status, headers, body = _answer(base + path, "HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000
    # any other method is 405, saying which are allowed (it was 404 "not found")
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        status, headers, _ = _answer(base + path, method)
        assert (status, headers["Allow"]) == (405, "GET, HEAD"), method
    # only /investigations/{id}: more segments before the id are 404, with the token or not
    record = address.rsplit("/", 1)[-1]
    for other in (f"/investigations/x/y/{record}", f"/investigations/%2Finvestigations%2F{record}"):
        assert _answer(f"{base}{other}?{query}")[0] == 404, other
    assert _answer(f"{base}{address}/?{query}")[0] == 200
    # and no answer names the server's Python
    assert _answer(base + path)[1]["Server"] == "autosre"


@needs_chromium
def test_long_unbroken_words_wrap_on_a_phone(
    site: tuple[Services, str, str], tmp_path: Path
) -> None:
    # GIVEN a deploy named by a long version string, in the headline and the events
    services, base, path = site
    version = "web@" + "3f9c2a17be04d5c6e8f1a2b3c4d5e6f708192a3b" * 3
    deploy = Event(time=datetime.now(UTC) - timedelta(minutes=40), kind="deploy", summary=version)
    own = _stored(
        tmp_path,
        services,
        path,
        lambda found: {"headline": f"{found.headline} after {version}", "events": [deploy]},
    )
    with _browser(390, 844) as page:
        # WHEN the page, and a refused link's page, are opened on a phone
        for address in (base + own, base + own.split("?")[0]):
            page.goto(address)
            # THEN nothing scrolls sideways (the headline was 625 px wide in a 358 px column)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        # AND the refusal is laid out for the phone's width, not a desktop's shrunk
        assert page.evaluate("document.documentElement.clientWidth") == 390
