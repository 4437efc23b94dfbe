from django.urls import include, path

from workspaces import api, people_api

urlpatterns = [
    path("accounts/", api.AccountListApi.as_view(), name="api-accounts"),
    path("accounts/<id:account_id>/workspaces/", api.WorkspaceListApi.as_view(), name="api-workspaces"),
    path("accounts/<id:account_id>/", include("workspaces.people_api_urls")),
    path("invitations/accept/", people_api.InvitationAcceptApi.as_view(), name="api-invitation-accept"),
    path(
        "accounts/<id:account_id>/workspaces/<id:workspace_id>/upgrade/",
        api.WorkspaceUpgradeApi.as_view(),
        name="api-workspace-upgrade",
    ),
    path(
        "accounts/<id:account_id>/workspaces/<id:workspace_id>/storage-policies/",
        api.WorkspaceStoragePolicyApi.as_view(),
        name="api-workspace-storage-policies",
    ),
]
