"""The seeds' journey, clicked through in headless Chromium against a live server.

Each test is one person's path; every step leaves a screenshot under artifacts/e2e/<test>/. The journey grows
as features land: the steps that need a feature not built yet are guarded by `_has_url(...)` and say so.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.finance import FINANCE_GROUP
from orders.models import Order, OrderStatus, Package, PackagePlanPeriod, PackageTraffic, PackageWorkspace
from orders.tests.factories import paid_package
from payments.models import PrepaidCard, Voucher, VoucherCodeBatch, VoucherKind, Wallet
from payments.tests.factories import give_card, give_voucher
from plans.models import Plan, TrafficPackage
from quota.ingest import service_token_create
from quota.night import night_run
from tests.e2e.conftest import login
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.models import Account, Role, Workspace, WorkspacePlan

# live_server needs committed data; the `seeded_data` fixture (via base_url) restores the seeded catalogue.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _has_url(name: str, *args) -> bool:
    try:
        reverse(name, args=args)
    except NoReverseMatch:
        return False
    return True


@pytest.fixture
def tenant(seeded_data):
    owner = UserFactory(username="new-owner")
    account = AccountFactory(name="Acme Observability")
    MembershipFactory(account=account, user=owner, role=Role.OWNER)
    second = AccountFactory(name="Acme Labs")
    MembershipFactory(account=second, user=owner, role=Role.ADMINISTRATOR)
    ws_a = WorkspaceFactory(account=account, name="Workspace A", free=True)
    ws_b = WorkspaceFactory(account=account, name="Workspace B", free=True)
    WorkspaceFactory(account=account, name="Sandbox", free=True)
    admin_user = UserFactory(username="administrator")
    MembershipFactory(account=account, user=admin_user, role=Role.ADMINISTRATOR)
    return {"owner": owner, "account": account, "second": second, "a": ws_a, "b": ws_b, "admin": admin_user}


def _confirm(page) -> None:
    """Irreversible actions ask first (static/js/app.js, the Bootstrap modal of base.html): confirm and wait."""
    page.wait_for_selector("#confirm-modal.show #confirm-modal-ok")
    with page.expect_navigation():
        page.click("#confirm-modal-ok")
    page.wait_for_load_state("domcontentloaded")


def _money(text: str) -> str:
    return text.replace("¥", "").replace(",", "").strip()


def _finance_user():
    user = UserFactory(username="finance", is_staff=True)
    group, _ = Group.objects.get_or_create(name=FINANCE_GROUP)
    user.groups.add(group)
    return user


def _time_travel_packages(account, days: int = 2) -> None:
    """Test-only: a package bought today starts tomorrow; move its validity `days` back so that yesterday's
    usage falls inside it (the night bills yesterday)."""


    Account.objects.filter(pk=account.pk).update(created_at=account.created_at - timedelta(days=30))
    for package in Package.objects.filter(account=account):
        shift = timedelta(days=days)
        Package.objects.filter(pk=package.pk).update(
            starts_on=package.starts_on - shift, ends_on=package.ends_on - shift, status="active")
        for model in (PackagePlanPeriod, PackageWorkspace):
            for row in model.objects.filter(package=package):
                model.objects.filter(pk=row.pk).update(valid_from=row.valid_from - shift)
        for row in PackageTraffic.objects.filter(package=package):
            model_fields = {"valid_from": row.valid_from - shift}
            if getattr(row, "valid_until", None):
                model_fields["valid_until"] = row.valid_until - shift
            PackageTraffic.objects.filter(pk=row.pk).update(**model_fields)


def test_owner_journey(page, shot, tenant, new_context):

    account = tenant["account"]
    a, b = tenant["a"], tenant["b"]

    # --- Finance generates voucher activation codes in admin.
    _finance_user()
    finance = new_context().new_page()
    login(finance, "finance")
    finance.goto("/admin/payments/vouchercodebatch/add/")
    shot(finance, "finance-new-code-batch")
    finance.fill("input[name=name]", "Launch promotion")
    finance.fill("input[name=face_value]", "500.00")
    finance.fill("input[name=quantity]", "3")
    today = timezone.localdate()
    for name, value in (("valid_from", today - timedelta(days=1)), ("valid_until", today + timedelta(days=90))):
        for suffix, text in (("_0", value.isoformat()), ("_1", "00:00:00")):
            field = finance.locator(f"input[name={name}{suffix}]")
            if field.count():
                field.fill(text)
        single = finance.locator(f"input[name={name}]")
        if single.count():
            single.fill(f"{value.isoformat()} 00:00:00")
    finance.click("input[name=_save]")
    shot(finance, "finance-code-batch-saved")
    batch = VoucherCodeBatch.objects.get(name="Launch promotion")
    code = Voucher.objects.filter(batch=batch).order_by("pk").values_list("code", flat=True).first()
    assert batch.quantity == 3 and code

    # --- The owner logs in; the account switcher lists both accounts with the role in each.
    login(page, "new-owner")
    shot(page, "home")
    assert page.locator("h1").first.inner_text() == "Acme Observability"
    page.click("#account-switcher-button")
    shot(page, "account-switcher")
    page.click("#account-switcher a:has-text('Acme Labs')")
    page.wait_for_url(f"**/a/{tenant['second'].pk}/")
    assert "Administrator" in page.inner_text("#account-switcher-button")
    page.goto(f"/a/{account.pk}/")
    assert "Owner" in page.inner_text("#account-switcher-button")

    # --- Upgrades A and B to Commercial.
    page.goto(f"/a/{account.pk}/workspaces/")
    shot(page, "workspaces-free")
    for ws in (a, b):
        page.click(f"#workspace-{ws.pk} button:has-text('Upgrade to Commercial')")
        _confirm(page)
        assert f"{ws.name} is now on the Commercial plan." in page.inner_text("main")
    shot(page, "workspaces-upgraded")
    plans = dict(Workspace.objects.filter(account=account).values_list("name", "plan"))
    assert plans == {"Workspace A": WorkspacePlan.COMMERCIAL, "Workspace B": WorkspacePlan.COMMERCIAL,
                     "Sandbox": WorkspacePlan.FREE}

    # --- The public catalogue compares the three annual packages.
    page.goto("/catalogue/")
    shot(page, "catalogue")
    for name in ("Startup Acceleration", "Growth Development", "Enterprise Standard"):
        assert name in page.inner_text("main")

    # --- Recharges 150,000 online through the sandbox gateway.
    page.goto(f"/a/{account.pk}/wallet/recharge/")
    shot(page, "recharge")
    page.fill("#recharge-online input[name=amount]", "150000.00")
    page.click("#recharge-online button[type=submit]")
    page.wait_for_url("**/sandbox-gateway/pay/**")
    shot(page, "sandbox-gateway")
    page.click("button[name=action][value=pay]")
    page.wait_for_load_state("domcontentloaded")
    shot(page, "after-gateway")

    assert Wallet.objects.get(account=account).cash_balance == 150000

    # --- Buys a 10,000 prepaid card with cash (and gets the 1,000 full-reduction voucher).
    page.goto(f"/a/{account.pk}/wallet/cards/")
    page.fill("#buy-card input[name=face_value]", "10000")
    page.fill("#buy-card input[name=quantity]", "1")
    page.click("#buy-card button[type=submit]")
    _confirm(page)
    shot(page, "card-bought")
    card = PrepaidCard.objects.get(account=account)
    assert card.balance == 10000
    assert Voucher.objects.filter(account=account, kind=VoucherKind.FULL_REDUCTION, face_value=1000).exists()

    # --- Activates the voucher code finance generated.
    page.goto(f"/a/{account.pk}/wallet/vouchers/")
    page.fill("#activate-code input[name=code]", code)
    page.click("#activate-code button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    shot(page, "voucher-activated")
    voucher = Voucher.objects.get(code=code)
    assert voucher.account_id == account.pk and voucher.balance == 500

    # --- Purchases a Startup package + 110,000,000 log traffic (log capacity 150,000,000) for A then B.
    page.goto(f"/a/{account.pk}/orders/buy/")
    shot(page, "buy-plan")
    page.check(f"input[name=plan][value='{_plan_pk('startup')}']")
    page.click("button[type=submit]:has-text('Next')")
    page.wait_for_load_state("domcontentloaded")
    page.fill(f"input[name=cap_{_traffic_pk('log')}]", "110000000")
    shot(page, "buy-traffic")
    page.click("button[name=action][value=next]")
    page.wait_for_load_state("domcontentloaded")
    page.check(f"input[name=workspace][value='{a.pk}']")
    page.check(f"input[name=workspace][value='{b.pk}']")
    page.fill(f"input[name=position_{a.pk}]", "1")
    page.fill(f"input[name=position_{b.pk}]", "2")
    shot(page, "buy-workspaces")
    page.click("button[type=submit]:has-text('Next')")
    page.wait_for_load_state("domcontentloaded")
    shot(page, "buy-confirm")
    page.click("button[type=submit]:has-text('Submit order')")
    page.wait_for_load_state("domcontentloaded")
    order = Order.objects.get(account=account)
    assert order.status == OrderStatus.PENDING_PAYMENT
    shot(page, "cashier")
    full_reduction = Voucher.objects.get(account=account, kind=VoucherKind.FULL_REDUCTION)
    for field in page.locator("#cashier input.tender").all():
        field.fill("")
    page.fill(f"input[name=voucher_{voucher.pk}]", "500.00")
    if page.locator(f"input[name=voucher_{full_reduction.pk}]").count():
        page.fill(f"input[name=voucher_{full_reduction.pk}]", "")  # kept for later
    page.fill(f"input[name=card_{card.pk}]", "10000.00")
    page.fill("#cash", f"{order.total - 10500:.2f}")
    shot(page, "cashier-filled")
    page.click("#cashier button[type=submit]")
    _confirm(page)
    shot(page, "paid")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID, page.inner_text("main")
    tenders = sorted(order.payment.tenders.values_list("kind", "amount"))
    assert len(tenders) == 3 and sum(t[1] for t in tenders) == order.total

    # --- Plan management lists the package with A then B and its traffic package.
    page.goto(f"/a/{account.pk}/packages/")
    shot(page, "plan-management")
    text = page.inner_text("main")
    assert "Startup Acceleration" in text and "Workspace A" in text and "Workspace B" in text
    assert text.index("Workspace A") < text.index("Workspace B")
    assert Package.objects.filter(account=account).count() == 1

    # --- Usage for A and B is posted with a service token; the night runs.
    _time_travel_packages(account)


    _, key = service_token_create(name="metering")
    day = timezone.localdate() - timedelta(days=1)
    Workspace.objects.filter(pk__in=[a.pk, b.pk]).update(commercial_since=timezone.now() - timedelta(days=2))
    metering = APIClient()
    response = metering.post("/api/v1/usage/", {"records": [
        {"workspace_id": ws.pk, "item": "log", "day": day.isoformat(), "quantity": 100_000_000} for ws in (a, b)
    ]}, format="json", HTTP_AUTHORIZATION=f"Service {key}")
    assert response.status_code == 200, response.content
    night_run(day=day, account_ids=[account.pk])

    # --- Consumption details show the seeds' figures: B pays 75.00 overage on 50,000,000 log entries.
    page.goto(f"/a/{account.pk}/bills/daily/")
    shot(page, "consumption-details")
    page.click("a:has-text('Lines')")
    page.wait_for_load_state("domcontentloaded")
    shot(page, "bill-lines")
    row_b = page.locator("tr", has_text="Workspace B").filter(has_text="Log")
    assert "75.00" in row_b.first.inner_text(), row_b.first.inner_text()
    row_a = page.locator("tr", has_text="Workspace A").filter(has_text="Log")
    assert "75.00" not in row_a.first.inner_text()

    # --- Exports the bills as CSV.
    page.goto(f"/a/{account.pk}/bills/daily/")
    with page.expect_download() as download_info:
        page.click("a:has-text('Export CSV')")
    download = download_info.value

    csv_text = Path(download.path()).read_text(encoding="utf-8")
    assert "75.00" in csv_text and "Workspace B" in csv_text

    # --- The owner reports an offline remittance; finance confirms it in admin.
    page.goto(f"/a/{account.pk}/wallet/recharge/")
    page.fill("#recharge-offline input[name=amount]", "2000.00")
    page.fill("#recharge-offline input[name=transfer_reference]", "BANK-REF-42")
    page.click("#recharge-offline button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    shot(page, "remittance-submitted")
    cash_before = Wallet.objects.get(account=account).cash_balance
    finance.goto("/admin/payments/recharge/?status__exact=pending")
    shot(finance, "finance-remittances")
    finance.locator("tr", has_text="BANK-REF-42").locator("input[type=checkbox]").check()
    finance.select_option("select[name=action]", "confirm_remittances")
    finance.click("button[name=index]")
    finance.wait_for_load_state("domcontentloaded")
    shot(finance, "finance-remittance-confirmed")
    assert Wallet.objects.get(account=account).cash_balance == cash_before + 2000


def _plan_pk(code: str) -> int:
    return Plan.objects.get(code=code).pk


def _traffic_pk(code: str) -> int:
    return TrafficPackage.objects.get(billing_item__code=code).pk


def test_administrator_sees_pages_without_pay_buttons(page, shot, tenant):
    """The same pages as the owner, with the data, and without anything that costs money."""

    account = tenant["account"]

    Workspace.objects.filter(pk__in=[tenant["a"].pk, tenant["b"].pk]).update(
        plan=WorkspacePlan.COMMERCIAL, commercial_since=timezone.now())
    tenant["a"].refresh_from_db()
    paid_package(account, tenant["owner"], workspaces=[tenant["a"]])
    give_card(account, "300.00")
    give_voucher(account, "50.00")
    login(page, "administrator")
    shot(page, "home")
    assert page.locator("h1").first.inner_text() == "Acme Observability"
    assert "Administrator" in page.inner_text("#account-switcher-button")
    forbidden = [
        "form[action*='/upgrade/']", "#recharge-online", "#recharge-offline", "#buy-card", "#activate-code",
        "#cashier", f"a[href='/a/{account.pk}/orders/buy/']", "a[href*='/upgrade/']", "a[href*='/traffic/']",
        "button:has-text('Upgrade to Commercial')", "button:has-text('Pay')",
    ]
    pages = {
        "workspaces": f"/a/{account.pk}/workspaces/",
        "wallet": f"/a/{account.pk}/wallet/",
        "recharge": f"/a/{account.pk}/wallet/recharge/",
        "cards": f"/a/{account.pk}/wallet/cards/",
        "vouchers": f"/a/{account.pk}/wallet/vouchers/",
        "plan-management": f"/a/{account.pk}/packages/",
        "orders": f"/a/{account.pk}/orders/",
        "consumption-details": f"/a/{account.pk}/bills/daily/",
        "monthly-bills": f"/a/{account.pk}/bills/monthly/",
    }
    for name, url in pages.items():
        response = page.goto(url)
        shot(page, name)
        assert response.status == 200, f"{name}: {response.status}"
        for selector in forbidden:
            assert page.locator(selector).count() == 0, f"{name} shows {selector} to an administrator"
    assert "Startup Acceleration" in (page.goto(pages["plan-management"]) and page.inner_text("main"))
    # The purchase wizard itself is refused (it only serves people who may pay).
    response = page.goto(f"/a/{account.pk}/orders/buy/")
    shot(page, "buy-refused")
    assert response.status == 403


def test_member_and_stranger_are_refused(page, shot, tenant):
    member = UserFactory(username="member")
    MembershipFactory(account=tenant["account"], user=member, role=Role.MEMBER)
    login(page, "member")
    response = page.goto(f"/a/{tenant['account'].pk}/")
    shot(page, "member-home")
    assert response.status == 200 and page.locator("#member-home").count() == 1  # the member page, no loop
    response = page.goto(f"/a/{tenant['account'].pk}/workspaces/")
    assert response.status == 403
    stranger = UserFactory(username="stranger")
    MembershipFactory(account=AccountFactory(), user=stranger, role=Role.OWNER)
    page.context.clear_cookies()
    login(page, "stranger")
    response = page.goto(f"/a/{tenant['account'].pk}/workspaces/")
    shot(page, "stranger-404")
    assert response.status == 404


def test_bad_login_shows_a_message(page, shot, tenant):
    login(page, "new-owner", "wrong-password")
    shot(page, "bad-login")
    assert page.locator("p.message.error").count() == 1
