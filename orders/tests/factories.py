"""Factories of the orders app. Wallet balances come from the payments app's factories (through the ledger);
orders and packages are created through the services, like a user would."""

from __future__ import annotations

from decimal import Decimal

from orders.models import Order, Package
from orders.payment import order_pay
from orders.purchase import order_create_purchase
from payments.tenders import TenderSpec
from payments.tests.factories import fund_cash, give_card, give_voucher  # noqa: F401  (re-exported)
from plans.models import Plan, TrafficPackage
from tests.factories import WorkspaceFactory


def plan(code: str = "startup") -> Plan:
    return Plan.objects.get(code=code)


def traffic_package(code: str = "log") -> TrafficPackage:
    return TrafficPackage.objects.select_related("billing_item").get(billing_item__code=code)


def cash(amount) -> TenderSpec:
    return TenderSpec(kind="cash", amount=Decimal(str(amount)))


def purchase_order(account, owner, *, plan_code="startup", workspaces=None, traffic=()) -> Order:
    workspaces = workspaces or [WorkspaceFactory(account=account)]
    return order_create_purchase(
        account=account, plan=plan(plan_code), workspaces=workspaces, traffic=list(traffic), actor=owner
    )


def paid_package(account, owner, **kwargs) -> Package:
    """A purchase order paid in cash (the cash is credited first)."""
    order = purchase_order(account, owner, **kwargs)
    fund_cash(account, order.total)
    order = order_pay(order=order, tenders=[cash(order.total)], actor=owner)
    return order.package
