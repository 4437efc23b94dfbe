"""The public catalogue's JSON: each identity with the figures in force today (the vendor's day) and the
changes announced after it (`announced`: each with its `effective_from`). Objects come from plans.selectors
with `figures` and `announced` attached."""

from typing import Any

from rest_framework import serializers

from plans.models import BillingItem, PlanVersionCapacity, TrafficVersionTier

MONEY: dict[str, Any] = {"max_digits": 16, "decimal_places": 2, "read_only": True}
PRICE: dict[str, Any] = {"max_digits": 14, "decimal_places": 4, "read_only": True}


class StoragePolicyFiguresSerializer(serializers.Serializer):
    effective_from = serializers.DateField(read_only=True)
    price = serializers.DecimalField(**PRICE)
    conversion_factor = serializers.IntegerField(read_only=True)


class StoragePolicySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    retention_days = serializers.IntegerField(read_only=True, allow_null=True)
    is_default = serializers.BooleanField(read_only=True)
    price = serializers.DecimalField(source="figures.price", **PRICE)
    conversion_factor = serializers.IntegerField(source="figures.conversion_factor", read_only=True)
    effective_from = serializers.DateField(source="figures.effective_from", read_only=True)
    announced = StoragePolicyFiguresSerializer(many=True, read_only=True)


class BillingItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    pricing_unit = serializers.IntegerField(read_only=True)
    unit_label = serializers.CharField(read_only=True)
    voucher_payable = serializers.BooleanField(read_only=True)
    storage_policies = StoragePolicySerializer(source="policies", many=True, read_only=True)


class PlanCapacitySerializer(serializers.ModelSerializer):
    billing_item: "serializers.SlugRelatedField[BillingItem]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = PlanVersionCapacity
        fields = ["billing_item", "daily_capacity"]


class PlanFiguresSerializer(serializers.Serializer):
    effective_from = serializers.DateField(read_only=True)
    price = serializers.DecimalField(**MONEY)
    capacities = PlanCapacitySerializer(many=True, read_only=True)


class PlanSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    rank = serializers.IntegerField(read_only=True)
    validity_days = serializers.IntegerField(read_only=True)
    price = serializers.DecimalField(source="figures.price", **MONEY)
    effective_from = serializers.DateField(source="figures.effective_from", read_only=True)
    capacities = PlanCapacitySerializer(source="figures.capacities", many=True, read_only=True)
    payg_equivalent = serializers.DecimalField(**MONEY)
    saving = serializers.DecimalField(**MONEY)
    announced = PlanFiguresSerializer(many=True, read_only=True)


class TrafficDiscountTierSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrafficVersionTier
        fields = ["min_capacity", "percent_off"]


class TrafficFiguresSerializer(serializers.Serializer):
    effective_from = serializers.DateField(read_only=True)
    minimum_capacity = serializers.IntegerField(read_only=True)
    unit_price = serializers.DecimalField(**PRICE)
    discount_tiers = TrafficDiscountTierSerializer(source="tiers", many=True, read_only=True)


class TrafficPackageSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    billing_item = serializers.CharField(source="billing_item.code", read_only=True)
    basic_unit = serializers.IntegerField(read_only=True)
    minimum_capacity = serializers.IntegerField(source="figures.minimum_capacity", read_only=True)
    unit_price = serializers.DecimalField(source="figures.unit_price", **PRICE)
    effective_from = serializers.DateField(source="figures.effective_from", read_only=True)
    discount_tiers = TrafficDiscountTierSerializer(source="figures.tiers", many=True, read_only=True)
    announced = TrafficFiguresSerializer(many=True, read_only=True)
