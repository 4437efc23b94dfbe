from django.urls import path

from notifications import views

urlpatterns = [
    path("alerts/", views.AlertListView.as_view(), name="alert-list"),
    path("alerts/<id:rule_id>/", views.AlertEditView.as_view(), name="alert-edit"),
    path("alerts/<id:rule_id>/delete/", views.AlertDeleteView.as_view(), name="alert-delete"),
]
