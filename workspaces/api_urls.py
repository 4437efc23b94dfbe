from django.urls import path

from workspaces import api

urlpatterns = [
    path("accounts/", api.AccountListApi.as_view(), name="api-accounts"),
    path("accounts/<id:account_id>/workspaces/", api.WorkspaceListApi.as_view(), name="api-workspaces"),
    path(
        "accounts/<id:account_id>/workspaces/<id:workspace_id>/upgrade/",
        api.WorkspaceUpgradeApi.as_view(),
        name="api-workspace-upgrade",
    ),
]
