"""Services: expiry, package statuses, refunds, stale change orders, constraints, permissions."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ApplicationError, Conflict, Unprocessable
from orders import tasks
from orders.models import Order, OrderStatus, Package, PackageStatus, PackageWorkspace
from orders.packages import package_add_workspace, package_reorder_workspaces, package_update_statuses
from orders.payment import order_cancel, order_expire_due, order_pay, order_refund
from orders.pricing import account_today
from orders.purchase import order_create_traffic, order_create_upgrade
from orders.tests.factories import cash, fund_cash, give_card, give_voucher, paid_package, plan, purchase_order
from orders.tests.factories import traffic_package as tp
from payments.models import LedgerEntry, Payment, Wallet
from payments.tenders import TenderSpec
from tests.auth import login_staff
from tests.clock import FIXED_NOW
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db


def test_unpaid_orders_expire_after_the_finance_setting(account, owner, ws_a):
    order = purchase_order(account, owner, workspaces=[ws_a])
    assert order.expires_at - order.created_at == pytest.approx(datetime.timedelta(minutes=1440),
                                                                abs=datetime.timedelta(seconds=5))
    paid = paid_package(account, owner, workspaces=[WorkspaceFactory(account=account)])
    assert order_expire_due(now=order.expires_at - datetime.timedelta(seconds=1)) == 0
    assert order_expire_due(now=order.expires_at) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED and order.closed_at
    assert Order.objects.get(package=paid).status == OrderStatus.PAID
    assert tasks.expire_due_orders.delay().get() == 0


@pytest.mark.time_machine(FIXED_NOW)
def test_package_statuses_follow_the_account_days(account, owner, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    assert package.status == PackageStatus.PENDING
    assert package.starts_on == account_today(account) + datetime.timedelta(days=1)
    assert package_update_statuses() == {"activated": 0, "expired": 0}
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    assert package_update_statuses(now=tomorrow)["activated"] == 1
    package.refresh_from_db()
    assert package.status == PackageStatus.ACTIVE
    after_end = timezone.now() + datetime.timedelta(days=367)
    assert package_update_statuses(now=after_end)["expired"] == 1
    package.refresh_from_db()
    assert package.status == PackageStatus.EXPIRED
    row = PackageWorkspace.objects.get(package=package)
    assert row.valid_until == package.ends_on
    # the workspace is free for a new package
    assert purchase_order(account, owner, workspaces=[ws_a]).total == Decimal("42000.00")
    assert tasks.update_package_statuses.delay().get() == {"activated": 0, "expired": 0}


def test_one_open_package_row_per_workspace_is_a_database_constraint(account, owner, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    with pytest.raises(IntegrityError), transaction.atomic():
        PackageWorkspace.objects.create(package=package, workspace=ws_a, position=2, valid_from=package.starts_on)


def test_refund_of_a_pending_package_goes_back_to_the_tenders(account, owner, ws_a, ws_b):
    voucher = give_voucher(account, "2000.00")
    card = give_card(account, "10000.00")
    fund_cash(account, "31095.00")
    order = purchase_order(account, owner, workspaces=[ws_a, ws_b], traffic=[(tp("log"), 2_000_000)])
    order = order_pay(order=order, actor=owner, tenders=[
        TenderSpec(kind="voucher", amount=Decimal("2000.00"), instrument_id=voucher.pk),
        TenderSpec(kind="card", amount=Decimal("10000.00"), instrument_id=card.pk), cash("31095.00")])
    traffic = order_create_traffic(package=order.package, traffic=[(tp("apm"), 1_000_000)], actor=owner)
    fund_cash(account, traffic.total)
    order_pay(order=traffic, tenders=[cash(traffic.total)], actor=owner)
    with pytest.raises(ApplicationError) as error:
        order_refund(order=order, actor=owner, reason="")
    assert error.value.code == "reason_required"
    with pytest.raises(Conflict) as error:
        order_refund(order=traffic, actor=owner, reason="changed mind")
    assert error.value.code == "refund_purchase_order"

    order_refund(order=order, actor=owner, reason="changed mind")
    order.refresh_from_db()
    traffic.refresh_from_db()
    assert order.status == traffic.status == OrderStatus.REFUNDED
    package = Package.objects.get(pk=order.package_id)
    assert package.status == PackageStatus.REFUNDED and not package.package_workspaces.exists()
    voucher.refresh_from_db()
    card.refresh_from_db()
    assert voucher.balance == Decimal("2000.00") and card.balance == Decimal("10000.00")
    assert Wallet.objects.get(account=account).cash_balance == Decimal("31095.00") + traffic.total
    assert Payment.objects.filter(purpose="refund").count() == 2
    assert LedgerEntry.objects.filter(reason="order_refund").count() == 4
    # the workspaces are free again
    assert purchase_order(account, owner, workspaces=[ws_a, ws_b]).status == OrderStatus.PENDING_PAYMENT
    with pytest.raises(Conflict):
        order_refund(order=order, actor=owner, reason="again")


def test_started_package_is_not_refundable(account, owner, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    Package.objects.filter(pk=package.pk).update(starts_on=account_today(account), status=PackageStatus.ACTIVE)
    order = Order.objects.get(package=package, kind="purchase")
    ledger = LedgerEntry.objects.count()
    with pytest.raises(Conflict) as error:
        order_refund(order=order, actor=owner, reason="too late")
    assert error.value.code == "package_started" and LedgerEntry.objects.count() == ledger
    unpaid = purchase_order(account, owner)
    with pytest.raises(Conflict) as error:
        order_refund(order=unpaid, actor=owner, reason="nothing paid")
    assert error.value.code == "order_not_paid"


def test_admin_refund_action_calls_the_service(client, account, owner, ws_a, django_user_model):
    package = paid_package(account, owner, workspaces=[ws_a])
    order = Order.objects.get(package=package)
    staff = django_user_model.objects.create_superuser("finance", "f@example.com", "pw-pw-pw-pw-1")
    login_staff(client, staff)
    assert client.get(reverse("admin:orders_order_changelist")).status_code == 200
    assert client.get(reverse("admin:orders_order_change", args=[order.pk])).status_code == 200
    assert client.get(reverse("admin:orders_package_change", args=[package.pk])).status_code == 200
    # first finance sees what will happen (nothing is refunded yet), then confirms with a reason
    preview = client.post(reverse("admin:orders_order_changelist"),
                          {"action": "refund_orders", "_selected_action": [order.pk]})
    assert preview.status_code == 200 and "Confirm the refund" in preview.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    response = client.post(reverse("admin:orders_order_changelist"),
                           {"action": "refund_orders", "_selected_action": [order.pk], "apply": "1",
                            "reason": "customer changed their mind"}, follow=True)
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.refund_reason == "customer changed their mind"


def test_upgrade_priced_from_a_plan_that_changed_is_stale(account, owner, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    to_growth = order_create_upgrade(package=package, target_plan=plan("growth"), actor=owner)
    to_enterprise = order_create_upgrade(package=package, target_plan=plan("enterprise"), actor=owner)
    fund_cash(account, to_growth.total + to_enterprise.total)
    order_pay(order=to_growth, tenders=[cash(to_growth.total)], actor=owner)
    with pytest.raises(Conflict) as error:
        order_pay(order=to_enterprise, tenders=[cash(to_enterprise.total)], actor=owner)
    assert error.value.code == "order_stale"
    # a second upgrade the same day replaces the period that starts on that day
    again = order_create_upgrade(package=package, target_plan=plan("enterprise"), actor=owner)
    assert again.total == Decimal("230000.00")
    fund_cash(account, again.total)
    order_pay(order=again, tenders=[cash(again.total)], actor=owner)
    package.refresh_from_db()
    assert package.plan.code == "enterprise"
    assert [(p.plan.code, p.valid_from) for p in package.plan_periods.all()] == [("enterprise", package.starts_on)]


def test_change_order_paid_on_another_day_is_stale(account, owner, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    today = account_today(account)
    Package.objects.filter(pk=package.pk).update(starts_on=today - datetime.timedelta(days=5), status="active")
    order = order_create_traffic(package=package, traffic=[(tp("log"), 1_000_000)], actor=owner)
    Order.objects.filter(pk=order.pk).update(effective_on=today)  # as if created yesterday
    fund_cash(account, order.total)
    with pytest.raises(Conflict) as error:
        order_pay(order=order, tenders=[cash(order.total)], actor=owner)
    assert error.value.code == "order_stale"


def test_vouchers_do_not_pay_sms_traffic(account, owner, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    order = order_create_traffic(package=package, traffic=[(tp("sms"), 1000)], actor=owner)
    voucher = give_voucher(account, "100000.00")
    with pytest.raises(Unprocessable) as error:
        order_pay(order=order, actor=owner, tenders=[
            TenderSpec(kind="voucher", amount=order.total, instrument_id=voucher.pk)])
    assert error.value.code == "voucher_limit_exceeded"


def test_services_refuse_actors_without_spend(account, owner, administrator, ws_a):
    order = purchase_order(account, owner, workspaces=[ws_a])
    fund_cash(account, order.total)
    for call in (lambda: order_pay(order=order, tenders=[cash(order.total)], actor=administrator),
                 lambda: order_cancel(order=order, actor=administrator)):
        with pytest.raises(ApplicationError) as error:
            call()
        assert error.value.status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_pending_orders_do_not_reserve_workspaces_but_the_first_paid_wins(account, owner, ws_a):
    first = purchase_order(account, owner, workspaces=[ws_a])
    second = purchase_order(account, owner, workspaces=[ws_a])
    fund_cash(account, "84000.00")
    order_pay(order=second, tenders=[cash("42000.00")], actor=owner)
    first.refresh_from_db()  # the first is now stale: cancelled, naming the order that was paid
    assert (first.status, first.superseded_by_id) == (OrderStatus.CANCELLED, second.pk)
    with pytest.raises(Conflict) as error:
        order_pay(order=first, tenders=[cash("42000.00")], actor=owner)
    assert error.value.code == "order_cancelled"
    assert Wallet.objects.get(account=account).cash_balance == Decimal("42000.00")


def test_add_workspace_rules(account, owner, ws_a, ws_free):
    package = paid_package(account, owner, workspaces=[ws_a])
    for workspace, code in ((ws_free, "workspace_not_commercial"), (ws_a, "workspace_already_covered")):
        with pytest.raises(ApplicationError) as error:
            package_add_workspace(package=package, workspace=workspace, actor=owner)
        assert error.value.code == code
    other = WorkspaceFactory()
    with pytest.raises(ApplicationError) as error:
        package_add_workspace(package=package, workspace=other, actor=owner)
    assert error.value.code == "unknown_workspace"
    with pytest.raises(ApplicationError) as error:
        package_reorder_workspaces(package=package, workspaces=[ws_a, ws_a], actor=owner)
    assert error.value.code == "invalid_workspace_order"
