from typing import TYPE_CHECKING

from rest_framework import serializers

from core.api import AmountField
from core.parsing import IdField
from orders.models import Order, OrderKind, OrderLine, OrderWorkspace, Package, PackagePlanPeriod, PackageTraffic
from orders.selectors import current_workspaces, renewal_of_package

if TYPE_CHECKING:
    from payments.models import Payment
    from plans.models import Plan


class OrderLineSerializer(serializers.ModelSerializer):
    plan: "serializers.SlugRelatedField[Plan]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    traffic_package = serializers.CharField(
        source="traffic_package.billing_item.code", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = OrderLine
        fields = ["kind", "label", "description", "plan", "traffic_package", "capacity", "days", "unit_price",
                  "discount_percent", "amount"]
        read_only_fields = fields
        extra_kwargs = {"label": {"help_text": "the line in the request's language, built from its fields; "
                                               "`description` keeps the words of the day the order was made, in "
                                               "that day's language (docs/RULES-orders.md)"}}


class OrderWorkspaceSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="workspace_id", read_only=True)
    name = serializers.CharField(source="workspace.name", read_only=True)

    class Meta:
        model = OrderWorkspace
        fields = ["id", "name", "position"]


class OrderSerializer(serializers.ModelSerializer):
    plan: "serializers.SlugRelatedField[Plan]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    lines = OrderLineSerializer(many=True, read_only=True)
    workspaces = OrderWorkspaceSerializer(many=True, read_only=True)
    package: "serializers.PrimaryKeyRelatedField[Package]" = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    renewal_of: "serializers.PrimaryKeyRelatedField[Package]" = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="renewal: the package renewed (`package` is the new one)"
    )
    payment: "serializers.PrimaryKeyRelatedField[Payment]" = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )

    class Meta:
        model = Order
        fields = ["id", "number", "kind", "status", "plan", "package", "renewal_of", "total", "lines", "workspaces",
                  "effective_on", "payment", "created_at", "expires_at", "paid_at", "closed_at"]
        read_only_fields = fields


class TrafficInputSerializer(serializers.Serializer):
    traffic_package = serializers.SlugField(help_text="billing item code of the traffic package, e.g. log")
    capacity = IdField(help_text="daily capacity")


class TenderInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["cash", "card", "voucher"])
    amount = AmountField(help_text='decimal string, e.g. "100.00"')
    id = IdField(required=False, allow_null=True, help_text="card or voucher id; omitted for cash")


def _tenders_field():
    # DRF hands max_length to the ListSerializer (many=True); the stubs do not list it
    return TenderInputSerializer(  # type: ignore[call-arg]
        many=True, required=False, allow_empty=False, max_length=100,
        help_text="optional: pay the new order in the same request (checkout in one call); the tenders add up "
                  "to exactly its total, else 422 and nothing is created. Honours Idempotency-Key.",
    )


def _workspaces_field(help_text: str):
    return serializers.ListField(child=IdField(), required=False, max_length=1000, help_text=help_text)


def _traffic_field(help_text: str = ""):
    # DRF hands max_length to the ListSerializer (many=True); the stubs do not list it
    return TrafficInputSerializer(many=True, required=False, max_length=50,  # type: ignore[call-arg]
                                  help_text=help_text)


class PurchaseCreateSerializer(serializers.Serializer):
    """POST .../orders/purchase/: a new package."""

    plan = serializers.SlugField(help_text="the plan code, e.g. startup")
    workspaces = _workspaces_field("workspace ids in the order their daily quota is consumed")
    traffic = _traffic_field("traffic packages for the plan's whole validity")
    tenders = _tenders_field()


class UpgradeCreateSerializer(serializers.Serializer):
    """POST .../orders/upgrade/: a package to a bigger plan from the next billing day."""

    package = IdField(help_text="the package id")
    plan = serializers.SlugField(help_text="the bigger plan's code, e.g. growth")
    tenders = _tenders_field()


class TrafficCreateSerializer(serializers.Serializer):
    """POST .../orders/traffic/: traffic packages added to a live package from the next billing day."""

    package = IdField(required=False, help_text="the package id (default: the live package that ends last)")
    traffic = _traffic_field("traffic packages with their daily capacities")
    tenders = _tenders_field()


class RenewalOrderCreateSerializer(serializers.Serializer):
    """POST .../orders/renewal/: the renewal of a package (the new package starts the day after it ends)."""

    package = IdField(help_text="the package renewed")
    plan = serializers.SlugField(required=False, help_text="the plan code (default: the package's plan); the same "
                                 "plan or a bigger one")
    workspaces = _workspaces_field("workspace ids in the order their daily quota is consumed (default: the "
                                   "package's current order)")
    traffic = _traffic_field("traffic packages for the renewal's whole validity (default: none unless "
                             "keep_traffic)")
    keep_traffic = serializers.BooleanField(
        required=False, default=False, help_text="renew the traffic packages in force on the package's last day"
    )
    tenders = _tenders_field()


class OrderCreateSerializer(serializers.Serializer):
    """POST .../orders/ (kept for existing clients): `kind` names the operation; the other fields are those
    of that kind's own endpoint (POST .../orders/<kind>/), validated by its serializer."""

    kind = serializers.ChoiceField(choices=OrderKind.choices)
    plan = serializers.SlugField(required=False, help_text="purchase and upgrade: the plan code, e.g. startup; "
                                 "renewal: optional")
    package = IdField(required=False, help_text="upgrade, traffic and renewal: the package id")
    workspaces = _workspaces_field("purchase, renewal: workspace ids in the order their daily quota is consumed")
    traffic = _traffic_field()
    keep_traffic = serializers.BooleanField(required=False, default=False, help_text="renewal only")
    tenders = _tenders_field()


class OrderKindSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OrderKind.choices)


class RenewalCreateSerializer(serializers.Serializer):
    plan = serializers.SlugField(required=False, help_text="the plan code (default: the package's plan); the same "
                                 "plan or a bigger one")
    workspaces = serializers.ListField(
        child=IdField(), required=False, max_length=1000,
        help_text="workspace ids in the order their daily quota is consumed (default: the package's current order)",
    )
    # DRF hands max_length to the ListSerializer (many=True); the stubs do not list it
    traffic = TrafficInputSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=50,
        help_text="traffic packages for the renewal's whole validity (default: none unless keep_traffic)",
    )
    keep_traffic = serializers.BooleanField(
        required=False, default=False, help_text="renew the traffic packages in force on the package's last day"
    )


class AutoRenewSerializer(serializers.Serializer):
    auto_renew = serializers.BooleanField(help_text="renew from the wallet some days before the end")


class OrderPaySerializer(serializers.Serializer):
    # DRF hands max_length to the ListSerializer (many=True); the stubs do not list it
    tenders = TenderInputSerializer(many=True, allow_empty=False, max_length=100)  # type: ignore[call-arg]


class PlanPeriodSerializer(serializers.ModelSerializer):
    plan: "serializers.SlugRelatedField[Plan]" = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = PackagePlanPeriod
        fields = ["plan", "valid_from"]


class PackageTrafficSerializer(serializers.ModelSerializer):
    traffic_package = serializers.CharField(source="traffic_package.billing_item.code", read_only=True)
    name = serializers.CharField(source="traffic_package.billing_item.name", read_only=True)

    class Meta:
        model = PackageTraffic
        fields = ["traffic_package", "name", "capacity", "valid_from", "valid_until"]


class PackageSerializer(serializers.ModelSerializer):
    plan: "serializers.SlugRelatedField[Plan]" = serializers.SlugRelatedField(slug_field="code", read_only=True)
    plan_name = serializers.CharField(source="plan.name", read_only=True)
    plan_periods = PlanPeriodSerializer(many=True, read_only=True)
    workspaces = serializers.SerializerMethodField()
    traffic = PackageTrafficSerializer(many=True, read_only=True)
    renewal_of: "serializers.PrimaryKeyRelatedField[Package]" = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    renewal = serializers.SerializerMethodField(help_text="the id of the package renewing this one, if any")

    class Meta:
        model = Package
        fields = ["id", "plan", "plan_name", "status", "starts_on", "ends_on", "plan_periods", "workspaces",
                  "traffic", "auto_renew", "renewal_of", "renewal", "created_at"]
        read_only_fields = fields

    def get_renewal(self, package) -> int | None:
        renewal = renewal_of_package(package)
        return renewal.pk if renewal else None

    def get_workspaces(self, package) -> list[dict]:
        return [
            {"id": row.workspace_id, "name": row.workspace.name, "position": row.position,
             "valid_from": row.valid_from}
            for row in current_workspaces(package)
        ]
