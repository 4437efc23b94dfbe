"""Populate an account with real objects of every app, through the apps' own services and factories as they
exist, and say which URL/path parameter names their ids answer to.

Used by the tenant-isolation crawl (account A's objects, called by account B's owner) and by the fuzzer (so
path parameters can point at real objects). Each app's part is guarded: an app whose services are not built
yet contributes nothing, and the crawl still covers its URLs with placeholder ids.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from forecasts.models import WarningRule
from notifications.services import alert_rule_create
from orders.models import Order
from orders.tests.factories import paid_package, purchase_order
from payments.models import LedgerEntry, Payment, Recharge
from payments.recharges import recharge_submit_offline
from payments.tests.factories import fund_cash, give_card, give_voucher
from quota.ingest import usage_ingest
from quota.models import Bill
from quota.night import night_run
from statements.invoices import InvoiceLineSpec, invoice_request_create
from statements.monthly_bills import monthly_bill_refresh
from statements.tests.factories import recharge
from tests.factories import MembershipFactory, WorkspaceFactory
from webhooks.models import WebhookDelivery
from webhooks.services import endpoint_create
from workspaces import people
from workspaces.credentials import api_token_create
from workspaces.models import Account, Role

Populator = Callable[..., dict[str, list[int]]]


def _workspaces(*, account, owner, workspaces) -> dict[str, list[int]]:
    extra = WorkspaceFactory(account=account, free=True)
    return {"workspace_id": [w.pk for w in workspaces] + [extra.pk]}


def _payments(*, account, owner, workspaces) -> dict[str, list[int]]:

    fund_cash(account, "200000.00")
    card = give_card(account, "500.00")
    voucher = give_voucher(account, "50.00")
    recharge = recharge_submit_offline(account=account, amount="100.00", transfer_reference="ISO-1", actor=owner)
    ids = {"card_id": [card.pk], "voucher_id": [voucher.pk], "recharge_id": [recharge.pk]}
    ids["recharge_id"] += list(Recharge.objects.filter(account=account).exclude(pk=recharge.pk)
                               .values_list("pk", flat=True))

    ids["entry_id"] = list(LedgerEntry.objects.filter(account=account).values_list("pk", flat=True)[:1])
    ids["payment_id"] = list(Payment.objects.filter(account=account).values_list("pk", flat=True)[:1])
    return ids


def _orders(*, account, owner, workspaces) -> dict[str, list[int]]:
    package = paid_package(account, owner, workspaces=workspaces[:1])
    unpaid = purchase_order(account, owner, workspaces=workspaces[1:2])
    ids = {"package_id": [package.pk], "order_id": [unpaid.pk]}

    ids["order_id"] += list(Order.objects.filter(account=account).exclude(pk=unpaid.pk).values_list("pk", flat=True))
    ids["payment_id"] = list(Order.objects.filter(account=account, payment__isnull=False)
                             .values_list("payment_id", flat=True))
    return ids


def _quota(*, account, owner, workspaces) -> dict[str, list[int]]:

    Account.objects.filter(pk=account.pk).update(created_at=timezone.now() - timedelta(days=30))
    day = timezone.localdate() - timedelta(days=1)
    usage_ingest(records=[{"workspace_id": w.pk, "item": "log", "day": day.isoformat(), "quantity": 100_000_000}
                          for w in workspaces])
    night_run(day=day, account_ids=[account.pk])
    bills = list(Bill.objects.filter(account=account).values_list("pk", flat=True))
    return {"bill_id": bills}


def _statements(*, account, owner, workspaces) -> dict[str, list[int]]:

    bill = monthly_bill_refresh(account=account, month=timezone.localdate() - timedelta(days=1))
    paid = recharge(account, "300.00")
    invoice = invoice_request_create(
        account=account, requested_by=owner, title="Tenant A Ltd", tax_id="91110000123456789X",
        email="finance@example.com",
        lines=[InvoiceLineSpec(source_type="recharge", source_id=paid.pk, amount="300.00")],
    )
    # "bill_id" means a monthly bill under bills/monthly/ and a daily bill elsewhere
    return {"bills/monthly/:bill_id": [bill.pk], "invoice_id": [invoice.pk], "recharge_id": [paid.pk]}


def _notifications(*, account, owner, workspaces) -> dict[str, list[int]]:
    rule = alert_rule_create(account=account, actor=owner, workspace_id=workspaces[0].pk, billing_item_id=None,
                             threshold="10.00")
    return {"rule_id": [rule.pk]}


def _webhooks(*, account, owner, workspaces) -> dict[str, list[int]]:

    endpoint = endpoint_create(account=account, actor=owner, url="https://hooks.example.com/fee-center",
                               event_types=["recharge.credited"], description="isolation")
    delivery = WebhookDelivery.objects.create(account=account, endpoint=endpoint, event_type="recharge.credited",
                                              message_id=f"msg_isolation_{endpoint.pk}", body="{}", status="failed")
    return {"endpoint_id": [endpoint.pk], "delivery_id": [delivery.pk]}


def _people(*, account, owner, workspaces) -> dict[str, list[int]]:

    member = MembershipFactory(account=account, role=Role.MEMBER)
    administrator = MembershipFactory(account=account, role=Role.ADMINISTRATOR)
    invitation = people.invitation_create(account=account, email="invitee@example.com", role=Role.MEMBER,
                                          invited_by=owner)
    transfer = people.ownership_transfer_propose(account=account, by=owner, to=administrator)
    token = api_token_create(user=owner, name="crawl")
    return {"membership_id": [member.pk, administrator.pk], "invitation_id": [invitation.pk],
            "transfer_id": [transfer.pk], "token_id": [token.token.pk]}


def _forecasts(*, account, owner, workspaces) -> dict[str, list[int]]:
    # the default warning rules every account gets; "rule_id" elsewhere is a high-spending alert rule
    return {"forecast/warnings/:rule_id": list(WarningRule.objects.filter(account=account)
                                                .values_list("pk", flat=True)[:1])}


POPULATORS: list[Populator] = [_people, _workspaces, _payments, _orders, _quota, _statements, _notifications, _webhooks,
                               _forecasts]


def populate_account(*, account, owner, workspaces) -> dict[str, list[int]]:
    """Create one of everything for `account`; returns {path parameter name: [ids]}."""
    ids: dict[str, list[int]] = {}
    for populate in POPULATORS:
        try:
            created = populate(account=account, owner=owner, workspaces=workspaces)
        except ImportError:  # that app's services are not there yet
            continue
        for name, values in created.items():
            ids.setdefault(name, []).extend(v for v in values if v not in ids.get(name, []))
    return ids


def ids_for(ids: dict[str, list[int]], route: str, name: str) -> list[int]:
    """The ids for parameter `name` in `route`: a route-specific key ("fragment/:name") wins over the plain name."""
    specific = [key for key in ids if ":" in key and key.split(":", 1)[1] == name and key.split(":", 1)[0] in route]
    if specific:
        return ids[max(specific, key=len)]
    return ids.get(name) or []


def any_id(ids: dict[str, list[int]], name: str, default: Any = 1, route: str = "") -> Any:
    values = ids_for(ids, route, name)
    return values[0] if values else default
