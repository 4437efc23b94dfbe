from __future__ import annotations

from rest_framework import serializers

from core.parsing import DayField, IdField, StrictIntegerField
from quota.models import Bill, BillLine


class BillLineSerializer(serializers.ModelSerializer):
    workspace_name = serializers.CharField(source="workspace.name")
    item = serializers.CharField(source="billing_item.code")
    item_name = serializers.CharField(source="billing_item.name")
    pricing_unit = serializers.IntegerField(source="billing_item.pricing_unit")
    retention_days = serializers.IntegerField(source="storage_policy.retention_days", allow_null=True)
    voucher_payable = serializers.BooleanField(source="billing_item.voucher_payable")

    class Meta:
        model = BillLine
        fields = [
            "workspace_id", "workspace_name", "item", "item_name", "pricing_unit", "storage_policy_id",
            "retention_days", "package_id", "usage", "factor", "converted", "covered_by_package",
            "covered_by_traffic", "overage", "unit_price", "amount", "voucher_payable",
        ]


class BillSerializer(serializers.ModelSerializer):
    lines = BillLineSerializer(many=True, read_only=True)

    class Meta:
        model = Bill
        fields = ["id", "day", "total", "voucher_payable_total", "charged", "runs", "updated_at", "lines"]


class UsageRecordInputSerializer(serializers.Serializer):
    """Documentation of one record (the batch is validated by quota.ingest.usage_ingest)."""

    workspace_id = IdField()
    item = serializers.CharField(help_text="billing item code, e.g. log, apm, rum, datakit, sms")
    day = DayField(help_text="the day in the account's time zone, YYYY-MM-DD")
    quantity = StrictIntegerField(min_value=0)


class UsageBatchSerializer(serializers.Serializer):
    records = UsageRecordInputSerializer(many=True)


class UsageRefusalSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="position of the record in `records`, from 0")
    code = serializers.ChoiceField(
        choices=["workspace_locked", "workspace_free", "day_in_future", "day_outside_window", "day_before_commercial"],
        help_text="why the record cannot be billed",
    )
    message = serializers.CharField()


class UsageResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="records stored (and billed by their day's night)")
    refused = UsageRefusalSerializer(many=True, help_text="well-formed records that were not stored, and why")


class BillFilterSerializer(serializers.Serializer):
    date_from = DayField(required=False)
    date_to = DayField(required=False)

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": ["Must not be before date_from."]})
        return attrs
