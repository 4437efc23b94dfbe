from django.urls import path

from workspaces import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="account-home"),
    path("workspaces/", views.WorkspaceListView.as_view(), name="workspace-list"),
    path("workspaces/<id:workspace_id>/upgrade/", views.WorkspaceUpgradeView.as_view(), name="workspace-upgrade"),
]
