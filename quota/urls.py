from django.urls import path

from quota import views

urlpatterns = [
    path("bills/daily/", views.BillListView.as_view(), name="quota-bills"),
    path("bills/daily/<id:bill_id>/", views.BillDetailView.as_view(), name="quota-bill-detail"),
    path("usage/", views.UsageView.as_view(), name="quota-usage"),
    path("packages/<id:package_id>/quota-use/", views.PackageUsageView.as_view(), name="quota-package-usage"),
]
