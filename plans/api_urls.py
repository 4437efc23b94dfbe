from django.urls import path

from plans import api

urlpatterns = [
    path("catalogue/billing-items/", api.BillingItemListApi.as_view(), name="api-billing-items"),
    path("catalogue/plans/", api.PlanListApi.as_view(), name="api-plans"),
    path("catalogue/traffic-packages/", api.TrafficPackageListApi.as_view(), name="api-traffic-packages"),
]
