from django.urls import include, path

from workspaces import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="account-home"),
    path("workspaces/", views.WorkspaceListView.as_view(), name="workspace-list"),
    path("people/", include("workspaces.people_urls")),
    path("workspaces/<id:workspace_id>/", views.WorkspaceDetailView.as_view(), name="workspace-detail"),
    path("workspaces/<id:workspace_id>/upgrade/", views.WorkspaceUpgradeView.as_view(), name="workspace-upgrade"),
    path(
        "workspaces/<id:workspace_id>/storage-policies/",
        views.WorkspaceStoragePolicyView.as_view(),
        name="workspace-storage-policies",
    ),
]
