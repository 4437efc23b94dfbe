"""REST: create (priced on the server), pay with mixed tenders, cancel, plan management, every bad input."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Order, OrderStatus, Package, PackageStatus, PackageWorkspace
from orders.tests.factories import fund_cash, give_card, give_voucher, paid_package, purchase_order, traffic_package
from payments.models import LedgerEntry, Payment, Wallet
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db


def _orders(account):
    return f"/api/v1/accounts/{account.id}/orders/"


def _create(api, account, **body):
    body.setdefault("kind", "purchase")
    return api.post(_orders(account), body, format="json")


def _nothing_written(account):
    assert not Order.objects.filter(account=account).exists()
    assert not Package.objects.filter(account=account).exists()


def test_owner_buys_startup_for_a_then_b_with_voucher_card_and_cash(owner_api, account, ws_a, ws_b):
    voucher = give_voucher(account, "2000.00")
    card = give_card(account, "10000.00")
    fund_cash(account, "40000.00")
    response = _create(owner_api, account, plan="startup", workspaces=[ws_a.id, ws_b.id],
                       traffic=[{"traffic_package": "log", "capacity": 2_000_000}])
    assert response.status_code == 201, response.json()
    body = response.json()
    # 42,000 + 2 x 1.5 x 365 = 1,095
    assert body["total"] == "43095.00" and body["status"] == "pending_payment"
    assert [w["name"] for w in body["workspaces"]] == ["Workspace A", "Workspace B"]
    pay = owner_api.post(
        f"{_orders(account)}{body['id']}/pay/",
        {"tenders": [{"kind": "voucher", "id": voucher.id, "amount": "2000.00"},
                     {"kind": "card", "id": card.id, "amount": "10000.00"},
                     {"kind": "cash", "amount": "31095.00"}]},
        format="json", HTTP_IDEMPOTENCY_KEY="pay-1",
    )
    assert pay.status_code == 200, pay.json()
    assert pay.json()["status"] == "paid"
    order = Order.objects.get(pk=body["id"])
    package = order.package
    assert package.status == PackageStatus.PENDING and package.plan.code == "startup"
    assert (package.ends_on - package.starts_on).days == 364
    rows = PackageWorkspace.objects.filter(package=package).order_by("position")
    assert [(r.workspace.name, r.position) for r in rows] == [("Workspace A", 1), ("Workspace B", 2)]
    assert package.traffic.get().capacity == 2_000_000
    assert Wallet.objects.get(account=account).cash_balance == Decimal("8905.00")
    assert sorted(order.payment.tenders.values_list("kind", flat=True)) == ["cash", "ordinary_voucher",
                                                                           "prepaid_card"]
    packages = owner_api.get(f"/api/v1/accounts/{account.id}/packages/").json()["results"]
    assert packages[0]["plan"] == "startup" and [w["name"] for w in packages[0]["workspaces"]] == [
        "Workspace A", "Workspace B"]


@pytest.mark.parametrize(
    ("case", "code", "status"),
    [
        ("free", "workspace_not_commercial", 400),
        ("foreign", "unknown_workspace", 400),
        ("unknown", "unknown_workspace", 400),
        ("duplicated", "duplicate_workspace", 400),
        ("none", "no_workspace", 400),
        ("covered", "workspace_already_covered", 409),
        ("unknown_plan", "unknown_plan", 400),
        ("below_minimum", "below_minimum_capacity", 400),
        ("not_multiple", "not_multiple_of_basic_unit", 400),
        ("unknown_traffic", "unknown_traffic_package", 400),
        ("duplicate_traffic", "duplicate_traffic_package", 400),
        ("negative_capacity", "invalid", 400),
        ("string_workspace", "invalid", 400),
    ],
)
def test_bad_purchase_input_is_a_clear_error_and_writes_nothing(
    owner_api, owner, account, other_account, ws_a, ws_free, case, code, status
):
    body = {"plan": "startup", "workspaces": [ws_a.id]}
    if case == "free":
        body["workspaces"] = [ws_a.id, ws_free.id]
    elif case == "foreign":
        body["workspaces"] = [WorkspaceFactory(account=other_account).id]
    elif case == "unknown":
        body["workspaces"] = [99999999]
    elif case == "duplicated":
        body["workspaces"] = [ws_a.id, ws_a.id]
    elif case == "none":
        body["workspaces"] = []
    elif case == "covered":
        covered = WorkspaceFactory(account=account)
        paid_package(account, owner, workspaces=[covered])
        body["workspaces"] = [ws_a.id, covered.id]
    elif case == "unknown_plan":
        body["plan"] = "platinum"
    elif case == "below_minimum":
        body["traffic"] = [{"traffic_package": "datakit", "capacity": 10}]
    elif case == "not_multiple":
        body["traffic"] = [{"traffic_package": "log", "capacity": 1_500_000}]
    elif case == "unknown_traffic":
        body["traffic"] = [{"traffic_package": "nope", "capacity": 1_000_000}]
    elif case == "duplicate_traffic":
        body["traffic"] = [{"traffic_package": "log", "capacity": 1_000_000}] * 2
    elif case == "negative_capacity":
        body["traffic"] = [{"traffic_package": "log", "capacity": -1_000_000}]
    elif case == "string_workspace":
        body["workspaces"] = ["A"]
    before = Order.objects.count()
    response = _create(owner_api, account, **body)
    assert response.status_code == status, response.json()
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]
    assert Order.objects.count() == before


def test_downgrade_and_same_plan_are_refused(owner_api, owner, account, ws_a):
    package = paid_package(account, owner, plan_code="growth", workspaces=[ws_a])
    for code in ("startup", "growth"):
        response = _create(owner_api, account, kind="upgrade", package=package.id, plan=code)
        assert response.status_code == 400 and response.json()["error"]["code"] == "not_an_upgrade"
    assert Order.objects.filter(kind="upgrade").count() == 0


def test_upgrade_and_traffic_orders_through_the_api(owner_api, owner, account, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    upgrade = _create(owner_api, account, kind="upgrade", package=package.id, plan="growth")
    assert upgrade.status_code == 201 and upgrade.json()["total"] == "238000.00"
    traffic = _create(owner_api, account, kind="traffic", traffic=[{"traffic_package": "log", "capacity": 1_000_000}])
    assert traffic.status_code == 201 and traffic.json()["package"] == package.id
    fund_cash(account, "238547.50")
    for order, amount in ((upgrade.json(), "238000.00"), (traffic.json(), "547.50")):
        response = owner_api.post(f"{_orders(account)}{order['id']}/pay/",
                                  {"tenders": [{"kind": "cash", "amount": amount}]}, format="json")
        assert response.status_code == 200, response.json()
    package.refresh_from_db()
    assert package.plan.code == "growth"
    assert [p.plan.code for p in package.plan_periods.order_by("valid_from")] == ["growth"]
    assert package.traffic.count() == 1


def test_traffic_without_an_active_package_is_refused(owner_api, account, other_account, other_owner):
    response = _create(owner_api, account, kind="traffic", traffic=[{"traffic_package": "log", "capacity": 1_000_000}])
    assert response.status_code == 409 and response.json()["error"]["code"] == "no_active_package"
    foreign = paid_package(other_account, other_owner, workspaces=[WorkspaceFactory(account=other_account)])
    response = _create(owner_api, account, kind="traffic", package=foreign.id,
                       traffic=[{"traffic_package": "log", "capacity": 1_000_000}])
    assert response.status_code == 400 and response.json()["error"]["code"] == "unknown_package"
    assert not Order.objects.filter(account=account).exists()


def test_traffic_on_an_expired_package_is_refused(owner_api, owner, account, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    Package.objects.filter(pk=package.pk).update(status=PackageStatus.EXPIRED)
    response = _create(owner_api, account, kind="traffic", package=package.id,
                       traffic=[{"traffic_package": "log", "capacity": 1_000_000}])
    assert response.status_code == 409 and response.json()["error"]["code"] == "package_not_active"


def _pending(owner_api, account, ws):
    response = _create(owner_api, account, plan="startup", workspaces=[ws.id])
    assert response.status_code == 201
    return response.json()


@pytest.mark.parametrize(
    ("tenders", "code"),
    [
        ([{"kind": "cash", "amount": "41999.99"}], "insufficient_tenders"),
        ([{"kind": "cash", "amount": "42000.01"}], "tenders_exceed_total"),
        ([{"kind": "cash", "amount": "30000.00"}, {"kind": "cash", "amount": "12000.00"}], "duplicate_tender"),
        ([{"kind": "card", "id": 999999, "amount": "42000.00"}], "unknown_tender"),
    ],
)
def test_tenders_must_be_exactly_the_total(owner_api, account, ws_a, tenders, code):
    fund_cash(account, "50000.00")
    order = _pending(owner_api, account, ws_a)
    response = owner_api.post(f"{_orders(account)}{order['id']}/pay/", {"tenders": tenders}, format="json")
    assert response.status_code in (400, 404, 422) and response.json()["error"]["code"] == code
    if code == "insufficient_tenders":
        assert response.status_code == 422 and "¥0.01" in response.json()["error"]["message"]
    assert Order.objects.get(pk=order["id"]).status == OrderStatus.PENDING_PAYMENT
    assert not Package.objects.exists() and not Payment.objects.filter(purpose="order").exists()
    assert Wallet.objects.get(account=account).cash_balance == Decimal("50000.00")


def test_insufficient_cash_changes_nothing(owner_api, account, ws_a):
    fund_cash(account, "100.00")
    order = _pending(owner_api, account, ws_a)
    response = owner_api.post(f"{_orders(account)}{order['id']}/pay/",
                              {"tenders": [{"kind": "cash", "amount": "42000.00"}]}, format="json")
    assert response.status_code == 422 and response.json()["error"]["code"] == "insufficient_balance"
    assert not Package.objects.exists()
    assert Order.objects.get(pk=order["id"]).status == OrderStatus.PENDING_PAYMENT


@pytest.mark.parametrize("state", ["paid", "cancelled", "expired", "expired_unswept"])
def test_paying_a_closed_order_is_a_409(owner_api, account, ws_a, state):
    fund_cash(account, "100000.00")
    order = _pending(owner_api, account, ws_a)
    url = f"{_orders(account)}{order['id']}/pay/"
    cash = {"tenders": [{"kind": "cash", "amount": "42000.00"}]}
    if state == "paid":
        assert owner_api.post(url, cash, format="json").status_code == 200
    elif state == "cancelled":
        assert owner_api.post(f"{_orders(account)}{order['id']}/cancel/").status_code == 200
    elif state == "expired":
        Order.objects.filter(pk=order["id"]).update(status=OrderStatus.EXPIRED)
    else:
        Order.objects.filter(pk=order["id"]).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    ledger = LedgerEntry.objects.count()
    response = owner_api.post(url, cash, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == {"paid": "order_already_paid", "cancelled": "order_cancelled"}.get(
        state, "order_expired")
    assert LedgerEntry.objects.count() == ledger


def test_administrator_and_member_cannot_pay_or_create(api_client, owner_api, account, ws_a, administrator, member):
    fund_cash(account, "42000.00")
    order = _pending(owner_api, account, ws_a)
    for user, list_status in ((administrator, 200), (member, 403)):
        api_client.force_authenticate(user)
        assert api_client.get(_orders(account)).status_code == list_status
        response = api_client.post(f"{_orders(account)}{order['id']}/pay/",
                                   {"tenders": [{"kind": "cash", "amount": "42000.00"}]}, format="json")
        assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
        assert _create(api_client, account, plan="startup", workspaces=[ws_a.id]).status_code == 403
        assert api_client.post(f"{_orders(account)}{order['id']}/cancel/").status_code == 403
    assert Order.objects.get(pk=order["id"]).status == OrderStatus.PENDING_PAYMENT


def test_foreign_order_is_404(owner_api, account, other_account, other_owner):
    ws = WorkspaceFactory(account=other_account)

    order = purchase_order(other_account, other_owner, workspaces=[ws])
    assert owner_api.get(f"{_orders(account)}{order.id}/").status_code == 404
    assert owner_api.post(f"{_orders(account)}{order.id}/pay/", {"tenders": []}, format="json").status_code == 404
    assert owner_api.post(f"{_orders(other_account)}{order.id}/cancel/").status_code == 404


def test_same_idempotency_key_returns_the_first_answer(owner_api, account, ws_a):
    fund_cash(account, "84000.00")
    order = _pending(owner_api, account, ws_a)
    url = f"{_orders(account)}{order['id']}/pay/"
    body = {"tenders": [{"kind": "cash", "amount": "42000.00"}]}
    first = owner_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = owner_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    other = owner_api.post(url, {"tenders": [{"kind": "cash", "amount": "42000"}]}, format="json",
                           HTTP_IDEMPOTENCY_KEY="k1")
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert Wallet.objects.get(account=account).cash_balance == Decimal("42000.00")


def test_cancel_only_unpaid(owner_api, account, ws_a):
    order = _pending(owner_api, account, ws_a)
    url = f"{_orders(account)}{order['id']}/cancel/"
    assert owner_api.post(url).json()["status"] == "cancelled"
    again = owner_api.post(url)
    assert again.status_code == 409 and again.json()["error"]["code"] == "order_not_cancellable"


def test_list_filters_and_date_range(owner_api, account, ws_a):
    _pending(owner_api, account, ws_a)
    today = timezone.localdate().isoformat()
    assert owner_api.get(_orders(account), {"status": "pending_payment"}).json()["count"] == 1
    assert owner_api.get(_orders(account), {"status": "paid"}).json()["count"] == 0
    assert owner_api.get(_orders(account), {"created_from": today}).json()["count"] == 1
    assert owner_api.get(_orders(account), {"created_to": "2000-01-01"}).json()["count"] == 0
    bad = owner_api.get(_orders(account), {"created_from": "yesterday"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("path", ["orders/", "packages/"])
def test_list_endpoints_query_count_is_constant(owner_api, owner, account, django_assert_max_num_queries, path):
    def make(n):
        for _ in range(n):
            paid_package(account, owner, workspaces=[WorkspaceFactory(account=account)],
                         traffic=[(traffic_package("log"), 1_000_000)])

    make(2)
    url = f"/api/v1/accounts/{account.id}/{path}"
    with django_assert_max_num_queries(12) as first:
        assert owner_api.get(url).status_code == 200
    make(4)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert owner_api.get(url).json()["count"] == 6


def test_packages_filter_by_status_and_validity(owner_api, owner, account, ws_a):
    package = paid_package(account, owner, workspaces=[ws_a])
    url = f"/api/v1/accounts/{account.id}/packages/"
    assert owner_api.get(url, {"status": "pending"}).json()["count"] == 1
    assert owner_api.get(url, {"status": "active"}).json()["count"] == 0
    assert owner_api.get(url, {"valid_from": package.ends_on.isoformat()}).json()["count"] == 1
    assert owner_api.get(url, {"valid_to": (package.starts_on - datetime.timedelta(days=1)).isoformat()}
                         ).json()["count"] == 0
    assert owner_api.get(url, {"valid_to": "soon"}).status_code == 400
