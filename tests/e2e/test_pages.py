"""Every Fee Center page with the demo data as `seed_demo` leaves it, in headless Chromium:

- axe-core on every page as the owner, the administrator and the member, and on the public pages (login,
  catalogue): no serious or critical violation;
- a screenshot of every page at 1366 px and 390 px, in English and in Chinese
  (artifacts/e2e/pages/<lang>-<width>-<page>.png, kept by CI);
- the layout: nothing wider than its container (tables included) at 1366 px; at 390 px only the intentional
  scroll boxes (.table-responsive) may scroll sideways, never the page or <main>;
- the member lands on the member page (what a Member may see), not on "Not allowed".

One seeded demo, one login per person (its storage state reused by every context), one list of problems
reported at the end, so a single run shows everything that is wrong.
"""

from __future__ import annotations

import io
import time

import pytest
from django.core.management import call_command
from playwright.sync_api import Error as PlaywrightError

from notifications.models import AlertRule
from orders.models import Order, Package
from quota.models import Bill
from statements.models import MonthlyBill
from tests.e2e.checks import PAGES, axe_violations, enable_axe, layout_problems, save_page
from tests.e2e.conftest import login
from workspaces.demo import DEMO_ACCOUNT, DEMO_PASSWORD
from workspaces.models import Account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1366, 390)
LANGUAGES = {"en": "en", "zh": "zh-hans"}
ADMIN_PAGES = ("home", "workspaces", "people", "wallet", "recharge", "cards", "buy-plan", "packages", "alerts",
               "audit", "advisor", "forecast")


@pytest.fixture
def demo(seeded_data) -> dict:

    call_command("seed_demo", stdout=io.StringIO())
    account = Account.objects.get(name=DEMO_ACCOUNT)
    return {
        "account": account, "password": DEMO_PASSWORD,
        "order": Order.objects.filter(account=account).order_by("pk").first(),
        "package": Package.objects.filter(account=account).order_by("pk").first(),
        "bill": Bill.objects.filter(account=account).order_by("-day").first(),
        "monthly": MonthlyBill.objects.filter(account=account).order_by("month").first(),
        "alert": AlertRule.objects.filter(account=account).order_by("pk").first(),
        "workspace": account.workspaces.order_by("pk").first(),
    }


def billing_pages(demo: dict) -> dict[str, str]:
    a = f"/a/{demo['account'].pk}"
    package, order = demo["package"].pk, demo["order"].pk
    return {
        "home": f"{a}/",
        "workspaces": f"{a}/workspaces/",
        "workspace": f"{a}/workspaces/{demo['workspace'].pk}/",
        "advisor": f"{a}/advisor/",
        "forecast": f"{a}/forecast/",
        "forecast-warnings": f"{a}/forecast/warnings/",
        "storage-policies": f"{a}/workspaces/{demo['workspace'].pk}/storage-policies/",
        "people": f"{a}/people/",
        "wallet": f"{a}/wallet/",
        "recharge": f"{a}/wallet/recharge/",
        "cards": f"{a}/wallet/cards/",
        "vouchers": f"{a}/wallet/vouchers/",
        "ledger": f"{a}/wallet/details/",
        "buy-plan": f"{a}/orders/buy/",
        "orders": f"{a}/orders/",
        "order-detail": f"{a}/orders/{order}/",
        "order-success": f"{a}/orders/{order}/success/",
        "packages": f"{a}/packages/",
        "package-upgrade": f"{a}/packages/{package}/upgrade/",
        "package-traffic": f"{a}/packages/{package}/traffic/",
        "package-renew": f"{a}/packages/{package}/renew/",
        "daily-bills": f"{a}/bills/daily/",
        "daily-bill": f"{a}/bills/daily/{demo['bill'].pk}/",
        "usage": f"{a}/usage/",
        "monthly-bills": f"{a}/bills/monthly/",
        "monthly-bill": f"{a}/bills/monthly/{demo['monthly'].pk}/",
        "invoices": f"{a}/invoices/",
        "alerts": f"{a}/alerts/",
        "alert-edit": f"{a}/alerts/{demo['alert'].pk}/",
        "audit": f"{a}/audit/",
        "webhooks": f"{a}/webhooks/",
        "security": f"/account/security/?account={demo['account'].pk}",
        "password-change": "/password/change/",
        "catalogue": "/catalogue/",
    }


def _state(new_context, username: str | None, password: str):
    """The signed-in storage state of `username` (None: anonymous), from one login."""
    if username is None:
        return None
    page = new_context().new_page()
    login(page, username, password)
    state = page.context.storage_state()
    page.context.close()
    return state


def _visit(new_context, problems: list[str], *, who: str, state, pages: dict[str, str], prefix: str = "",
           lang: str, width: int, axe: bool, shots: bool, allowed=(200,)) -> dict[str, str]:
    """Open every page in one context; returns the text of each page's <main> (for assertions)."""
    context = new_context(storage_state=state, viewport={"width": width, "height": 900}, reduced_motion="reduce",
                          locale="en-US" if lang == "en" else "zh-CN",
                          extra_http_headers={"Accept-Language": LANGUAGES[lang]})
    if axe:
        enable_axe(context)
    page = context.new_page()
    started = time.monotonic()
    texts = {}
    for name, url in pages.items():
        where = f"{who} {lang}-{width} {name} ({url})"
        try:
            # The stylesheets are in place at DOMContentLoaded (the scripts are deferred); panels that htmx
            # loads after the page (hx-trigger="load") are awaited. A screenshot waits for the fonts.
            response = page.goto(url, wait_until="domcontentloaded")
            if page.locator("[hx-trigger='load']").count():
                page.wait_for_load_state("networkidle")
        except PlaywrightError as error:
            problems.append(f"{where}: {error.message.splitlines()[0]}")
            continue
        if response is None or response.status not in allowed:
            problems.append(f"{where}: HTTP {response.status if response else '?'}")
            continue
        if shots:
            save_page(page, lang, width, prefix + name)
        else:
            page.evaluate("document.fonts.ready.then(() => true)")
        problems.extend(f"{where}: layout: {p}" for p in layout_problems(page, width))
        if axe:
            problems.extend(f"{where}: axe: {v}" for v in axe_violations(page))
        main = page.locator("main")
        texts[name] = main.first.inner_text() if main.count() else ""
    context.close()
    print(f"{who} {lang}-{width}: {len(pages)} pages in {time.monotonic() - started:.1f}s")
    return texts


def test_every_page_is_accessible_fits_and_is_photographed(new_context, demo):
    problems: list[str] = []
    for old in PAGES.glob("*.png"):  # this run's screenshots only
        old.unlink()
    password = demo["password"]
    pages = billing_pages(demo)
    public = {"login": "/login/", "catalogue": "/catalogue/"}

    owner = _state(new_context, "demo-owner", password)
    for lang in LANGUAGES:
        for width in WIDTHS:
            axe = width == 1366  # axe in both languages
            _visit(new_context, problems, who="anonymous", state=None, pages=public, prefix="public-",
                   lang=lang, width=width, axe=axe, shots=True)
            _visit(new_context, problems, who="owner", state=owner, pages=pages, lang=lang, width=width,
                   axe=axe, shots=True)

    # The administrator sees the owner's templates without what costs money: axe on the pages that differ
    # (the buying pages answer 403, itself a page to check).
    admin = _state(new_context, "demo-admin", password)
    admin_pages = {name: pages[name] for name in ADMIN_PAGES}
    _visit(new_context, problems, who="administrator", state=admin, pages=admin_pages, prefix="admin-", lang="en",
           width=1366, axe=True, shots=True, allowed=(200, 403))

    # The member lands on the member page (defect 2), which is all a member may see.
    member = _state(new_context, "demo-member", password)
    member_pages = {"home": pages["home"], "security": pages["security"]}
    for lang in LANGUAGES:
        for width in WIDTHS:
            _visit(new_context, problems, who="member", state=member, pages=member_pages, prefix="member-",
                   lang=lang, width=width, axe=width == 1366, shots=True)
    check = new_context(storage_state=member).new_page()
    check.goto(pages["home"])
    assert check.locator("#member-home").count() == 1, "the member does not land on the member page"
    assert "Workspace A" in check.inner_text("#member-home")
    response = check.goto(pages["wallet"])
    assert response.status == 403

    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
