"""Browser fixtures: Debian's Chromium driven by Playwright against live_server.

Playwright's sync API keeps an asyncio loop running in the test thread while it
is started, and Django refuses ORM calls from a thread with a running loop. The
browser is started once for this package only, with DJANGO_ALLOW_ASYNC_UNSAFE
set meanwhile, so the rest of the suite runs with Django's check intact.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if CHROMIUM.exists():
        return None
    return (
        f"{CHROMIUM} is missing: run scripts/browser-deps "
        "(or apt-get install chromium) to run the browser tests"
    )


@pytest.fixture(scope="package")
def chromium() -> Iterator:
    """One headless Chromium for the whole browser package."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(chromium, live_server, transactional_db) -> Iterator[Callable]:
    """Open a page in a fresh browser context (its own cookies) on live_server."""
    contexts = []

    def make(viewport: dict | None = None, **context_args):
        context = chromium.new_context(
            base_url=live_server.url,
            viewport=viewport or DESKTOP,
            locale="en-US",
            timezone_id="UTC",
            **context_args,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
