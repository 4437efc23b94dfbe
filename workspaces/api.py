from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from workspaces import selectors, services
from workspaces.models import Capability, Membership, Workspace
from workspaces.serializers import (
    AccountMembershipSerializer,
    ItemStoragePoliciesSerializer,
    StoragePolicyChangeInputSerializer,
    StoragePolicyChangeSerializer,
    WorkspaceCreateSerializer,
    WorkspaceSerializer,
)
from workspaces.tenancy import AccountScopedAPIView, AccountScopedListAPIView, get_scoped_or_404


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


class WorkspaceStoragePolicyApi(AccountScopedAPIView):
    """A workspace's storage policy per billing item (items with several policies): the policy in force today
    and any pending change. POST chooses a policy; it applies from the account's next billing day (a pending
    change is replaced; choosing the policy in force cancels it). Owners and administrators."""

    write_capability = Capability.MANAGE

    def _workspace(self, workspace_id: int) -> Workspace:
        return get_scoped_or_404(Workspace.objects.for_account(self.account), pk=workspace_id)

    @extend_schema(responses=ItemStoragePoliciesSerializer(many=True))
    def get(self, request, account_id: int, workspace_id: int):
        workspace = self._workspace(workspace_id)
        items = selectors.workspace_storage_policies(account=self.account, workspace=workspace)
        return Response(ItemStoragePoliciesSerializer(items, many=True).data)

    @extend_schema(
        request=StoragePolicyChangeInputSerializer,
        responses=StoragePolicyChangeSerializer,
        examples=[
            OpenApiExample("Keep logs 30 days", request_only=True, value={"item": "log", "storage_policy_id": 3}),
            OpenApiExample(
                "Scheduled", response_only=True,
                value={
                    "outcome": "scheduled", "valid_from": "2026-12-02",
                    "state": {
                        "item": "log", "item_name": "Log", "pricing_unit": 1000000, "pending_from": "2026-12-02",
                        "in_force": {"id": 2, "retention_days": 7, "price": "1.5000", "conversion_factor": 1,
                                     "difference": "0.0000", "is_default": True},
                        "pending": {"id": 3, "retention_days": 30, "price": "2.5000", "conversion_factor": 2,
                                    "difference": "1.0000", "is_default": False},
                        "options": [],
                    },
                },
            ),
            OpenApiExample(
                "Policy of another item", response_only=True, status_codes=["400"],
                value={"error": {"code": "unknown_storage_policy", "message": "This storage policy is not one of "
                                 "Log's.", "fields": {"storage_policy_id": ["Choose one of Log's storage policies."]}}},
            ),
        ],
    )
    def post(self, request, account_id: int, workspace_id: int):
        workspace = self._workspace(workspace_id)
        serializer = StoragePolicyChangeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        item, policy = services.storage_policy_resolve(
            item_code=data["item"], storage_policy_id=data["storage_policy_id"]
        )
        change = services.workspace_storage_policy_set(workspace=workspace, billing_item=item, storage_policy=policy)
        state = next(
            (e for e in selectors.workspace_storage_policies(account=self.account, workspace=workspace)
             if e.item.pk == item.pk),
            None,
        )
        return Response(StoragePolicyChangeSerializer(
            {"outcome": change.outcome, "valid_from": change.valid_from, "state": state}
        ).data)
