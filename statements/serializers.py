from typing import cast

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import AmountField
from core.parsing import IdField
from statements.models import InvoiceRequest, InvoiceRequestLine, MonthlyBill, MonthlyBillLine


class MonthlyBillLineSerializer(serializers.ModelSerializer):
    workspace = serializers.IntegerField(source="workspace_id")
    workspace_name = serializers.CharField(source="workspace.name")
    billing_item = serializers.CharField(source="billing_item.code")
    billing_item_name = serializers.CharField(source="billing_item.name")

    class Meta:
        model = MonthlyBillLine
        fields = ["workspace", "workspace_name", "billing_item", "billing_item_name", "usage", "covered", "overage",
                  "amount"]


@extend_schema_field({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "example": "2026-11"})
class MonthField(serializers.DateField):
    """A month as YYYY-MM (the schema says so too, rather than a full date)."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)


class MonthlyBillSerializer(serializers.ModelSerializer):
    month = MonthField()
    lines = MonthlyBillLineSerializer(many=True, read_only=True)
    paid = serializers.SerializerMethodField()

    class Meta:
        model = MonthlyBill
        fields = ["id", "month", "status", "consumption_total", "adjustments_total", "total", "paid",
                  "arrears_at_month_end", "daily_bill_count", "refreshed_at", "finalized_at", "lines"]

    def get_paid(self, bill: MonthlyBill) -> dict[str, str]:
        return {
            "ordinary_voucher": f"{bill.paid_ordinary_voucher:.2f}",
            "full_reduction_voucher": f"{bill.paid_full_reduction_voucher:.2f}",
            "prepaid_card": f"{bill.paid_prepaid_card:.2f}",
            "cash": f"{bill.paid_cash:.2f}",
            "arrears": f"{bill.paid_arrears:.2f}",
        }


class InvoiceLineInputSerializer(serializers.Serializer):
    source_type = serializers.ChoiceField(choices=["recharge", "card_purchase"])
    source_id = IdField()
    amount = AmountField()


class InvoiceRequestInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    tax_id = serializers.CharField(max_length=20)
    email = serializers.CharField(max_length=254)
    invoice_type = serializers.ChoiceField(choices=["general", "special"], default="general")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    # DRF hands max_length to the ListSerializer (many=True); the stubs do not list it
    lines = InvoiceLineInputSerializer(many=True, allow_empty=False, max_length=500)  # type: ignore[call-arg]


class InvoiceRequestLineSerializer(serializers.ModelSerializer):
    source_id = serializers.SerializerMethodField()

    class Meta:
        model = InvoiceRequestLine
        fields = ["source_type", "source_id", "amount"]

    def get_source_id(self, line: InvoiceRequestLine) -> int:
        return cast(int, line.recharge_id or line.payment_id)  # a line has one of the two


class InvoiceRequestSerializer(serializers.ModelSerializer):
    lines = InvoiceRequestLineSerializer(many=True, read_only=True)

    class Meta:
        model = InvoiceRequest
        fields = ["id", "status", "invoice_type", "title", "tax_id", "email", "note", "amount", "number",
                  "created_at", "decided_at", "decision_note", "lines"]
