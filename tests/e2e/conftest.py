"""The browser harness: Debian's Chromium driven by Playwright (sync API) against pytest-django's live_server.

- Chromium is /usr/bin/chromium (scripts/browsers.sh installs it). If it is missing the tests FAIL, never skip:
  the browser journey is part of CI.
- Playwright's sync API runs an asyncio loop in the test thread, so Django's async-safety guard is switched off
  for these tests (the ORM calls in the test body are ordinary synchronous code).
- Every test gets `shot(name)`, which saves artifacts/e2e/<test>/NN-<name>.png (artifacts/ is git-ignored;
  CI keeps it as an artefact).
- The browser asks for English pages (Accept-Language: en), so assertions can use the English strings while
  the product defaults to Simplified Chinese.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `bash scripts/browsers.sh` (browser tests never skip)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def base_url(live_server) -> str:
    return live_server.url


@pytest.fixture
def new_context(browser, base_url):
    contexts = []

    def make():
        context = browser.new_context(
            base_url=base_url, locale="en-US", extra_http_headers={"Accept-Language": "en"},
            viewport={"width": 1280, "height": 900}, accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def shot(request) -> Callable:
    """shot(page, "step-name"): a full-page screenshot at artifacts/e2e/<test>/NN-step-name.png."""
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    counter = {"n": 0}

    def take(page, name: str) -> Path:
        counter["n"] += 1
        path = folder / f"{counter['n']:02d}-{re.sub(r'[^A-Za-z0-9_-]+', '-', name)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def login(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
