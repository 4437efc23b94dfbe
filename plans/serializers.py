from rest_framework import serializers

from plans.models import BillingItem, Plan, PlanCapacity, StoragePolicy, TrafficDiscountTier, TrafficPackage


class StoragePolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = StoragePolicy
        fields = ["id", "retention_days", "price", "conversion_factor", "is_default"]


class BillingItemSerializer(serializers.ModelSerializer):
    storage_policies = StoragePolicySerializer(many=True, read_only=True)

    class Meta:
        model = BillingItem
        fields = ["id", "code", "name", "pricing_unit", "unit_label", "voucher_payable", "storage_policies"]


class PlanCapacitySerializer(serializers.ModelSerializer):
    billing_item = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = PlanCapacity
        fields = ["billing_item", "daily_capacity"]


class PlanSerializer(serializers.ModelSerializer):
    capacities = PlanCapacitySerializer(many=True, read_only=True)
    payg_equivalent = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    saving = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = Plan
        fields = ["id", "code", "name", "price", "rank", "validity_days", "capacities", "payg_equivalent", "saving"]


class TrafficDiscountTierSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrafficDiscountTier
        fields = ["min_capacity", "percent_off"]


class TrafficPackageSerializer(serializers.ModelSerializer):
    billing_item = serializers.SlugRelatedField(slug_field="code", read_only=True)
    discount_tiers = TrafficDiscountTierSerializer(many=True, read_only=True)

    class Meta:
        model = TrafficPackage
        fields = ["id", "billing_item", "basic_unit", "minimum_capacity", "unit_price", "discount_tiers"]
