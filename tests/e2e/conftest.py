"""The browser harness: Debian's Chromium driven by Playwright (sync API) against pytest-django's live_server.

- Chromium is /usr/bin/chromium (scripts/browsers.sh installs it). If it is missing the tests FAIL, never skip:
  the browser journey is part of CI.
- Playwright's sync API runs an asyncio loop in the test thread, so Django's async-safety guard is switched off
  (DJANGO_ALLOW_ASYNC_UNSAFE) while the browser lives: per module, set and removed by the `browser` fixture, so
  it never leaks into other tests or their subprocesses (`check --deploy` refuses it).
- live_server needs committed data (transaction=True). A flush between transactional tests removes what the
  data migrations seeded, so `seeded_data` (root conftest, tests/seed.py) puts the catalogue and the card gift
  tiers back when missing.
- Every test gets `shot(name)`, which saves artifacts/e2e/<test>/NN-<name>.png (artifacts/ is git-ignored;
  CI keeps it as an artefact).
- The browser asks for English pages (Accept-Language: en), so assertions can use the English strings while
  the product defaults to Simplified Chinese.
- Every context listens for Content-Security-Policy violations (the page's `securitypolicyviolation` events
  and Chromium's console reports); the test fails at teardown if anything was blocked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import confirmed_totp_device, totp_code

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


LAST = ("tests/e2e/", "tests/faults/")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the e2e and fault tests last (after pytest-django's own ordering).

    Their transactional flushes run post_migrate, which re-creates content types, permissions and the Finance
    group with new ids; a serialized_rollback test of another app running after that would fail to
    deserialize (unique clashes). Run after every other test, they disturb none."""
    def last(item) -> bool:
        return any(part in str(item.fspath).replace(os.sep, "/") for part in LAST)

    items[:] = [i for i in items if not last(i)] + [i for i in items if last(i)]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `bash scripts/browsers.sh` (browser tests never skip)")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def base_url(live_server, seeded_data) -> str:
    return live_server.url


# Reports every `securitypolicyviolation` event of a page to the test (init scripts run before the page's own
# scripts and are not subject to its policy).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__reportCspViolation([e.violatedDirective, e.blockedURI || "inline", e.sourceFile || "",
                               String(e.lineNumber || ""), document.location.pathname].join(" | "));
});
"""


def is_csp_message(text: str) -> bool:
    return "Content Security Policy" in text or "Content-Security-Policy" in text


@pytest.fixture
def csp_violations() -> list[str]:
    """What the Content-Security-Policy blocked in any page of the test: the test fails at teardown if any."""
    return []


@pytest.fixture
def new_context(browser, base_url, csp_violations):
    contexts = []

    def make(**options):
        """A context asking for English at 1280 px unless `options` say otherwise (e.g. viewport,
        storage_state, extra_http_headers)."""
        context = browser.new_context(**{
            "base_url": base_url, "locale": "en-US", "extra_http_headers": {"Accept-Language": "en"},
            "viewport": {"width": 1280, "height": 900}, "accept_downloads": True, **options,
        })
        context.set_default_timeout(15_000)
        context.expose_function("__reportCspViolation", lambda text: csp_violations.append(f"event: {text}"))
        context.add_init_script(CSP_LISTENER)
        context.on("console", lambda message: is_csp_message(message.text)
                   and csp_violations.append(f"console {message.type}: {message.text}"))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    if csp_violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(dict.fromkeys(csp_violations)))


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
    device = _second_factor_device(username)
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    if device is not None:
        page.goto("/login/verify/")
        page.fill("#verify-form input[name=token]", totp_code(device))
        page.click("#verify-form button[type=submit]")
        page.wait_for_load_state("domcontentloaded")


def _second_factor_device(username: str):
    """Finance staff must use a second factor (workspaces/two_factor.py): a staff test user gets an
    authenticator when missing, and the login types the code it shows now, as the person would."""

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        return None
    if user.is_staff or user.is_superuser:
        return confirmed_totp_device(user)
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()
