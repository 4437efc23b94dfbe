from django.urls import path

from audit import api

urlpatterns = [
    path("accounts/<id:account_id>/audit/", api.AuditEventListApi.as_view(), name="api-audit-events"),
]
