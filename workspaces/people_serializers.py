from rest_framework import serializers

from workspaces.models import Membership
from workspaces.people_models import Invitation, OwnershipTransfer


class MemberSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="user.id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user_id", "username", "email", "role", "created_at"]
        read_only_fields = fields


class RoleChangeSerializer(serializers.Serializer):
    role = serializers.CharField(max_length=32)


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "created_at", "expires_at", "accepted_at", "revoked_at"]
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    role = serializers.CharField(max_length=32)


class InvitationAcceptSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200, trim_whitespace=True)
    confirm_other_email = serializers.BooleanField(
        default=False, help_text="Required (true) when the caller's email differs from the invited address."
    )


class AcceptedMembershipSerializer(MemberSerializer):
    account_id = serializers.IntegerField(read_only=True)

    class Meta(MemberSerializer.Meta):
        fields = ["account_id", *MemberSerializer.Meta.fields]
        read_only_fields = fields


class TransferSerializer(serializers.ModelSerializer):
    class Meta:
        model = OwnershipTransfer
        fields = ["id", "from_user", "to_user", "created_at", "accepted_at", "cancelled_at"]
        read_only_fields = fields


class TransferProposeSerializer(serializers.Serializer):
    membership = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
