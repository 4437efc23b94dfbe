from django.urls import path

from audit import views

urlpatterns = [
    path("audit/", views.AuditTrailView.as_view(), name="audit-trail"),
]
