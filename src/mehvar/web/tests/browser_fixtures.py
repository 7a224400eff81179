"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

No browser is ever downloaded: the tests use /usr/bin/chromium (or $MEHVAR_CHROMIUM) and skip, saying why,
when it is not installed. Each test's pages are saved as full-page screenshots under
test-artifacts/screenshots/<test>-<page>.png for a human to look at.
"""

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from mehvar.testing import PASSWORD, Tenants, build_tenants

CHROMIUM = os.environ.get("MEHVAR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium, or set MEHVAR_CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install -e .[dev])"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    # Playwright's sync API runs an event loop in this thread; Django's ORM (the fixtures, the live server's
    # test database set-up) would otherwise refuse to run beside it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_tenants(transactional_db: None) -> Tenants:
    """The tenant test base, committed so that the live server's thread sees it."""
    return build_tenants()


class Shots:
    """Saves full-page screenshots named after the test: test-artifacts/screenshots/<test>-<page>.png."""

    def __init__(self, test_name: str) -> None:
        self.prefix = re.sub(r"[^\w.-]+", "-", test_name).strip("-")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{self.prefix}-{name}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name)


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) on the live server; fails the test on any console error,
    such as a script refused by the Content-Security-Policy."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 860},
        locale="fa-IR",
        timezone_id="Asia/Tehran",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


def sign_in(page: Any, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form, as a person would."""
    page.goto("/accounts/login/")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("[data-testid=login-form] button[type=submit]").click()
    page.wait_for_load_state()
