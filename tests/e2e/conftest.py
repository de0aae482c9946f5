"""Browser journeys: pytest-playwright driving Debian's Chromium against pytest-django's live_server.

Playwright cannot download its own browser here, so every launch uses /usr/bin/chromium. Each
journey saves a screenshot of every page in tests/e2e/screenshots/ (git-ignored) to look at.
"""

import os
from pathlib import Path

import pytest

# Sync Playwright runs an event loop in this thread; Django's ORM must still be usable from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            # One xdist worker runs all browser tests: two Chromiums on two cores starve the servers.
            item.add_marker(pytest.mark.xdist_group("e2e"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium non installato: apt-get install chromium (lo fa .ci/run)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "it-IT", "timezone_id": "Europe/Rome", "accept_downloads": True}


@pytest.fixture
def shot(page, request):
    """shot("name") saves a full-page screenshot named after the test."""
    SCREENSHOTS.mkdir(exist_ok=True)
    counter = {"n": 0}

    def _shot(name: str):
        counter["n"] += 1
        path = SCREENSHOTS / f"{request.node.name}-{counter['n']:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


@pytest.fixture
def demo_world(transactional_db):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)


AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# WCAG 2.1 AA (and what it builds on); best-practice rules too, they catch landmarks and headings.
AXE_TAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
MOBILE = {"width": 360, "height": 740}


def axe_violazioni(page, *, moduli: bool = False) -> list[str]:
    """axe-core on the page as it is now: the serious and critical violations (and the moderate ones on a
    page with a form, `moduli=True`), each as "rule: target" for a readable failure."""
    # A click that navigates returns once the new URL is committed, before its document is there: axe on
    # the blank page in between finds no <main> and no <h1> (a flaky failure once). Wait for it to load.
    page.wait_for_load_state()
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the page's strict CSP (no inline scripts) stays on.
        page.evaluate(AXE.read_text() + "\n;true")
    risultato = page.evaluate(
        "async (tag) => await axe.run(document,"
        " {runOnly: {type: 'tag', values: tag}, resultTypes: ['violations']})",
        AXE_TAG,
    )
    gravi = {"serious", "critical"} | ({"moderate"} if moduli else set())
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:5])}"
        for v in risultato["violations"]
        if v["impact"] in gravi
    ]


# The first elements reaching past a phone's width: what to fix when a page scrolls sideways.
TROPPO_LARGHI = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > 361).slice(0, 5)
    .map(e => `${e.tagName}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)
    .join(', ')"""


@pytest.fixture
def axe(page):
    """axe(moduli=False): asserts the current page has no serious/critical axe violation, at the current
    viewport and again at 360 px (a phone), then restores the viewport."""

    def _axe(*, moduli: bool = False):
        assert axe_violazioni(page, moduli=moduli) == [], page.url
        originale = page.viewport_size
        page.set_viewport_size(MOBILE)
        try:
            assert axe_violazioni(page, moduli=moduli) == [], f"{page.url} a 360 px"
            larghezza = page.evaluate("document.documentElement.scrollWidth")
            assert larghezza <= MOBILE["width"], (
                f"{page.url}: scorre di lato a 360 px ({larghezza} px): {page.evaluate(TROPPO_LARGHI)}"
            )
        finally:
            page.set_viewport_size(originale)

    return _axe
