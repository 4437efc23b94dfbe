from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from core.tenancy import AccountScopedAPIView, AccountScopedListAPIView, get_scoped_or_404
from workspaces import selectors, services
from workspaces.models import Capability, Membership, Workspace
from workspaces.serializers import AccountMembershipSerializer, WorkspaceCreateSerializer, WorkspaceSerializer


class AccountListApi(ListAPIView):
    """The caller's accounts and the role in each."""

    serializer_class = AccountMembershipSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return selectors.memberships_of(user=self.request.user)


class WorkspaceListApi(AccountScopedListAPIView):
    """The account's workspaces; POST creates a Free workspace."""

    serializer_class = WorkspaceSerializer
    write_capability = Capability.MANAGE

    def get_account_queryset(self):
        return selectors.workspace_list(account=self.account)

    @extend_schema(request=WorkspaceCreateSerializer, responses={201: WorkspaceSerializer})
    def post(self, request, account_id: int):
        serializer = WorkspaceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        workspace = services.workspace_create(account=self.account, **serializer.validated_data)
        return Response(WorkspaceSerializer(workspace).data, status=status.HTTP_201_CREATED)


class WorkspaceUpgradeApi(AccountScopedAPIView):
    """Free to Commercial (owner only)."""

    @extend_schema(request=None, responses=WorkspaceSerializer)
    def post(self, request, account_id: int, workspace_id: int):
        workspace = get_scoped_or_404(Workspace.objects.for_account(self.account), pk=workspace_id)
        workspace = services.workspace_upgrade_to_commercial(workspace=workspace)
        return Response(WorkspaceSerializer(workspace).data)
