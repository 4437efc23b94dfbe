from rest_framework import serializers

from core.money import parse_amount
from orders.models import Order, OrderKind, OrderLine, OrderWorkspace, Package, PackagePlanPeriod, PackageTraffic
from orders.selectors import current_workspaces

MAX_ID = 2**63 - 1


class OrderLineSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    traffic_package = serializers.CharField(
        source="traffic_package.billing_item.code", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = OrderLine
        fields = ["kind", "description", "plan", "traffic_package", "capacity", "days", "unit_price",
                  "discount_percent", "amount"]
        read_only_fields = fields


class OrderWorkspaceSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="workspace_id", read_only=True)
    name = serializers.CharField(source="workspace.name", read_only=True)

    class Meta:
        model = OrderWorkspace
        fields = ["id", "name", "position"]


class OrderSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    workspaces = OrderWorkspaceSerializer(many=True, read_only=True)
    package = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    payment = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Order
        fields = ["id", "number", "kind", "status", "plan", "package", "total", "lines", "workspaces",
                  "effective_on", "payment", "created_at", "expires_at", "paid_at", "closed_at"]
        read_only_fields = fields


class TrafficInputSerializer(serializers.Serializer):
    traffic_package = serializers.SlugField(help_text="billing item code of the traffic package, e.g. log")
    capacity = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="daily capacity")


class OrderCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OrderKind.choices)
    plan = serializers.SlugField(required=False, help_text="purchase and upgrade: the plan code, e.g. startup")
    package = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                       help_text="upgrade and traffic: the package id")
    workspaces = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=1000,
        help_text="purchase: workspace ids in the order their daily quota is consumed",
    )
    traffic = TrafficInputSerializer(many=True, required=False, max_length=50)

    def validate(self, attrs):
        kind = attrs["kind"]
        if kind in (OrderKind.PURCHASE, OrderKind.UPGRADE) and not attrs.get("plan"):
            raise serializers.ValidationError({"plan": ["Required for a purchase or an upgrade."]})
        if kind == OrderKind.UPGRADE and not attrs.get("package"):
            raise serializers.ValidationError({"package": ["Required for an upgrade."]})
        return attrs


class TenderInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["cash", "card", "voucher"])
    amount = serializers.CharField(help_text='decimal string, e.g. "100.00"')
    id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID,
                                  help_text="card or voucher id; omitted for cash")

    def validate_amount(self, value):
        try:
            return parse_amount(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None


class OrderPaySerializer(serializers.Serializer):
    tenders = TenderInputSerializer(many=True, allow_empty=False, max_length=100)


class PlanPeriodSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True)

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
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True)
    plan_name = serializers.CharField(source="plan.name", read_only=True)
    plan_periods = PlanPeriodSerializer(many=True, read_only=True)
    workspaces = serializers.SerializerMethodField()
    traffic = PackageTrafficSerializer(many=True, read_only=True)

    class Meta:
        model = Package
        fields = ["id", "plan", "plan_name", "status", "starts_on", "ends_on", "plan_periods", "workspaces",
                  "traffic", "created_at"]
        read_only_fields = fields

    def get_workspaces(self, package) -> list[dict]:
        return [
            {"id": row.workspace_id, "name": row.workspace.name, "position": row.position,
             "valid_from": row.valid_from}
            for row in current_workspaces(package)
        ]
