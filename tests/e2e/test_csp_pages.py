"""The pages whose scripts moved out of the templates for the Content-Security-Policy, clicked in Chromium:
the language switcher and list filters (no onchange=), the cashier's running total, the usage charts, finance's
revenue chart in admin and Swagger UI at /api/v1/docs/. Any CSP violation fails the test (tests/e2e/conftest.py).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from orders.tests.factories import paid_package, purchase_order
from payments.tests.factories import fund_cash, give_voucher
from quota.tests import factories as qf
from statements.tests.factories import night
from tests.e2e.conftest import login
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner_account(seeded_data):
    owner = UserFactory(username="csp-owner")
    account = AccountFactory(name="CSP Observability")
    MembershipFactory(account=account, user=owner, role=Role.OWNER)
    return owner, account


def _chart_drawn(page, canvas_id: str) -> bool:
    return page.evaluate(
        "(id) => typeof Chart !== 'undefined' && !!Chart.getChart(document.getElementById(id))", canvas_id)


def test_the_listener_catches_a_violation(page, base_url, csp_violations, owner_account):
    """Proof that the harness sees what the policy blocks: an injected style attribute is reported."""
    page.goto("/login/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<div style=\"color: red\">x</div>')")
    page.wait_for_timeout(300)
    assert any("style" in v for v in csp_violations), csp_violations
    csp_violations.clear()


def test_language_switcher_and_order_filter_submit_without_inline_handlers(page, shot, owner_account):
    owner, account = owner_account
    purchase_order(account, owner, workspaces=[WorkspaceFactory(account=account, name="csp-ws")])
    login(page, "csp-owner")
    page.goto(f"/a/{account.pk}/orders/")
    shot(page, "orders")
    with page.expect_navigation():
        page.select_option("select[name=status]", "pending_payment")
    assert "status=pending_payment" in page.url
    shot(page, "orders-filtered")
    with page.expect_navigation():
        page.select_option("#language-switcher select[name=language]", "zh-hans")
    assert page.get_attribute("html", "lang") == "zh-hans"
    shot(page, "chinese")
    with page.expect_navigation():
        page.select_option("#language-switcher select[name=language]", "en")
    assert page.get_attribute("html", "lang") == "en"


def test_cashier_total_and_usage_charts(page, shot, owner_account):

    owner, account = owner_account
    ws = WorkspaceFactory(account=account, name="csp-a")
    paid_package(account, owner, workspaces=[ws])
    order = purchase_order(account, owner, workspaces=[WorkspaceFactory(account=account, name="csp-b")])
    give_voucher(account, "50.00")
    fund_cash(account, "100.00")
    day = date.today() - timedelta(days=2)
    qf.usage(ws, "log", day, 3_000_000)
    night(account, day)

    login(page, "csp-owner")
    page.goto(f"/a/{account.pk}/orders/{order.pk}/pay/")
    total = float(page.get_attribute("#cashier", "data-total"))
    page.fill("#cashier input.tender", "10.00")
    page.fill("#cash", "5.00")
    expected = f"¥{total - 15:,.2f}"  # formatted like the server (static/js/format.js)
    page.wait_for_function("(t) => document.getElementById('remaining').textContent === t", arg=expected)
    shot(page, "cashier")

    page.goto(f"/a/{account.pk}/usage/?date_from={(day - timedelta(days=3)).isoformat()}"
              f"&date_to={(day + timedelta(days=1)).isoformat()}&item=log")
    page.wait_for_function("() => typeof Chart !== 'undefined'")
    assert _chart_drawn(page, "quota-chart") and _chart_drawn(page, "workspace-chart")
    shot(page, "usage-charts")


def test_revenue_chart_in_admin(page, shot, seeded_data):
    UserFactory(username="csp-finance", is_staff=True, is_superuser=True)
    login(page, "csp-finance")
    page.goto(reverse("admin:statements_revenueday_changelist"))
    page.wait_for_function("() => typeof Chart !== 'undefined'")
    assert _chart_drawn(page, "revenue-chart")
    shot(page, "revenue")


def test_swagger_ui_renders_under_the_policy(page, shot, seeded_data):
    page.goto("/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-tag")
    assert "Fee Center API" in page.inner_text(".swagger-ui .info .title")
    shot(page, "swagger-ui")
