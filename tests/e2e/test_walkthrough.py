"""The walkthrough of docs/UI.md, clicked through as the demo owner on the data `seed_demo` leaves:

- purchase: the plan package wizard, the workspaces, the confirmation, the cashier with a split over a
  voucher, the prepaid card and cash, the success page;
- renewal: a package's renew page, the cashier, the timeline on plan management, then automatic renewal
  confirmed with its terms;
- people: an invitation, its acceptance by the invited person (another browser context), a role change that
  asks first;
- the package advisor and the forecast (also for an account without any bill yet).

Every step asserts what the person should see. Strings are looked up in the page's language through
gettext, so the same steps run in English and in Chinese.

Without WALKTHROUGH_SCREENSHOTS the flows run once (English, 1366 px) and only assert: the `browser` tier of
CI. With WALKTHROUGH_SCREENSHOTS=1 each flow runs in English and Chinese at 1366 and 390 px, and each step
saves docs/img/walkthrough/<flow>-<nn>-<step>-<lang>-<width>.png (the docs' pictures; quantized to a
palette when Pillow is there, to keep the set small).
"""

from __future__ import annotations

import datetime
import io
import os
import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation
from PIL import Image

from orders.models import Order, OrderKind, OrderStatus, Package
from payments.models import Voucher
from payments.tests.factories import fund_cash, give_voucher
from tests.e2e.conftest import login
from workspaces.demo import DEMO_ACCOUNT, DEMO_PASSWORD, SECOND_ACCOUNT, WORKSPACE_NEW
from workspaces.models import Account, Membership, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("WALKTHROUGH_SCREENSHOTS") == "1"
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img" / "walkthrough"
LANGUAGES = {"en": "en", "zh": "zh-hans"}
HEIGHTS = {1366: 768, 390: 844}
VARIANTS = [(lang, width) for lang in LANGUAGES for width in HEIGHTS] if SCREENSHOTS else [("en", 1366)]


class Walk:
    """One person's browser in one language and width; `step` asserts nothing, it only takes the picture."""

    def __init__(self, page, flow: str, lang: str, width: int):
        self.page, self.flow, self.lang, self.width = page, flow, lang, width

    def t(self, text: str) -> str:
        """`text` as the page shows it in this walk's language."""
        with translation.override(LANGUAGES[self.lang]):
            return translation.gettext(text)

    def step(self, number: int, name: str, *, page=None, full: bool = False, at: str = "") -> None:
        """The picture of a step: the whole page when `full`, else the screen scrolled to `at` (its card, if
        it is in one) under the sticky header; on a phone `at` defaults to the page's title, past the
        account's banners."""
        if not SCREENSHOTS:
            return
        page = page or self.page
        page.wait_for_load_state("networkidle")  # the panels htmx loads after the page
        page.evaluate("""(selector) => {
          const found = selector && document.querySelector(selector);
          const el = found && (found.closest(".card") || found);
          const header = document.querySelector("header.app-header");
          const below = (header ? header.offsetHeight : 0) + 12;
          const top = el ? el.getBoundingClientRect().top + window.scrollY - below : 0;
          window.scrollTo(0, Math.max(0, top));
        }""", "" if full else (at or ("main h1" if self.width < 768 else "")))
        IMAGES.mkdir(parents=True, exist_ok=True)
        path = IMAGES / f"{self.flow}-{number:02d}-{name}-{self.lang}-{self.width}.png"
        page.screenshot(path=str(path), full_page=full, animations="disabled", caret="initial")
        _shrink(path)

    def main(self, page=None) -> str:
        return (page or self.page).inner_text("main")


def _shrink(path: Path) -> None:
    """A 256-colour palette keeps a screenshot legible at a third of its size (Pillow comes with weasyprint)."""
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


@pytest.fixture
def demo(seeded_data) -> dict:
    call_command("seed_demo", stdout=io.StringIO())
    return {"account": Account.objects.get(name=DEMO_ACCOUNT), "second": Account.objects.get(name=SECOND_ACCOUNT)}


@pytest.fixture
def walk(request, new_context, demo):
    """The demo owner signed in, in the variant's language and width."""

    def make(flow: str, lang: str, width: int, *, username: str = "demo-owner", password: str = DEMO_PASSWORD):
        context = new_context(viewport={"width": width, "height": HEIGHTS[width]}, reduced_motion="reduce",
                              locale="en-US" if lang == "en" else "zh-CN",
                              extra_http_headers={"Accept-Language": LANGUAGES[lang]})
        page = context.new_page()
        if username:
            login(page, username, password)
        return Walk(page, flow, lang, width)

    return make


def _confirm(walk: Walk, number: int, name: str) -> None:
    """The question of an irreversible action (static/js/app.js): take its picture, then confirm."""
    page = walk.page
    page.wait_for_selector("#confirm-modal.show #confirm-modal-ok")
    walk.step(number, name)
    with page.expect_navigation():
        page.click("#confirm-modal-ok")
    page.wait_for_load_state("domcontentloaded")


def _next(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state("domcontentloaded")


@pytest.mark.parametrize(("lang", "width"), VARIANTS)
def test_purchase(walk, demo, lang, width):
    account = demo["account"]
    w = walk("purchase", lang, width)
    page = w.page
    voucher = give_voucher(account, "500.00")

    # 1. The wizard's first step: the three annual packages side by side, step 1 of the stepper current.
    page.goto(f"/a/{account.pk}/orders/buy/")
    assert w.t("Purchase plan package") in page.inner_text("h1")
    assert page.locator("input[name=plan]").count() == 3
    for plan in ("Startup Acceleration", "Growth Development", "Enterprise Standard"):
        assert w.t(plan) in w.main()
    w.step(1, "plan", full=width == 1366)
    page.locator("input[name=plan]").first.check()
    _next(page, "main form button[type=submit]")

    # 2. Traffic packages are optional: on to the workspaces.
    assert page.locator("#traffic-form").count() == 1
    _next(page, "button[name=action][value=next]")

    # 3. Workspaces: only Workspace D can be covered; ticking it gives it position 1.
    row = page.locator("label", has_text=WORKSPACE_NEW).first
    assert row.count() == 1
    box = page.locator("input[name=workspace]:not([disabled])")
    assert box.count() == 1
    box.check()
    position = page.locator("input.position-input:not([disabled])").first
    assert position.input_value() == "1"
    w.step(2, "workspaces")
    _next(page, "main form button[type=submit]")

    # 4. Confirm: the order lists the package and Workspace D with the total.
    text = w.main()
    assert WORKSPACE_NEW in text and w.t("Submit order") in text
    w.step(3, "confirm", full=width == 1366)
    _next(page, f"main form button[type=submit]:has-text('{w.t('Submit order')}')")

    # 5. The cashier: 500 from the voucher, 2,000 from the prepaid card, the rest in cash (left empty).
    assert "/pay/" in page.url
    order = Order.objects.get(account=account, status=OrderStatus.PENDING_PAYMENT)
    fund_cash(account, order.total)
    page.reload()
    for field in page.locator("#cashier input.tender").all():
        field.fill("")
    page.fill(f"input[name=voucher_{voucher.pk}]", "500")
    card_input = page.locator("#cashier input[name^=card_]").first
    card_input.fill("2,000")
    page.fill("#cash", "")
    page.locator("#cash").blur()
    expected_remaining = "¥0.00"
    page.wait_for_function("() => document.getElementById('remaining').textContent.trim() === '¥0.00'")
    assert page.inner_text("#remaining").strip() == expected_remaining
    assert page.is_enabled("#pay-button")
    w.step(4, "cashier-split", full=width == 1366, at="#cashier")
    page.click("#pay-button")
    _confirm(w, 5, "cashier-confirm")

    # 6. Success: the order is paid with three tenders, the page says what paid it.
    assert "/success/" in page.url, page.url + "\n" + w.main()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    tenders = sorted(order.payment.tenders.values_list("kind", flat=True))
    assert len(tenders) == 3, tenders
    assert Voucher.objects.get(pk=voucher.pk).balance == 0
    paid_with = page.inner_text("#paid-with")
    assert "¥500.00" in paid_with and "¥2,000.00" in paid_with
    w.step(6, "success")


@pytest.mark.parametrize(("lang", "width"), VARIANTS)
def test_renewal(walk, demo, lang, width):
    account = demo["account"]
    w = walk("renewal", lang, width)
    page = w.page
    package = Package.objects.filter(account=account).order_by("pk").first()

    # 1. Plan management: the package, its workspaces in order, Renew and automatic renewal.
    page.goto(f"/a/{account.pk}/packages/")
    card = page.locator(f"#package-{package.pk}")
    assert "Workspace A" in card.inner_text() and "Workspace B" in card.inner_text()
    w.step(1, "plan-management")
    card.get_by_role("link", name=w.t("Renew"), exact=True).click()
    page.wait_for_load_state("domcontentloaded")

    # 2. The renew page: the current plan chosen, the same workspaces in the same order, the new dates.
    assert page.is_checked(f"#renew-plan-{package.plan_id}")
    starts = package.ends_on + datetime.timedelta(days=1)
    assert starts.isoformat() in w.main()
    w.step(2, "renew", full=width == 1366)
    _next(page, f"main button[type=submit]:has-text('{w.t('Create renewal order')}')")

    # 3. The cashier of the renewal order: the proposed allocation covers it; pay after the question.
    order = Order.objects.get(account=account, kind=OrderKind.RENEWAL)
    assert page.url.endswith(f"/orders/{order.pk}/pay/")
    page.wait_for_function("() => !document.getElementById('pay-button').disabled")
    w.step(3, "cashier")
    page.click("#pay-button")
    _confirm(w, 4, "cashier-confirm")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID, w.main()
    renewal = Package.objects.get(renewal_of=package)
    assert renewal.starts_on == starts

    # 4. The timeline: purchase then renewal 1, the old card says it is renewed with no gap.
    page.goto(f"/a/{account.pk}/packages/")
    timeline = page.locator(".package-timeline").first
    items = timeline.locator("li")
    assert items.count() == 2
    assert w.t("Purchase") in items.nth(0).inner_text()
    assert renewal.starts_on.isoformat() in items.nth(1).inner_text()
    assert renewal.ends_on.isoformat() in page.inner_text(f"#package-{package.pk}")
    w.step(5, "timeline", full=width == 1366)

    # 5. Automatic renewal of the renewal: the terms (amount, first attempt, tenders) are confirmed first.
    page.locator(f"#package-{renewal.pk}").get_by_role(
        "link", name=w.t("Turn automatic renewal on")).click()
    page.wait_for_load_state("domcontentloaded")
    assert w.t("First charge attempt") in w.main()
    assert page.locator("#auto-renew-amount").inner_text().startswith("¥")
    w.step(6, "auto-renew-terms", full=width == 1366)
    _next(page, "#auto-renew-confirm")
    assert w.t("Automatic renewal is on.") in w.main()
    renewal.refresh_from_db()
    assert renewal.auto_renew
    w.step(7, "auto-renew-on")


@pytest.mark.parametrize(("lang", "width"), VARIANTS)
def test_people(walk, demo, lang, width, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    account = demo["account"]
    w = walk("people", lang, width)
    page = w.page

    # 1. People: the members with their roles, the invitation form.
    page.goto(f"/a/{account.pk}/people/")
    assert page.locator("#members tr[data-member='demo-admin']").count() == 1
    page.fill("#invite-email", "mei@example.com")
    page.select_option("#invite-role", "member")
    w.step(1, "people", full=width == 1366, at="#invite-form")
    _next(page, "#invite-form button[type=submit]")

    # 2. The invitation is pending.
    assert "mei@example.com" in page.inner_text("#invitations")
    w.step(2, "invited", at="#invitations")

    # 3. The invited person opens the link in their own browser and signs up.
    link = re.search(r"https?://[^/\s]+(/invitations/[^\s/]+/)", mail.outbox[-1].body).group(1)
    guest = walk("people", lang, width, username="")
    guest.page.goto(link)
    assert guest.page.locator("#signup-form").count() == 1
    guest.page.fill("#su-username", "mei")
    guest.page.fill("#su-password", "Sturdy-pass-42")
    guest.page.fill("#su-password2", "Sturdy-pass-42")
    guest.step(3, "accept")
    _next(guest.page, "#signup-form button[type=submit]")

    # 4. The new member lands on the member page: the workspaces and who to ask.
    guest.page.wait_for_selector("#member-home")
    assert "Workspace A" in guest.page.inner_text("#member-workspaces")
    guest.step(4, "member-home")

    # 5. The owner makes them an administrator; the change asks first.
    page.goto(f"/a/{account.pk}/people/")
    row = page.locator("tr[data-member='mei']")
    row.locator("select[name=role]").select_option("administrator")
    row.locator("button", has_text=w.t("Change role")).click()
    _confirm(w, 5, "role-confirm")
    assert w.t("Administrator") in page.inner_text("tr[data-member='mei'] .role")
    assert Membership.objects.get(account=account, user__username="mei").role == Role.ADMINISTRATOR
    w.step(6, "role-changed", at="main .messages")


@pytest.mark.parametrize(("lang", "width"), VARIANTS)
def test_advisor_and_forecast(walk, demo, lang, width):
    account, second = demo["account"], demo["second"]
    w = walk("advisor", lang, width)
    page = w.page

    # 1. The advisor replays the last days' usage under each package and names the cheapest.
    page.goto(f"/a/{account.pk}/advisor/")
    text = w.main()
    assert w.t("Growth Development") in text and w.t("Startup Acceleration") in text
    assert "¥" in text
    w.step(1, "advisor", at="main h1")

    # 2. The forecast: this month so far, the expected month end and the runway of the wallet.
    page.goto(f"/a/{account.pk}/forecast/")
    for figure in ("#forecast-mtd", "#forecast-expected", "#forecast-runway"):
        assert page.locator(figure).count() == 1, figure
    assert "¥" in page.inner_text("#forecast-expected")
    w.step(2, "forecast", full=width == 1366)

    # 3. An account without any bill: no figures made of zero days, it says there is no history yet.
    page.goto(f"/a/{second.pk}/forecast/")
    text = w.main()
    assert page.locator("#forecast-none").count() == 1
    assert w.t("There is no billing history yet: the forecast and the runway start with the first daily bill.") in text
    assert not re.search(r"\b0 days\b|最近 ?0 ?天", text), text
    w.step(3, "forecast-no-history")
