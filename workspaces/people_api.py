"""People endpoints under /api/v1/accounts/{account_id}/: owners and administrators read, owners change."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from workspaces import people, people_selectors
from workspaces.models import Capability, Membership
from workspaces.people_models import Invitation, OwnershipTransfer
from workspaces.people_serializers import (
    AcceptedMembershipSerializer,
    InvitationAcceptSerializer,
    InvitationCreateSerializer,
    InvitationSerializer,
    MemberSerializer,
    RoleChangeSerializer,
    TransferProposeSerializer,
    TransferSerializer,
)
from workspaces.tenancy import AccountScopedAPIView, AccountScopedListAPIView, get_scoped_or_404


class MemberListApi(AccountScopedListAPIView):
    """The account's people and their roles."""

    serializer_class = MemberSerializer
    read_capability = Capability.MANAGE

    def get_account_queryset(self):
        return people_selectors.member_list(account=self.account)


class MemberDetailApi(AccountScopedAPIView):
    """PATCH changes a role (administrator or member); DELETE removes the person (owner only). The last
    owner is never demoted or removed, and an owner never demotes or removes themselves."""

    read_capability = Capability.MANAGE
    write_capability = Capability.MANAGE_PEOPLE

    def _target(self, membership_id: int) -> Membership:
        return get_scoped_or_404(Membership.objects.filter(account=self.account), pk=membership_id)

    @extend_schema(request=RoleChangeSerializer, responses=MemberSerializer,
                   examples=[OpenApiExample("Make an administrator", value={"role": "administrator"},
                                            request_only=True)])
    def patch(self, request, account_id: int, membership_id: int):
        target = self._target(membership_id)  # another account's membership: 404 before any validation
        serializer = RoleChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = people.membership_change_role(account=self.account, membership=target,
                                                   role=serializer.validated_data["role"], by=request.user)
        return Response(MemberSerializer(membership).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, account_id: int, membership_id: int):
        people.membership_remove(account=self.account, membership=self._target(membership_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationListApi(AccountScopedListAPIView):
    """Invitations (newest first, any state); POST invites an email with a role (owner only). The accept link
    goes only to the invited address."""

    serializer_class = InvitationSerializer
    read_capability = Capability.MANAGE
    write_capability = Capability.MANAGE_PEOPLE

    def get_account_queryset(self):
        return people_selectors.invitation_list(account=self.account)

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationSerializer},
                   examples=[OpenApiExample("Invite a member", value={"email": "li@example.com", "role": "member"},
                                            request_only=True)])
    def post(self, request, account_id: int):
        serializer = InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = people.invitation_create(account=self.account, invited_by=request.user,
                                              **serializer.validated_data)
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationDetailApi(AccountScopedAPIView):
    """DELETE revokes a pending invitation (owner only)."""

    read_capability = Capability.MANAGE
    write_capability = Capability.MANAGE_PEOPLE

    @extend_schema(responses=InvitationSerializer)
    def get(self, request, account_id: int, invitation_id: int):
        invitation = get_scoped_or_404(Invitation.objects.for_account(self.account), pk=invitation_id)
        return Response(InvitationSerializer(invitation).data)

    @extend_schema(request=None, responses=InvitationSerializer)
    def delete(self, request, account_id: int, invitation_id: int):
        invitation = get_scoped_or_404(Invitation.objects.for_account(self.account), pk=invitation_id)
        return Response(InvitationSerializer(people.invitation_revoke(invitation=invitation)).data)


class TransferProposeApi(AccountScopedAPIView):
    """The owner proposes ownership to an administrator (by membership id); it waits for their answer."""

    read_capability = Capability.MANAGE
    write_capability = Capability.MANAGE_PEOPLE

    @extend_schema(request=TransferProposeSerializer, responses={201: TransferSerializer})
    def post(self, request, account_id: int):
        serializer = TransferProposeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = get_scoped_or_404(Membership.objects.filter(account=self.account),
                                   pk=serializer.validated_data["membership"])
        transfer = people.ownership_transfer_propose(account=self.account, by=request.user, to=target)
        return Response(TransferSerializer(transfer).data, status=status.HTTP_201_CREATED)


class TransferAnswerApi(AccountScopedAPIView):
    """`accept` (the administrator it was offered to: the roles swap) or `cancel` (either of the two)."""

    read_capability = Capability.SEE_ACCOUNT
    write_capability = Capability.SEE_ACCOUNT  # the service checks who answers

    @extend_schema(request=None, responses=TransferSerializer)
    def post(self, request, account_id: int, transfer_id: int, answer: str):
        transfer = get_scoped_or_404(OwnershipTransfer.objects.for_account(self.account), pk=transfer_id)
        if answer == "accept":
            transfer = people.ownership_transfer_accept(transfer=transfer, by=request.user)
        else:
            transfer = people.ownership_transfer_cancel(transfer=transfer, by=request.user)
        return Response(TransferSerializer(transfer).data)


class InvitationAcceptApi(APIView):
    """POST /api/v1/invitations/accept/ {"token"}: the signed-in caller joins the invitation's account with its
    role (the same single-use, expiring token the accept page takes). A used, revoked, expired or unknown token
    is a 409 `invitation_invalid`; a caller already in the account a 409 `already_member`; a caller whose email
    is not the invited address a 409 `invitation_email_mismatch` unless `confirm_other_email` is true."""

    @extend_schema(request=InvitationAcceptSerializer, responses={201: AcceptedMembershipSerializer},
                   examples=[OpenApiExample("Accept", value={"token": "the token of the link"}, request_only=True)])
    def post(self, request):
        serializer = InvitationAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = people.invitation_accept(token=serializer.validated_data["token"], user=request.user,
                                              confirm_other_email=serializer.validated_data["confirm_other_email"])
        return Response(AcceptedMembershipSerializer(membership).data, status=status.HTTP_201_CREATED)
