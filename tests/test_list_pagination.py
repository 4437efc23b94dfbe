"""Every long list of the Fee Center console is paged by core.pagination's bounded paginator through the one pager
(templates/core/_pager.html): page 2 answers, and a page costs the same number of queries with 3 rows as with 60
(no query per row, no count of a whole table beyond the bound)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pghistory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forecasts.models import WarningEpisode, WarningKind, WarningRule
from notifications.models import AlertEvent, AlertRule
from orders.models import Order, OrderKind, OrderStatus
from payments.models import Recharge, RechargeMethod
from payments.tests.factories import fund_cash, give_card, give_voucher
from plans.models import BillingItem, Plan, StoragePolicy
from quota.models import Bill, BillLine
from statements.models import InvoiceRequest, MonthlyBill
from tests.factories import MembershipFactory, WorkspaceFactory
from webhooks import services as webhook_services
from webhooks.events import TEST_EVENT
from webhooks.models import WebhookDelivery
from workspaces.models import Role
from workspaces.people_models import Invitation

pytestmark = pytest.mark.django_db
_n = itertools.count(1)
BILL_DAY = date(2026, 3, 10)


@dataclass
class Listing:
    name: str
    url: Callable  # (account, state) -> path
    make: Callable  # (account, owner, state, how_many) -> None; `state` keeps what later batches reuse
    page_param: str = "page"


def _orders(account, owner, state, n):
    now = timezone.now()
    plan = Plan.objects.get(code="startup")
    Order.objects.bulk_create([
        Order(account=account, number=f"LP{next(_n):010d}", kind=OrderKind.PURCHASE, status=OrderStatus.CANCELLED,
              plan=plan,
              catalogue_day=timezone.localdate(), total=Decimal("1.00"), created_by=owner,
              expires_at=now + timedelta(days=1))
        for _ in range(n)])


def _deliveries(account, owner, state, n):
    if "endpoint" not in state:
        state["endpoint"] = webhook_services.endpoint_create(
            account=account, actor=owner, url="https://hooks.example.com/x", event_types=["package.expired"])
    WebhookDelivery.objects.bulk_create([
        WebhookDelivery(account=account, endpoint=state["endpoint"], event_type=TEST_EVENT,
                        message_id=f"msg_lp{next(_n)}", body="{}")
        for _ in range(n)])


def _bill_lines(account, owner, state, n):
    if "bill" not in state:
        state["bill"] = Bill.objects.create(account=account, day=BILL_DAY)
        state["item"] = BillingItem.objects.get(code="log")
        state["policy"] = StoragePolicy.objects.filter(billing_item=state["item"]).order_by("pk").first()
    lines = []
    for _ in range(n):
        workspace = WorkspaceFactory(account=account)
        lines.append(BillLine(bill=state["bill"], workspace=workspace, billing_item=state["item"],
                              storage_policy=state["policy"], day=BILL_DAY, usage=10, factor=1, converted=10,
                              unit_price=Decimal("0.10")))
    BillLine.objects.bulk_create(lines)


def _daily_bills(account, owner, state, n):
    start = state.setdefault("days", 0)
    state["days"] += n
    Bill.objects.bulk_create([Bill(account=account, day=BILL_DAY - timedelta(days=start + i)) for i in range(n)])


def _monthly_bills(account, owner, state, n):
    start = state.setdefault("months", 0)
    state["months"] += n
    now = timezone.now()
    months = [date(2000 + (start + i) // 12, (start + i) % 12 + 1, 1) for i in range(n)]
    MonthlyBill.objects.bulk_create([MonthlyBill(account=account, month=m, refreshed_at=now) for m in months])


def _invoices(account, owner, state, n):
    InvoiceRequest.objects.bulk_create([
        InvoiceRequest(account=account, title="ACME", tax_id="91110000MA00000000", email="f@example.com",
                       requested_by=owner, amount=Decimal("1.00"))
        for _ in range(n)])


def _members(account, owner, state, n):
    for _ in range(n):
        MembershipFactory(account=account, role=Role.MEMBER)


def _invitations(account, owner, state, n):
    later = timezone.now() + timedelta(days=3)
    Invitation.objects.bulk_create([
        Invitation(account=account, email=f"p{k}@example.com", role=Role.MEMBER, token_hash=f"{k:064d}",
                   expires_at=later, invited_by=owner)
        for k in (next(_n) for _ in range(n))])


def _alerts_sent(account, owner, state, n):
    if "rule" not in state:
        workspace = WorkspaceFactory(account=account)
        state["rule"] = AlertRule.objects.create(account=account, workspace=workspace, threshold=Decimal("1.00"),
                                                 created_by=owner)
        state["day"] = 0
    rule = state["rule"]
    AlertEvent.objects.bulk_create([
        AlertEvent(rule=rule, account=account, workspace_id=rule.workspace_id, day=date(2020, 1, 1)
                   + timedelta(days=state["day"] + i), amount=Decimal("2.00"), threshold=Decimal("1.00"),
                   recipients="owner@example.com")
        for i in range(n)])
    state["day"] += n


def _warnings_sent(account, owner, state, n):
    if "rule" not in state:
        state["rule"] = WarningRule.objects.create(account=account, kind=WarningKind.LOW_BALANCE,
                                                   balance_below=Decimal("10.00"))
    day = date(2020, 1, 1)
    WarningEpisode.objects.bulk_create([
        WarningEpisode(account=account, rule=state["rule"], subject="balance", opened_on=day, closed_on=day,
                       detail={"usable_balance": "1.00", "threshold_amount": "10.00"})
        for _ in range(n)])


def _ledger(account, owner, state, n):
    for _ in range(n):
        fund_cash(account, "1.00")


def _recharges(account, owner, state, n):
    Recharge.objects.bulk_create([
        Recharge(account=account, method=RechargeMethod.OFFLINE, amount=Decimal("1.00"), requested_by=owner,
                 transfer_reference=f"T{next(_n)}")
        for _ in range(n)])


def _cards(account, owner, state, n):
    for _ in range(n):
        give_card(account, "100.00")


def _vouchers(account, owner, state, n):
    for _ in range(n):
        give_voucher(account, "10.00")


def _audit_events(account, owner, state, n):
    """n changes recorded in the trail: alert rule threshold changes, the newest a rule's creation (so that the
    first page shows both kinds of event with 3 rows and with 60)."""
    with pghistory.context(user=owner.pk):  # every row names its person (one query for the page's people)
        rule = state.get("audited") or AlertRule.objects.create(
            account=account, workspace=WorkspaceFactory(account=account), threshold=Decimal("1.00"), created_by=owner)
        updates = n - 1 if "audited" in state else n - 2
        state["audited"] = rule
        for _ in range(updates):
            rule.threshold += 1
            rule.save(update_fields=["threshold"])
        AlertRule.objects.create(account=account, workspace=WorkspaceFactory(account=account),
                                 threshold=Decimal("1.00"), created_by=owner)


LISTINGS = [
    Listing("orders", lambda a, s: f"/a/{a.pk}/orders/", _orders),
    Listing("webhook deliveries", lambda a, s: f"/a/{a.pk}/webhooks/", _deliveries),
    Listing("one endpoint's deliveries", lambda a, s: f"/a/{a.pk}/webhooks/{s['endpoint'].pk}/", _deliveries),
    Listing("daily bills", lambda a, s: f"/a/{a.pk}/bills/daily/", _daily_bills),
    Listing("daily bill lines", lambda a, s: f"/a/{a.pk}/bills/daily/{s['bill'].pk}/", _bill_lines),
    Listing("monthly bills", lambda a, s: f"/a/{a.pk}/bills/monthly/", _monthly_bills),
    Listing("invoice requests", lambda a, s: f"/a/{a.pk}/invoices/", _invoices),
    Listing("members", lambda a, s: f"/a/{a.pk}/people/", _members),
    Listing("pending invitations", lambda a, s: f"/a/{a.pk}/people/", _invitations, "invitations_page"),
    Listing("alerts sent", lambda a, s: f"/a/{a.pk}/alerts/", _alerts_sent),
    Listing("warnings sent", lambda a, s: f"/a/{a.pk}/forecast/warnings/", _warnings_sent),
    Listing("ledger", lambda a, s: f"/a/{a.pk}/wallet/details/", _ledger),
    Listing("recharges", lambda a, s: f"/a/{a.pk}/wallet/recharge/", _recharges),
    Listing("prepaid cards", lambda a, s: f"/a/{a.pk}/wallet/cards/", _cards),
    Listing("vouchers", lambda a, s: f"/a/{a.pk}/wallet/vouchers/", _vouchers),
    Listing("audit trail", lambda a, s: f"/a/{a.pk}/audit/", _audit_events),
]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


@pytest.mark.parametrize("listing", LISTINGS, ids=[x.name for x in LISTINGS])
def test_page_two_and_the_same_queries_with_3_and_60_rows(owner_client, owner, account, listing):
    state: dict = {}
    listing.make(account, owner, state, 3)
    url = listing.url(account, state)
    page = owner_client.get(url).content.decode()
    assert 'rel="next"' not in page  # one page: no pager
    few = _queries(owner_client, url)
    listing.make(account, owner, state, 57)
    many = _queries(owner_client, url)
    assert many == few, f"{listing.name}: {few} queries with 3 rows, {many} with 60"
    page = owner_client.get(url).content.decode()
    assert 'rel="next"' in page and f"{listing.page_param}=2" in page
    second = owner_client.get(f"{url}?{listing.page_param}=2")
    assert second.status_code == 200 and 'rel="prev"' in second.content.decode()
    assert owner_client.get(f"{url}?{listing.page_param}=999").status_code == 200  # past the end: the last page
    assert owner_client.get(f"{url}?{listing.page_param}=x").status_code == 200


def test_the_pager_keeps_the_filters(owner_client, owner, account):
    _orders(account, owner, {}, 60)
    page = owner_client.get(f"/a/{account.pk}/orders/?status=cancelled").content.decode()
    assert "status=cancelled&amp;page=2" in page
    second = owner_client.get(f"/a/{account.pk}/orders/?status=cancelled&page=2").content.decode()
    assert "status=cancelled&amp;page=1" in second and second.count("LP") >= 10
