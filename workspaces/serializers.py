from rest_framework import serializers

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
