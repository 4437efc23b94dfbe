
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import AmountField  # THE API money field
from core.parsing import DayField, StrictIntegerField
from payments.models import LedgerEntry, PrepaidCard, Recharge, RechargeMethod, Voucher


class WalletSerializer(serializers.Serializer):
    account_id = serializers.IntegerField()
    cash_balance = serializers.DecimalField(max_digits=16, decimal_places=2)
    arrears = serializers.DecimalField(max_digits=16, decimal_places=2)
    arrears_since = serializers.DateTimeField(allow_null=True)
    prepaid_card_balance = serializers.DecimalField(max_digits=16, decimal_places=2, source="card_balance")
    prepaid_card_count = serializers.IntegerField(source="card_count")
    voucher_balance = serializers.DecimalField(max_digits=16, decimal_places=2)
    ordinary_voucher_balance = serializers.DecimalField(max_digits=16, decimal_places=2)
    full_reduction_voucher_balance = serializers.DecimalField(max_digits=16, decimal_places=2)
    voucher_count = serializers.IntegerField()


class RechargeSerializer(serializers.ModelSerializer):
    method = serializers.CharField(read_only=True, help_text="online | offline")
    status = serializers.CharField(read_only=True, help_text="pending | succeeded | failed | rejected")

    class Meta:
        model = Recharge
        fields = ["id", "method", "status", "amount", "provider", "gateway_reference", "transfer_reference",
                  "decision_note", "created_at", "completed_at"]
        read_only_fields = fields


class RechargeCreateSerializer(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=RechargeMethod.choices,
        help_text="online: answers the gateway's payment_url; 409 online_payment_unavailable when no payment "
                  "gateway is configured. offline: a bank remittance that finance confirms.",
    )
    amount = AmountField()
    provider = serializers.CharField(max_length=32, required=False, allow_blank=True)
    transfer_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)

    def validate(self, attrs):
        if attrs["method"] == RechargeMethod.OFFLINE and not (attrs.get("transfer_reference") or "").strip():
            raise serializers.ValidationError({"transfer_reference": [_("Required for an offline remittance.")]})
        return attrs


class RechargeCreatedSerializer(RechargeSerializer):
    payment_url = serializers.CharField(allow_null=True)

    class Meta(RechargeSerializer.Meta):
        fields = [*RechargeSerializer.Meta.fields, "payment_url"]
        read_only_fields = fields


class PrepaidCardSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="active | exhausted | expired")

    class Meta:
        model = PrepaidCard
        fields = ["id", "number", "face_value", "balance", "status", "purchased_at", "expires_at"]
        read_only_fields = fields


class PrepaidCardBuySerializer(serializers.Serializer):
    face_value = AmountField()
    quantity = StrictIntegerField(min_value=1, max_value=50, default=1)

    def validate_face_value(self, value):
        if value < 100 or value % 100 != 0:
            raise serializers.ValidationError(_("A multiple of 100, at least 100."))
        return value


class VoucherSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="ordinary | full_reduction")
    status = serializers.CharField(read_only=True, help_text="active | exhausted | expired")

    class Meta:
        model = Voucher
        fields = ["id", "kind", "status", "face_value", "balance", "valid_from", "valid_until", "code",
                  "activated_at", "created_at"]
        read_only_fields = fields


class CardPurchaseSerializer(serializers.Serializer):
    payment_id = serializers.IntegerField(source="payment.pk")
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    cards = PrepaidCardSerializer(many=True)
    gift_voucher = VoucherSerializer(allow_null=True)


class VoucherActivateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64)


class LedgerEntrySerializer(serializers.ModelSerializer):
    card_number = serializers.CharField(source="card.number", default=None, allow_null=True)
    voucher_code = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = ["id", "created_at", "balance_kind", "card", "card_number", "voucher", "voucher_code", "amount",
                  "balance_after", "reason", "source_type", "source_id", "payment", "memo"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_voucher_code(self, obj) -> str | None:
        return str(obj.voucher) if obj.voucher_id else None


class DateRangeSerializer(serializers.Serializer):
    date_from = DayField(required=False)
    date_to = DayField(required=False)
    balance_kind = serializers.ChoiceField(
        choices=["cash", "arrears", "card", "voucher"], required=False
    )

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": [_("Must not be before date_from.")]})
        return attrs
