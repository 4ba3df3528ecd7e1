"""The investigation page in headless Chromium (Debian's, via playwright), desktop and phone."""

from __future__ import annotations

import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse
from wsgiref.simple_server import make_server

import pytest

from bots.serve import application
from shared.adapters.memory import InMemoryNotifier
from shared.bootstrap import Services, for_local
from shared.config import Settings
from shared.investigations.page import token_for
from tests.support import invocation

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
    notifier = InMemoryNotifier()
    services = for_local(Settings(home=tmp_path, org_admins=("slack:T1:root",)), notifier=notifier)
    for text in (
        "team create payments",
        "team member add root --role admin --team payments",
        "team bind C-general --team payments",
        "service register checkout-api --sample checkout",
    ):
        assert not services.bus.handle(invocation(text)).failed, text
    services.bus.handle(invocation("investigate checkout-api"))
    services.tasks.join()  # type: ignore[attr-defined]
    ((_, report),) = notifier.posted
    link = urlparse(dict(report.fields)["Page"])
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


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_the_page_shows_the_findings_and_the_chart(
    site: tuple[Services, str, str], width: int, height: int
) -> None:
    from playwright.sync_api import sync_playwright

    _, base, path = site
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        response = page.goto(base + path)
        assert response is not None
        assert response.status == 200
        assert page.inner_text("#headline").startswith("checkout-api: ")
        assert page.locator("#findings li").count() == 4
        assert "after deploy v42" in page.inner_text("#findings")
        chart_width = page.evaluate("document.getElementById('chart').naturalWidth")
        assert chart_width > 300  # the image decoded
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.inner_text("#timeline").count("opened") == 1
        browser.close()


def test_a_bad_or_expired_token_gets_403(site: tuple[Services, str, str]) -> None:
    services, base, path = site
    assert _status(base + path) == 200
    investigation_id = path.split("?")[0].rsplit("/", 1)[-1]
    assert _status(f"{base}/investigations/{investigation_id}?token=T1.99999999999.forged") == 403
    assert _status(f"{base}/investigations/{investigation_id}") == 403
    old = token_for(
        services.audit.key(), "T1", investigation_id, datetime.now(UTC) - timedelta(days=8)
    )
    assert _status(f"{base}/investigations/{investigation_id}?token={old}") == 403
    other = path.replace(investigation_id, "inv-00000000")
    assert _status(base + other) == 403  # a valid token opens only its own investigation
