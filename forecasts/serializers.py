from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import AmountField
from core.parsing import IdField, StrictIntegerField
from forecasts.models import WarningKind, WarningRule


class MonthField(serializers.Field):
    """A month as `YYYY-MM` (read only), stated as such in the schema (not a date)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return f"{value:%Y-%m}"


extend_schema_field({"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}$", "example": "2026-12"})(MonthField)


class RunwaySerializer(serializers.Serializer):
    days = serializers.IntegerField(allow_null=True, help_text="days fully covered; null: more than a year")
    arrears_day = serializers.DateField(allow_null=True, help_text="the first day whose bill would not be covered")
    first_day = serializers.DateField(help_text="the first day not billed yet")


class ForecastSerializer(serializers.Serializer):
    month = MonthField(help_text="the month forecast, YYYY-MM")
    today = serializers.DateField()
    month_to_date = AmountField()
    has_history = serializers.BooleanField(help_text="false: no charge yet, nothing to forecast (figures null)")
    expected = AmountField(allow_null=True)
    low = AmountField(allow_null=True)
    high = AmountField(allow_null=True)
    daily_mean = AmountField(allow_null=True)
    window_days = serializers.IntegerField()
    remaining_days = serializers.IntegerField()
    usable_balance = AmountField()
    arrears = AmountField()
    runway = RunwaySerializer(allow_null=True)


class WarningRuleSerializer(serializers.ModelSerializer):
    balance_below = AmountField(allow_null=True)
    budget = AmountField(allow_null=True)
    package = serializers.IntegerField(source="package_id", allow_null=True)
    billing_item = serializers.IntegerField(source="billing_item_id", allow_null=True)
    workspaces = serializers.SerializerMethodField()

    class Meta:
        model = WarningRule
        fields = ["id", "kind", "is_active", "percent", "package", "billing_item", "consecutive_days", "runway_days",
                  "balance_below", "name", "budget", "workspaces", "created_at", "updated_at"]

    def get_workspaces(self, rule: WarningRule) -> list[int]:
        return sorted(w.pk for w in rule.workspaces.all())


class WarningRuleInputSerializer(serializers.Serializer):
    """Shapes the input; the service validates the rule as a whole (which fields each kind needs)."""

    kind = serializers.ChoiceField(choices=WarningKind.choices)
    is_active = serializers.BooleanField(required=False, default=True)
    percent = StrictIntegerField(required=False, allow_null=True, min_value=1, max_value=1000)
    package = IdField(required=False, allow_null=True)
    billing_item = IdField(required=False, allow_null=True)
    consecutive_days = StrictIntegerField(required=False, min_value=1, max_value=31, default=1)
    runway_days = StrictIntegerField(required=False, allow_null=True, min_value=1, max_value=366)
    balance_below = AmountField(required=False, allow_null=True)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    budget = AmountField(required=False, allow_null=True)
    workspaces = serializers.ListField(child=IdField(), required=False, max_length=500, default=list)


class WarningRuleUpdateSerializer(WarningRuleInputSerializer):
    kind = serializers.ChoiceField(choices=WarningKind.choices, required=False)
