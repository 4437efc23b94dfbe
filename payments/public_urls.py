"""Pages outside any account: the sandbox gateway's payment page (it stands in for the bank's site)."""

from django.urls import path

from payments import views

urlpatterns = [
    path("sandbox-gateway/pay/<slug:reference>/", views.SandboxPayView.as_view(), name="sandbox-gateway-pay"),
]
