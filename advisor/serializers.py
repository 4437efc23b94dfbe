"""The advisor's API output (money as decimal strings with two places)."""

from __future__ import annotations

from rest_framework import serializers


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True, read_only=True)


class ItemSummarySerializer(serializers.Serializer):
    item = serializers.CharField(source="item.code")
    daily_capacity = serializers.IntegerField(source="capacity", help_text="plan + traffic add-ons, converted units")
    days_exceeded = serializers.IntegerField(help_text="days of the window whose converted usage exceeded it")


class TrafficChoiceSerializer(serializers.Serializer):
    item = serializers.CharField()
    capacity = serializers.IntegerField()


class CandidateSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField(source="label")
    kind = serializers.ChoiceField(choices=["payg", "plan", "current"])
    plan = serializers.CharField(allow_null=True, help_text="plan code (plan candidates)")
    traffic = TrafficChoiceSerializer(many=True)
    yearly_price = _money()
    window_overage = _money()
    projected_overage = _money()
    total = _money()
    saving_vs_payg = _money()
    saving_vs_current = _money()
    items = ItemSummarySerializer(many=True)


class AdviceSerializer(serializers.Serializer):
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    window_days = serializers.IntegerField()
    usage_days = serializers.IntegerField(help_text="days of the window with usage")
    too_short = serializers.BooleanField(help_text="fewer than 14 days with usage: not to be trusted")
    workspaces = serializers.ListField(child=serializers.IntegerField())
    method = serializers.CharField()
    assumptions = serializers.ListField(child=serializers.CharField())
    candidates = CandidateSerializer(many=True)
