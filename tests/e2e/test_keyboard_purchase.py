"""The whole purchase by keyboard only (Tab / Shift+Tab, Space, Enter, arrow keys, typing), from the demo
owner's home page to the success page, on the demo data as `seed_demo` leaves it (Workspace D is Commercial
and not covered, so a new package can cover it). No click, no fill, no check: only key presses, and the
focus is asserted before each one. axe-core and the layout check run on every step of the wizard."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from orders.models import Order, OrderStatus
from tests.e2e.checks import axe_violations, enable_axe, layout_problems
from tests.e2e.conftest import login
from workspaces.demo import DEMO_ACCOUNT, DEMO_PASSWORD
from workspaces.models import Account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 80


def focus(page, predicate: str, *, backwards: bool = False) -> str:
    """Press Tab (Shift+Tab) until `predicate(document.activeElement)` holds; returns the element's outline."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!el && ({predicate})(el); }})()"):
            return page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
    raise AssertionError(f"{MAX_TABS} presses of {key} never reached {predicate} on {page.url}")


def focused(page, predicate: str) -> bool:
    return page.evaluate(f"(() => {{ const el = document.activeElement; return !!el && ({predicate})(el); }})()")


def press_and_wait(page, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_load_state("load")


def text_is(words: str) -> str:
    return f"(el) => (el.innerText || '').includes({words!r})"


def keyboard_purchase(page, account_id: int, checked: list[str]) -> None:
    def check(step: str) -> None:
        checked.extend(f"{step}: layout: {p}" for p in layout_problems(page, 1366))
        checked.extend(f"{step}: axe: {v}" for v in axe_violations(page))

    page.goto(f"/a/{account_id}/")
    # 1. From the home page to the wizard: the first link to the purchase.
    focus(page, f"(el) => el.matches('a[href=\"/a/{account_id}/orders/buy/\"]')")
    press_and_wait(page, "Enter")
    assert page.url.endswith(f"/a/{account_id}/orders/buy/"), page.url
    check("plan")
    # 2. The plan: Tab reaches the radio group; the arrow keys move the choice; Space selects.
    focus(page, "(el) => el.matches('input[name=plan]')")
    page.keyboard.press("ArrowRight")  # to the next plan ...
    page.keyboard.press("ArrowLeft")   # ... and back to the first one (Startup Acceleration)
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked")
    focus(page, "(el) => el.matches('button[type=submit]') && !!el.closest('main')")
    press_and_wait(page, "Enter")
    check("traffic")
    # 3. Traffic: type a daily log capacity, go back to it with Shift+Tab, then on to the workspaces.
    log_input = "(el) => el.matches('input.amount-input') && (el.getAttribute('aria-label') || '').includes('Log data')"
    focus(page, log_input)
    page.keyboard.type("1000000")
    focus(page, "(el) => el.matches('button[name=action][value=next]')")
    focus(page, log_input, backwards=True)
    assert page.evaluate("document.activeElement.value") == "1000000"
    focus(page, "(el) => el.matches('button[name=action][value=next]')")
    press_and_wait(page, "Enter")
    check("workspaces")
    # 4. Workspaces: the one that can be covered (Workspace D), with position 1.
    focus(page, "(el) => el.matches('input[name=workspace]:not([disabled])')")
    if not page.evaluate("document.activeElement.checked"):
        page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked")
    focus(page, "(el) => el.matches('input.position-input')")
    page.keyboard.press("Control+a")
    page.keyboard.type("1")
    focus(page, "(el) => el.matches('button[type=submit]') && !!el.closest('main form')")
    press_and_wait(page, "Enter")
    check("confirm")
    # 5. Confirm: submit the order.
    assert "Workspace D" in page.inner_text("main")
    focus(page, text_is("Submit order"))
    press_and_wait(page, "Enter")
    assert "/pay/" in page.url, page.url
    check("cashier")
    # 6. The cashier: the allocation it proposes covers the total; Pay opens the confirmation, whose
    #    confirming button has the focus; Enter pays.
    focus(page, "(el) => el.id === 'pay-button'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#confirm-modal.show")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'confirm-modal-ok'")
    check("cashier-confirmation")
    press_and_wait(page, "Enter")
    assert "/success/" in page.url, page.url + "\n" + page.inner_text("main")
    check("success")


@pytest.fixture
def demo_owner(seeded_data):

    call_command("seed_demo", stdout=io.StringIO())
    return Account.objects.get(name=DEMO_ACCOUNT), DEMO_PASSWORD


def test_the_whole_purchase_by_keyboard(new_context, demo_owner, shot):
    account, password = demo_owner
    context = new_context(viewport={"width": 1366, "height": 900}, reduced_motion="reduce")
    enable_axe(context)
    page = context.new_page()
    login(page, "demo-owner", password)
    problems: list[str] = []
    try:
        keyboard_purchase(page, account.pk, problems)
    finally:
        shot(page, "last-step")
    order = Order.objects.filter(account=account).order_by("-pk").first()
    assert order.status == OrderStatus.PAID
    assert [pw.workspace.name for pw in order.package.package_workspaces.all()] == ["Workspace D"]
    assert not problems, "\n".join(problems)
