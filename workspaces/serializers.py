from rest_framework import serializers

from core.money import PRICE_DECIMAL_PLACES, PRICE_MAX_DIGITS
from core.parsing import IdField
from workspaces.models import Membership, Workspace


class AccountMembershipSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="account.id")
    name = serializers.CharField(source="account.name")
    time_zone = serializers.CharField(source="account.time_zone")
    currency = serializers.CharField(source="account.currency")

    class Meta:
        model = Membership
        fields = ["id", "name", "time_zone", "currency", "role"]


class WorkspaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Workspace
        fields = ["id", "name", "plan", "status", "commercial_since", "countdown_started_at", "locked_at", "created_at"]
        read_only_fields = fields


class WorkspaceCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)


class StoragePolicyOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    retention_days = serializers.IntegerField(allow_null=True)
    price = serializers.DecimalField(
        max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, allow_null=True,
        help_text="PAYG price per pricing unit per day, on the day a change would apply",
    )
    conversion_factor = serializers.IntegerField(allow_null=True)
    difference = serializers.DecimalField(
        max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, allow_null=True,
        help_text="price minus the price of the policy in force",
    )
    is_default = serializers.BooleanField()


class ItemStoragePoliciesSerializer(serializers.Serializer):
    """One billing item of a workspace: the policy in force today, any pending change and every option."""

    item = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    pricing_unit = serializers.IntegerField(source="item.pricing_unit")
    in_force = StoragePolicyOptionSerializer()
    pending = StoragePolicyOptionSerializer(allow_null=True)
    pending_from = serializers.DateField(allow_null=True, help_text="the first day the pending policy applies")
    options = StoragePolicyOptionSerializer(many=True)


class StoragePolicyChangeInputSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=32, help_text="billing item code, e.g. log")
    storage_policy_id = IdField(help_text="one of the item's storage policies")


class StoragePolicyChangeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=["scheduled", "cancelled", "unchanged"],
        help_text="scheduled: applies from valid_from; cancelled: the policy chosen is in force, the pending "
        "change was dropped; unchanged: already in force, nothing pending",
    )
    valid_from = serializers.DateField(allow_null=True, help_text="the first day the new policy applies")
    state = ItemStoragePoliciesSerializer(allow_null=True, help_text="the item after the change")
