"""REST endpoints of orders and plan management (docs/INTERFACES.md). Thin: validate, call one service, serialise."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from core.exceptions import ApplicationError
from core.idempotency import idempotent
from core.parsing import parse_day
from orders import selectors
from orders.error_codes import OrdersErrorCode as Code
from orders.models import Order, OrderKind, OrderStatus, Package, PackageStatus
from orders.payment import order_cancel, order_checkout, order_create_and_pay, order_pay
from orders.purchase import (
    active_package_for_traffic,
    order_create_purchase,
    order_create_traffic,
    order_create_upgrade,
)
from orders.renewal import order_create_renewal, package_set_auto_renew
from orders.serializers import (
    AutoRenewSerializer,
    OrderCreateSerializer,
    OrderKindSerializer,
    OrderPaySerializer,
    OrderSerializer,
    PackageSerializer,
    PurchaseCreateSerializer,
    RenewalCreateSerializer,
    RenewalOrderCreateSerializer,
    TrafficCreateSerializer,
    UpgradeCreateSerializer,
)
from payments.tenders import TenderSpec
from plans.models import Plan, TrafficPackage
from workspaces.models import Workspace
from workspaces.tenancy import AccountScopedAPIView, AccountScopedListAPIView, get_scoped_or_404


def _date_param(request, name: str) -> datetime.date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    day = parse_day(raw)
    if day is None:
        raise ApplicationError(f"{name} must be a date YYYY-MM-DD.", code=Code.INVALID, fields={name: ["YYYY-MM-DD"]})
    return day


def resolve_workspaces(account, ids: list[int]) -> list[Workspace]:
    """Workspace ids of the request -> the account's workspaces, in the given order (duplicates kept so the
    service can name them); an id that is not one of the account's workspaces is a 400."""
    found = {ws.pk: ws for ws in Workspace.objects.for_account(account).filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ApplicationError(
            f"Unknown workspace {missing[0]}.", code=Code.UNKNOWN_WORKSPACE,
            fields={"workspaces": [f"Unknown workspace {missing[0]}."]},
        )
    return [found[i] for i in ids]


def resolve_traffic(items: list[dict]) -> list[tuple[TrafficPackage, int]]:
    if not items:
        return []
    codes = {item["traffic_package"] for item in items}
    packages = {
        tp.billing_item.code: tp
        for tp in TrafficPackage.objects.select_related("billing_item").filter(billing_item__code__in=codes)
    }
    result = []
    for item in items:
        tp = packages.get(item["traffic_package"])
        if tp is None:
            raise ApplicationError(
                f"Unknown traffic package {item['traffic_package']!r}.", code=Code.UNKNOWN_TRAFFIC_PACKAGE,
                fields={"traffic": [f"Unknown traffic package {item['traffic_package']!r}."]},
            )
        result.append((tp, item["capacity"]))
    return result


def resolve_plan(code: str) -> Plan:
    plan = Plan.objects.filter(code=code).first()
    if plan is None:
        raise ApplicationError(f"Unknown plan {code!r}.", code=Code.UNKNOWN_PLAN, fields={"plan": ["Unknown plan."]})
    return plan


def resolve_package(account, package_id: int | None) -> Package:
    if package_id is None:
        return active_package_for_traffic(account=account)
    package = Package.objects.for_account(account).filter(pk=package_id).first()
    if package is None:
        raise ApplicationError(
            f"Unknown package {package_id}.", code=Code.UNKNOWN_PACKAGE, fields={"package": ["Unknown package."]}
        )
    return package


def _create_purchase(account, data: dict, actor) -> Order:
    return order_create_purchase(
        account=account, plan=resolve_plan(data["plan"]),
        workspaces=resolve_workspaces(account, data.get("workspaces", [])),
        traffic=resolve_traffic(data.get("traffic", [])), actor=actor,
    )


def _checkout_purchase(account, data: dict, tenders: list[TenderSpec], actor) -> Order:
    return order_checkout(
        account=account, plan=resolve_plan(data["plan"]),
        workspaces=resolve_workspaces(account, data.get("workspaces", [])),
        traffic=resolve_traffic(data.get("traffic", [])), tenders=tenders, actor=actor,
    )


def _create_upgrade(account, data: dict, actor) -> Order:
    return order_create_upgrade(package=resolve_package(account, data["package"]),
                                         target_plan=resolve_plan(data["plan"]), actor=actor)


def _create_traffic(account, data: dict, actor) -> Order:
    return order_create_traffic(package=resolve_package(account, data.get("package")),
                                         traffic=resolve_traffic(data.get("traffic", [])), actor=actor)


def _create_renewal(account, data: dict, actor) -> Order:
    return create_renewal(account, resolve_package(account, data["package"]), data, actor)


def create_renewal(account, package: Package, data: dict, actor) -> Order:
    """A renewal order from the request's (optional) plan, workspaces and traffic; the service fills in the
    defaults (the package's plan, its current workspaces in order, no traffic or with keep_traffic the traffic
    at its end)."""
    return order_create_renewal(
        package=package, plan=resolve_plan(data["plan"]) if data.get("plan") else None,
        workspaces=resolve_workspaces(account, data["workspaces"]) if data.get("workspaces") else None,
        traffic=resolve_traffic(data["traffic"]) if data.get("traffic") else None,
        keep_traffic=bool(data.get("keep_traffic")), actor=actor,
    )


@dataclass(frozen=True)
class OrderOperation:
    """One kind of order the API creates: the serializer of its body, the service creating it unpaid and,
    for the one-call checkout (`tenders` in the body), the service creating and paying it in one transaction
    (default: the create inside services.order_create_and_pay)."""

    serializer: type[serializers.Serializer]
    create: Callable[[Any, dict, Any], Order]
    checkout: Callable[[Any, dict, list[TenderSpec], Any], Order] | None = None

    def run(self, account, data: dict, actor) -> Order:
        if "tenders" not in data:
            return self.create(account, data, actor)
        tenders = _tender_specs(data["tenders"])
        if self.checkout is not None:
            return self.checkout(account, data, tenders, actor)
        return order_create_and_pay(account=account, create=lambda: self.create(account, data, actor),
                                              tenders=tenders, actor=actor)


# kind -> operation: POST .../orders/<kind>/ and POST .../orders/ with `kind` both go through this table
ORDER_OPERATIONS: dict[str, OrderOperation] = {
    OrderKind.PURCHASE: OrderOperation(PurchaseCreateSerializer, _create_purchase, _checkout_purchase),
    OrderKind.UPGRADE: OrderOperation(UpgradeCreateSerializer, _create_upgrade),
    OrderKind.TRAFFIC: OrderOperation(TrafficCreateSerializer, _create_traffic),
    OrderKind.RENEWAL: OrderOperation(RenewalOrderCreateSerializer, _create_renewal),
}


def create_order(account, kind: str, request) -> Order:
    """Validate the request's body with the kind's serializer and run its operation."""
    operation = ORDER_OPERATIONS[kind]
    serializer = operation.serializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return operation.run(account, dict(serializer.validated_data), request.user)


def _tender_specs(tenders: list[dict]) -> list[TenderSpec]:
    return [TenderSpec(kind=t["kind"], amount=t["amount"], instrument_id=t.get("id")) for t in tenders]


def _order_body(order: Order) -> dict:
    """The answer of a create or a pay: the order the service returned, serialised from the rows it wrote or
    read (lines and workspaces cached on it; whatever is missing is read once), never read back whole.
    orders/tests/test_checkout_budget.py checks it equals what GET .../orders/{id}/ answers."""
    selectors.order_prefetch_details([order])
    return OrderSerializer(order).data


class OrderListApi(AccountScopedListAPIView):
    """The account's orders, newest first (filter: status, kind, created_from, created_to); POST creates a
    priced, unpaid purchase, upgrade, traffic or renewal order (owner only). While a workspace of the account
    is locked for arrears, creating any of them answers 423 `account_in_arrears`."""

    serializer_class = OrderSerializer

    @extend_schema(parameters=[
        OpenApiParameter("status", str, enum=OrderStatus.values), OpenApiParameter("kind", str, enum=OrderKind.values),
        OpenApiParameter("created_from", datetime.date), OpenApiParameter("created_to", datetime.date),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_account_queryset(self):
        params = self.request.query_params
        queryset = selectors.order_list(
            account=self.account,
            status=params.get("status") if params.get("status") in OrderStatus.values else None,
            kind=params.get("kind") if params.get("kind") in OrderKind.values else None,
        )
        created_from = _date_param(self.request, "created_from")
        created_to = _date_param(self.request, "created_to")
        if created_from:
            queryset = queryset.filter(created_at__date__gte=created_from)
        if created_to:
            queryset = queryset.filter(created_at__date__lte=created_to)
        return queryset

    @extend_schema(
        request=OrderCreateSerializer, responses={201: OrderSerializer},
        description="Kept for existing clients: `kind` names the operation, the other fields are those of "
                    "POST .../orders/<kind>/ (purchase, upgrade, traffic, renewal), which this runs.",
    )
    @idempotent
    def post(self, request, account_id: int):
        kind = OrderKindSerializer(data=request.data)
        kind.is_valid(raise_exception=True)
        order = create_order(self.account, kind.validated_data["kind"], request)
        return Response(_order_body(order), status=status.HTTP_201_CREATED)


_ORDER_EXAMPLE_ERRORS = {
    409: OpenApiResponse(description="already renewed (`already_renewed`) or ended (`package_ended`)"),
    422: OpenApiResponse(description="a smaller plan (`renewal_plan_smaller`), a workspace already covered, ..."),
    423: OpenApiResponse(description="a workspace of the account is locked for arrears (`account_in_arrears`): "
                                     "recharge to pay the arrears first"),
}


class _OrderCreateApi(AccountScopedAPIView):
    """Create an order of `kind` (priced on the server, unpaid), or with `tenders` create and pay it in one
    transaction (paid, or nothing written). Owner only; honours Idempotency-Key; 423 `account_in_arrears`
    while a workspace of the account is locked for arrears."""

    kind: str

    def create(self, request) -> Response:
        return Response(_order_body(create_order(self.account, self.kind, request)), status=status.HTTP_201_CREATED)


class OrderPurchaseApi(_OrderCreateApi):
    """Buy a plan package for workspaces in order, with optional traffic packages."""

    kind = OrderKind.PURCHASE

    @extend_schema(request=PurchaseCreateSerializer, responses={201: OrderSerializer})
    @idempotent
    def post(self, request, account_id: int):
        return self.create(request)


class OrderUpgradeApi(_OrderCreateApi):
    """Upgrade a package to a bigger plan from the next billing day (same end date)."""

    kind = OrderKind.UPGRADE

    @extend_schema(request=UpgradeCreateSerializer, responses={201: OrderSerializer})
    @idempotent
    def post(self, request, account_id: int):
        return self.create(request)


class OrderTrafficApi(_OrderCreateApi):
    """Add traffic packages to a live package from the next billing day to its end."""

    kind = OrderKind.TRAFFIC

    @extend_schema(request=TrafficCreateSerializer, responses={201: OrderSerializer})
    @idempotent
    def post(self, request, account_id: int):
        return self.create(request)


class OrderRenewalApi(_OrderCreateApi):
    """Renew a package before it ends: the new package starts the day after it ends (same or bigger plan)."""

    kind = OrderKind.RENEWAL

    @extend_schema(request=RenewalOrderCreateSerializer, responses={201: OrderSerializer, **_ORDER_EXAMPLE_ERRORS})
    @idempotent
    def post(self, request, account_id: int):
        return self.create(request)


class OrderDetailApi(AccountScopedAPIView):
    @extend_schema(responses=OrderSerializer)
    def get(self, request, account_id: int, order_id: int):
        order = get_scoped_or_404(selectors.order_list(account=self.account), pk=order_id)
        return Response(OrderSerializer(order).data)


class OrderPayApi(AccountScopedAPIView):
    """Pay with a list of tenders whose sum is exactly the total (else 422). Honours Idempotency-Key."""

    @extend_schema(request=OrderPaySerializer, responses=OrderSerializer)
    @idempotent
    def post(self, request, account_id: int, order_id: int):
        order = get_scoped_or_404(Order.objects.for_account(self.account), pk=order_id)
        serializer = OrderPaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tenders = _tender_specs(serializer.validated_data["tenders"])
        return Response(_order_body(order_pay(order=order, tenders=tenders, actor=request.user)))


class OrderCancelApi(AccountScopedAPIView):
    @extend_schema(request=None, responses=OrderSerializer)
    def post(self, request, account_id: int, order_id: int):
        order = get_scoped_or_404(Order.objects.for_account(self.account), pk=order_id)
        order_cancel(order=order, actor=request.user)
        return Response(OrderSerializer(selectors.order_get(account=self.account, order_id=order.pk)).data)


class PackageListApi(AccountScopedListAPIView):
    """Plan management: packages with validity, status, current plan, workspaces in order, traffic."""

    serializer_class = PackageSerializer

    @extend_schema(parameters=[
        OpenApiParameter("status", str, enum=PackageStatus.values),
        OpenApiParameter("valid_from", datetime.date, description="packages still valid on or after this day"),
        OpenApiParameter("valid_to", datetime.date, description="packages already valid on or before this day"),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_account_queryset(self):
        queryset = selectors.package_list(account=self.account)
        status_param = self.request.query_params.get("status")
        if status_param in PackageStatus.values:
            queryset = queryset.filter(status=status_param)
        valid_from = _date_param(self.request, "valid_from")
        valid_to = _date_param(self.request, "valid_to")
        if valid_from:
            queryset = queryset.filter(ends_on__gte=valid_from)
        if valid_to:
            queryset = queryset.filter(starts_on__lte=valid_to)
        return queryset




class PackageRenewApi(AccountScopedAPIView):
    """Renew a package before it ends: a priced, unpaid order of kind `renewal` (pay it with
    POST .../orders/{oid}/pay/). The new package starts the day after this one ends, for the plan's validity;
    same plan or a bigger one. Owner only."""

    @extend_schema(
        request=RenewalCreateSerializer, responses={201: OrderSerializer, **_ORDER_EXAMPLE_ERRORS},
        examples=[OpenApiExample("same plan, same workspaces", value={}, request_only=True),
                  OpenApiExample("bigger plan, new order", value={"plan": "growth", "workspaces": [12, 11],
                                                                  "keep_traffic": True}, request_only=True)],
    )
    def post(self, request, account_id: int, package_id: int):
        package = get_scoped_or_404(Package.objects.for_account(self.account).select_related("plan"), pk=package_id)
        serializer = RenewalCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = create_renewal(self.account, package, serializer.validated_data, request.user)
        return Response(OrderSerializer(selectors.order_get(account=self.account, order_id=order.pk)).data,
                        status=status.HTTP_201_CREATED)


class PackageAutoRenewApi(AccountScopedAPIView):
    """Opt a package in or out of automatic renewal (charged from the wallet, vouchers then cards then cash,
    FinanceSettings.auto_renew_days_before days before its end). Owner only. PATCH or POST."""

    @extend_schema(request=AutoRenewSerializer, responses=PackageSerializer,
                   examples=[OpenApiExample("opt in", value={"auto_renew": True}, request_only=True)])
    def patch(self, request, account_id: int, package_id: int):
        package = get_scoped_or_404(Package.objects.for_account(self.account), pk=package_id)
        serializer = AutoRenewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        package_set_auto_renew(package=package, enabled=serializer.validated_data["auto_renew"],
                                        actor=request.user)
        package = selectors.package_list(account=self.account).get(pk=package.pk)
        return Response(PackageSerializer(package).data)

    @extend_schema(request=AutoRenewSerializer, responses=PackageSerializer)
    def post(self, request, account_id: int, package_id: int):
        return self.patch(request, account_id, package_id)
