"""The demo's package (`manage.py seed_demo`): on the purchase day the owner buys Startup Acceleration for
Workspace A then Workspace B and pays it at once with the welcome voucher, 10,000.00 of the prepaid card and
cash from that morning's remittance. Bought that day, it starts the next day (the product's rule) and the
hourly status task activates it that morning, so the quota demo's week falls inside it. `before_summary`
tells the summary which package covers each workspace."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from core.money import ZERO
from orders.models import PackageWorkspace
from orders.packages import package_update_statuses
from orders.payment import order_pay
from orders.purchase import order_create_purchase
from payments import selectors as payment_selectors
from payments.models import VoucherKind
from payments.tenders import TenderSpec
from plans.models import Plan


def _tenders(account, total: Decimal) -> list:
    tenders, rest = [], total
    voucher = payment_selectors.usable_vouchers(account=account).filter(kind=VoucherKind.ORDINARY).first()
    if voucher is not None:
        amount = min(voucher.balance, rest)
        tenders.append(TenderSpec(kind="voucher", amount=amount, instrument_id=voucher.pk))
        rest -= amount
    card = payment_selectors.usable_cards(account=account).first()
    if card is not None and rest > 0:
        amount = min(card.balance, Decimal("10000.00"), rest)
        tenders.append(TenderSpec(kind="card", amount=amount, instrument_id=card.pk))
        rest -= amount
    if rest > ZERO:
        tenders.append(TenderSpec(kind="cash", amount=rest))
    return tenders


def seed(context: dict) -> None:
    account, owner, workspaces = context["account"], context["users"]["owner"], context["workspaces"]
    with context["clock"].at(context["purchase_day"], 10, 30):
        order = order_create_purchase(
            account=account, plan=Plan.objects.get(code="startup"),
            workspaces=[workspaces["Workspace A"], workspaces["Workspace B"]], traffic=[], actor=owner,
        )
    with context["clock"].at(context["purchase_day"], 10, 36):
        order = order_pay(order=order, tenders=_tenders(account, order.total), actor=owner)
    context["package"] = order.package
    # The hourly beat task activates it the next morning (the package starts the day after it is bought).
    with context["clock"].at(context["purchase_day"] + timedelta(days=1), 0, 5) as morning:
        package_update_statuses(now=morning)


def before_summary(context: dict) -> None:
    coverage = context.setdefault("coverage", {})
    today = context["clock"].today
    slots = (PackageWorkspace.objects.filter(package__account__in=context.get("summary_accounts", []),
                                             valid_from__lte=today)
             .exclude(valid_until__lt=today).select_related("package__plan").order_by("position"))
    for slot in slots:
        package = slot.package
        coverage[slot.workspace_id] = (f"package {package.plan.name} (position {slot.position}, "
                                       f"{package.starts_on} to {package.ends_on}, {package.get_status_display()})")
