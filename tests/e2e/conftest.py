"""Browser tests: Debian's Chromium driven by Playwright against Django's live server.

Never ``playwright install``: it downloads a browser, which fails on isolated networks. The
flags keep Chromium from reaching for the network on start.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
# itself are still synchronous, so Django's async guard would refuse them without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser(django_db_setup: Any) -> Iterator[Any]:
    """Chromium for one test module. Playwright's event loop lives as long as this fixture, and
    later tests that start their own (``asyncio.run``) need it gone, hence not session scope."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Starting Playwright's event loop makes Django hand this thread new connection objects,
    # which lack the serialized test data that ``serialized_rollback`` restores from.
    serialized = {c.alias: getattr(c, "_test_serialized_contents", None) for c in connections.all()}
    with sync_playwright() as playwright:
        for connection in connections.all():
            if serialized.get(connection.alias) is not None:
                connection._test_serialized_contents = serialized[connection.alias]
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, live_server: Any, settings: Any) -> Iterator[Any]:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base = live_server.url
    yield page
    context.close()


def log_in(page: Any, username: str, password: str) -> None:
    page.goto(f"{page.base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{page.base}/")
